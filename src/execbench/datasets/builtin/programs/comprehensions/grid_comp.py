# execbench: entry=f constructs=comprehensions,aliasing
# execbench: input=2, 3
# execbench: input=1, 1
# execbench: input=3, 2
def f(r, c):
    good = [[0] * c for _ in range(r)]
    bad = [[0] * c] * r
    good[0][0] = 1
    bad[0][0] = 1
    return good, bad
