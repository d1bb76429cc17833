# execbench: entry=f constructs=numeric
# execbench: input=1e308
# execbench: input=-0.0
# execbench: input=2.0
import math


def f(x):
    big = x * 10
    return str(big), math.isinf(big), x == -x, math.copysign(1, x), x ** 0, str(x)
