# execbench: entry=f constructs=recursion,exceptions
# execbench: input=3
# execbench: input=50
# execbench: raises=100000
# execbench: input=-1
def depth(n):
    if n <= 0:
        return [n]
    return depth(n - 1) + [n]


def f(n):
    try:
        xs = depth(n)
    finally:
        n = n * 2
    return xs[-1] + n, len(xs)
