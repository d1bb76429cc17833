# execbench: entry=f constructs=exceptions
# execbench: input=3
# execbench: input=0
# execbench: input=8
def g(n):
    for i in range(n):
        try:
            if i == 2:
                raise KeyError(i)
        finally:
            if i == 2:
                break
    return i if n else None


def f(n):
    return g(n), g(n // 2)
