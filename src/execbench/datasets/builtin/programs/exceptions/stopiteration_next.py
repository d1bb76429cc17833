# execbench: entry=f constructs=exceptions,generators
# execbench: input=[1, 2]
# execbench: input=[]
# execbench: input=[0]
def f(xs):
    it = iter(xs)
    got = []
    while True:
        try:
            got.append(next(it))
        except StopIteration:
            got.append('done')
            break
    return got, next(it, 'default')
