# execbench: entry=f constructs=semantics
# execbench: input={'b': 1, 'a': 2}, {'a': 3, 'c': 4}
# execbench: input={}, {'z': 0}
# execbench: input={'x': 1}, {}
def f(d1, d2):
    merged = d1 | d2
    d1.update(d2)
    d1.pop(next(iter(d1)), None)
    d1['b'] = 9
    return list(merged), list(d1.items())
