# execbench: entry=f constructs=closures,aliasing
# execbench: input=[1, 2]
# execbench: input=[]
# execbench: input=[3, 3, 3]
seen = []


def record(x):
    seen.append(x)
    return len(seen)


def reset():
    global seen
    old = seen
    seen = []
    return old


def f(xs):
    counts = [record(x) for x in xs]
    old = reset()
    record(0)
    return counts, old, seen
