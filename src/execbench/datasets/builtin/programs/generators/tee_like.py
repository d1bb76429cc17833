# execbench: entry=f constructs=generators,aliasing
# execbench: input=[1, 2, 3, 4]
# execbench: input=[]
# execbench: input=[7]
def f(xs):
    it = iter(xs)
    a, b = it, it
    firsts = [next(a, None), next(b, None)]
    paired = list(zip(it, it))
    return firsts, paired
