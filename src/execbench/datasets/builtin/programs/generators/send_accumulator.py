# execbench: entry=f constructs=generators
# execbench: input=[5, 3, 10]
# execbench: input=[]
# execbench: input=[1, 1]
def acc():
    total = 0
    while True:
        x = yield total
        if x is None:
            break
        total += x
    yield -total


def f(values):
    g = acc()
    out = [next(g)]
    for v in values:
        out.append(g.send(v))
    out.append(g.send(None))
    return out
