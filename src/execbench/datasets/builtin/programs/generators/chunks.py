# execbench: entry=f constructs=generators
# execbench: input=[1, 2, 3, 4, 5], 2
# execbench: input=[], 3
# execbench: input=[1, 2, 3], 3
# execbench: raises=[1, 2], 0
def chunks(xs, n):
    if n <= 0:
        raise ValueError('n must be positive')
    for i in range(0, len(xs), n):
        yield xs[i:i + n]


def f(xs, n):
    g = chunks(xs, n)
    return [sum(c) for c in g]
