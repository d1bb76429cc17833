# execbench: entry=f constructs=closures
# execbench: input=['x', 'y']
# execbench: input=[]
# execbench: input=['q']
def f(names):
    table = {}
    for name in names:
        table[name] = lambda suffix='!': name + suffix
    return {k: v() for k, v in table.items()}, {k: v('?') for k, v in table.items()}
