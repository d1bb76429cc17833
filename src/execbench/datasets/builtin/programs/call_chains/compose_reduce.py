# execbench: entry=f constructs=call_chains
# execbench: input=2
# execbench: input=0
# execbench: input=-3
from functools import reduce


def inc(x):
    return x + 1


def dbl(x):
    return x * 2


def neg(x):
    return -x


def f(x):
    steps = [inc, dbl, neg, inc, dbl]
    forward = reduce(lambda acc, fn: fn(acc), steps, x)
    backward = reduce(lambda acc, fn: fn(acc), reversed(steps), x)
    return forward, backward
