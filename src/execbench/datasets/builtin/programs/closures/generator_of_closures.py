# execbench: entry=f constructs=closures,generators
# execbench: input=3
# execbench: input=1
# execbench: input=0
def makers(n):
    for i in range(n):
        yield lambda: i


def f(n):
    eager = [g() for g in list(makers(n))]
    lazy = [g() for g in makers(n)]
    return eager, lazy
