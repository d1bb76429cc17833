# execbench: entry=f constructs=aliasing
# execbench: input=[1, 2]
# execbench: input=[]
# execbench: input=[9]
def grow(xs):
    xs += [0]
    xs = xs + [1]
    xs.append(2)
    return len(xs)


def f(xs):
    n = grow(xs)
    t = tuple(xs)
    return n, xs, t
