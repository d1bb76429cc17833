# execbench: entry=f constructs=numeric
# execbench: input=15
# execbench: input=16
# execbench: input=10**20 + 1
# execbench: raises=-1
import math


def f(n):
    r = math.isqrt(n)
    return r, r * r == n, int(n ** 0.5) == r, (r + 1) ** 2 > n
