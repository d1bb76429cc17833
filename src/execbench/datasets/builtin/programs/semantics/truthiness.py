# execbench: entry=f constructs=semantics
# execbench: input=[0, '', [], 'a', 0.0, None, [0], -1]
# execbench: input=[]
# execbench: input=[(), {}, ' ']
def f(values):
    truthy = [v for v in values if v]
    first = next((v for v in values if not v), 'none')
    last = values and values[-1]
    return truthy, first, last, [] or 'fallback'
