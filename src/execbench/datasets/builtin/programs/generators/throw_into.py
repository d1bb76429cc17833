# execbench: entry=f constructs=generators,exceptions
# execbench: input=1
# execbench: input=3
# execbench: input=0
def worker():
    handled = 0
    while True:
        try:
            yield handled
        except ValueError:
            handled += 1


def f(n):
    g = worker()
    next(g)
    out = []
    for _ in range(n):
        out.append(g.throw(ValueError))
    out.append(next(g))
    return out
