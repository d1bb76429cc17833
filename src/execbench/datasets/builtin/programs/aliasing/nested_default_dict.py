# execbench: entry=f constructs=aliasing
# execbench: input=[('a', 1), ('b', 2), ('a', 3)]
# execbench: input=[]
# execbench: input=[('z', 0)]
def f(pairs):
    template = {'vals': []}
    groups = {}
    for k, v in pairs:
        if k not in groups:
            groups[k] = dict(template)
        groups[k]['vals'].append(v)
    return groups, template
