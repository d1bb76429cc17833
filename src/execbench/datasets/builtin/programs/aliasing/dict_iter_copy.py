# execbench: entry=f constructs=aliasing,exceptions
# execbench: input={'a': 1, 'b': 2}
# execbench: input={}
# execbench: raises={'x': 0}
def f(d):
    for k in list(d):
        if d[k] % 2:
            d[k + k] = d.pop(k)
    for k in d:
        if d[k] == 0:
            d['zero'] = 0
    return d
