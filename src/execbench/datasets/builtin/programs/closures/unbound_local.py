# execbench: entry=f constructs=closures,exceptions
# execbench: input=True
# execbench: raises=False
# execbench: input=1
x = 5


def g(flag):
    if flag:
        x = 1
    return x + 1


def f(flag):
    return g(flag), x
