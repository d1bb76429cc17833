# execbench: entry=f constructs=exceptions
# execbench: input='12'
# execbench: input='x'
# execbench: input=''
class ParseError(Exception):
    pass


def parse(s):
    try:
        return int(s)
    except ValueError as e:
        raise ParseError(s) from e


def f(s):
    try:
        return parse(s)
    except ParseError as e:
        return type(e.__cause__).__name__, e.args, e.__suppress_context__
