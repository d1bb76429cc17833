# execbench: entry=f constructs=recursion,aliasing
# execbench: input=1
# execbench: input=6
# execbench: input=7
# execbench: raises=0
def steps(n, cache={1: 0}):
    if n not in cache:
        cache[n] = 1 + steps(n // 2 if n % 2 == 0 else 3 * n + 1)
    return cache[n]


def f(n):
    if n < 1:
        raise ValueError(n)
    return steps(n), steps(n + 1), len(steps.__defaults__[0]) > 5
