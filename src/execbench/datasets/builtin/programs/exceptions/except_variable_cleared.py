# execbench: entry=f constructs=exceptions,closures
# execbench: input=[1, 2]
# execbench: input=[]
# execbench: input='ab'
def f(xs):
    e = 'initial'
    try:
        xs[5]
    except IndexError as e:
        kind = type(e).__name__
    try:
        return kind, e
    except NameError:
        return kind, 'unbound'
