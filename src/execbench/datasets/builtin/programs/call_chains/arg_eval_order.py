# execbench: entry=f constructs=call_chains
# execbench: input=1
# execbench: input=0
# execbench: input=3
def f(n):
    log = []

    def v(x):
        log.append(x)
        return x

    def g(a, b, c=None, *, d=0):
        return a + b + (c or 0) + d

    r = g(v(n), v(n + 1), d=v(10), c=v(n * 2))
    return r, log
