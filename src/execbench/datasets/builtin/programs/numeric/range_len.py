# execbench: entry=f constructs=numeric
# execbench: input=0, 10, 3
# execbench: input=10, 0, -3
# execbench: input=5, 5, 1
# execbench: raises=0, 1, 0
def f(start, stop, step):
    r = range(start, stop, step)
    last = list(r)[-1:]
    every_other = r[::2]
    return len(r), last, 9 in r, every_other[-1] if every_other else None
