# execbench: entry=f constructs=aliasing,call_chains
# execbench: input=[1, 2]
# execbench: input=[]
# execbench: input=[7]
def reset(xs):
    xs = []
    return xs


def clear(xs):
    xs[:] = []
    return xs


def f(xs):
    a = list(xs)
    r = reset(a)
    before = list(a)
    c = clear(a)
    return before, a, r is a, c is a
