# execbench: entry=f constructs=aliasing
# execbench: input=[1, 2, 3, 4, 5]
# execbench: input=[1]
# execbench: input=[]
def f(xs):
    alias = xs
    xs[1:3] = ['a']
    xs[:0] = [0]
    copy = xs[:]
    copy[0] = 'c'
    return alias, copy
