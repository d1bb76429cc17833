# execbench: entry=f constructs=numeric
# execbench: input=[0.5, 1.5, 2.5, -0.5]
# execbench: input=[2.675, 1.005]
# execbench: input=[]
def f(xs):
    rounded = [round(x) for x in xs]
    cents = [round(x, 2) for x in xs]
    truncated = [int(x) for x in xs]
    return rounded, cents, truncated
