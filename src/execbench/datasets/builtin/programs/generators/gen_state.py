# execbench: entry=f constructs=generators
# execbench: input=2
# execbench: input=0
# execbench: input=4
import inspect


def gen(n):
    for i in range(n):
        yield i


def f(n):
    g = gen(n)
    states = [inspect.getgeneratorstate(g)]
    next(g, None)
    states.append(inspect.getgeneratorstate(g))
    rest = list(g)
    states.append(inspect.getgeneratorstate(g))
    return states, rest
