# execbench: entry=f constructs=semantics
# execbench: input=['a', 'b', 'c'], 'a'
# execbench: input=['x'], 'y'
# execbench: input=['p', 'q'], 'q'
def f(keys, move):
    d = {k: i for i, k in enumerate(keys)}
    if move in d:
        d[move] = d.pop(move) * 10
    else:
        d[move] = -1
    return list(d.items())
