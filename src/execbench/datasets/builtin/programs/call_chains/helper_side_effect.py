# execbench: entry=f constructs=call_chains,aliasing
# execbench: input=[3, 1, 2]
# execbench: input=[]
# execbench: input=[5]
def largest(xs):
    xs.sort()
    return xs[-1] if xs else None


def first(xs):
    return xs[0] if xs else None


def f(xs):
    a = first(xs)
    b = largest(xs)
    c = first(xs)
    return a, b, c
