# execbench: entry=f constructs=numeric
# execbench: input=[1, 2]
# execbench: input=[-1, -2]
# execbench: input=[3, 3, 4]
# execbench: raises=[]
def f(xs):
    mean = sum(xs) / len(xs)
    floor_mean = sum(xs) // len(xs)
    spread = max(xs) - min(xs)
    return mean, floor_mean, int(mean), round(mean), spread
