# execbench: entry=f constructs=numeric
# execbench: input=[0.1, 0.2]
# execbench: input=[0.1] * 10
# execbench: input=[1e16, 1.0, -1e16]
import math


def f(xs):
    s = sum(xs)
    return s, math.fsum(xs), s == 0.3, round(s, 2)
