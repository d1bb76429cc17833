# execbench: entry=f constructs=generators,semantics
# execbench: input=[1, 2, 3], 'ab'
# execbench: input=[], 'xyz'
# execbench: input=[7, 8], 'pqr'
def counted(xs, log):
    for x in xs:
        log.append(x)
        yield x


def f(xs, s):
    log = []
    pairs = list(zip(counted(xs, log), s))
    return pairs, log
