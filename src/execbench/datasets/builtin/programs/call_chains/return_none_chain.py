# execbench: entry=f constructs=call_chains
# execbench: input=[1, 2]
# execbench: input=[3]
# execbench: raises=[]
def add_item(xs, x):
    xs.append(x)


def last(xs):
    return xs[-1]


def f(xs):
    r = add_item(xs, len(xs))
    ys = list(filter(None, [r, last(xs), 0]))
    return r, ys, last(xs[:-1])
