# execbench: entry=f constructs=closures,recursion
# execbench: input=10
# execbench: input=1
# execbench: input=25
def memo(fn):
    cache = {}

    def wrapper(n):
        if n not in cache:
            cache[n] = fn(n)
        wrapper.misses = len(cache)
        return cache[n]

    return wrapper


@memo
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def f(n):
    return fib(n), fib.misses
