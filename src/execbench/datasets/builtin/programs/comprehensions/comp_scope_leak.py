# execbench: entry=f constructs=comprehensions,closures
# execbench: input=3
# execbench: input=0
# execbench: input=1
def f(n):
    x = 'before'
    ys = [x for x in range(n)]
    fs = [lambda: x for x in range(n)]
    return x, ys, [g() for g in fs]
