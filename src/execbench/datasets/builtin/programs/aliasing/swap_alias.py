# execbench: entry=f constructs=aliasing
# execbench: raises=[1, 2, 3], 0, 2
# execbench: input=[1, 2, 3], 1, 1
# execbench: input=[0, 1, 2], 0, 1
# execbench: input=[2, 0, 1], 2, 2
def f(xs, i, j):
    ys = xs
    ys[i], ys[j] = ys[j], ys[i]
    i, xs[i] = xs[i], i
    return xs, i
