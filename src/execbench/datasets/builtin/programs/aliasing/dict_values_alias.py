# execbench: entry=f constructs=aliasing,semantics
# execbench: input=['a', 'b']
# execbench: input=[]
# execbench: input=['k', 'k']
def f(keys):
    shared = []
    d = dict.fromkeys(keys, shared)
    for k in keys:
        d[k].append(k)
    e = {k: [] for k in keys}
    for k in keys:
        e[k].append(k)
    return d, e
