# execbench: entry=f constructs=generators,closures
# execbench: input=[1, 2, 3]
# execbench: input=[4]
# execbench: input=[]
def f(xs):
    k = 10
    g = (x + k for x in xs)
    k = 100
    xs = [0]
    return list(g)
