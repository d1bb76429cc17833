# execbench: entry=f constructs=comprehensions
# execbench: input=[1, 5, 10, 20]
# execbench: input=[]
# execbench: input=[3, 3]
def f(xs):
    total = 0
    kept = [y for x in xs if (y := x * 3) > 10]
    running = [total := total + x for x in xs]
    return kept, running, total
