# execbench: entry=f constructs=generators,semantics
# execbench: input='abc'
# execbench: input=''
# execbench: input='zz'
def f(s):
    e = enumerate(s, start=1)
    head = next(e, None)
    rest = dict(e)
    return head, rest
