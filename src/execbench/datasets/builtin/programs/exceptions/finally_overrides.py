# execbench: entry=f constructs=exceptions
# execbench: input=1
# execbench: input=0
# execbench: input=-1
def g(x):
    try:
        if x == 0:
            raise ZeroDivisionError
        return 10 // x
    finally:
        if x < 0:
            return 'finally'


def f(x):
    try:
        return g(x)
    except ZeroDivisionError:
        return 'caught'
