# execbench: entry=f constructs=generators
# execbench: input=5
# execbench: input=1
# execbench: input=0
import itertools


def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b


def f(n):
    evens = (x for x in fib() if x % 2 == 0)
    return list(itertools.islice(evens, n)), next(fib())
