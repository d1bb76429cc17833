# execbench: entry=f constructs=semantics
# execbench: input=[1, True, 1.0, 'one']
# execbench: input=[0, False, 0.0]
# execbench: input=[2, 3]
def f(keys):
    d = {}
    for i, k in enumerate(keys):
        d[k] = i
    return d, len(d)
