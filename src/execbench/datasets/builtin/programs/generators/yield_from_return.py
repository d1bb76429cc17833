# execbench: entry=f constructs=generators
# execbench: input=3
# execbench: input=0
# execbench: input=1
def inner(n):
    for i in range(n):
        yield i
    return n * 10


def outer(n):
    got = yield from inner(n)
    yield got
    got = yield from inner(n - 1)
    yield got


def f(n):
    return list(outer(n))
