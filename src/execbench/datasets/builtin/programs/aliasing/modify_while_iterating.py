# execbench: entry=f constructs=aliasing
# execbench: input=[1, 2, 2, 3, 2]
# execbench: input=[2, 2, 2, 2]
# execbench: input=[]
def f(xs):
    for x in xs:
        if x == 2:
            xs.remove(x)
    return xs
