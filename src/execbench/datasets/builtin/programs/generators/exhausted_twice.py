# execbench: entry=f constructs=generators
# execbench: input=[1, 2, 3]
# execbench: input=[]
# execbench: input=[0, -1]
def f(xs):
    squares = (x * x for x in xs)
    total = sum(squares)
    again = list(squares)
    return total, again, max(xs, default=None)
