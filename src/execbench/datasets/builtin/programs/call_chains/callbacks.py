# execbench: entry=f constructs=call_chains,closures
# execbench: input=[1, 2, 3]
# execbench: input=[]
# execbench: input=[10]
def each(xs, fn):
    for x in xs:
        fn(x)


def collect():
    out = []
    return out, out.append


def f(xs):
    out, sink = collect()
    each(xs, sink)
    each(xs, lambda x: sink(x * x))
    return out
