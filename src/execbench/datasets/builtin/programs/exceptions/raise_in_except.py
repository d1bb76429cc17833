# execbench: entry=f constructs=exceptions
# execbench: input=0
# execbench: input=2
# execbench: input=-1
def g(x):
    try:
        return 1 / x
    except ZeroDivisionError:
        return [][x]


def f(x):
    try:
        return g(x)
    except IndexError as e:
        return type(e.__context__).__name__, e.__cause__ is None
