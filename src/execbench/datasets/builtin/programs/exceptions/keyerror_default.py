# execbench: entry=f constructs=exceptions,semantics
# execbench: input={'a': 1}, ['a', 'b', 'a']
# execbench: input={}, ['x']
# execbench: input={'k': None}, ['k']
def f(d, keys):
    out = []
    for k in keys:
        try:
            v = d[k]
        except KeyError as e:
            v = e.args[0] * 2
        out.append(v if v is not None else 'none')
        d[k] = 0
    return out, d
