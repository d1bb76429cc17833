# execbench: entry=f constructs=aliasing,semantics
# execbench: input=[3, 1, 2]
# execbench: input=[]
# execbench: input=[1, 1]
def f(xs):
    original = xs
    a = xs.sort()
    b = sorted(xs, reverse=True)
    xs = xs + [0]
    return a, b, original, xs
