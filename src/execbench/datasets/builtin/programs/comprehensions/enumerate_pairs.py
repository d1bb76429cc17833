# execbench: entry=f constructs=comprehensions
# execbench: input=[5, 1, 4]
# execbench: input=[2, 2]
# execbench: input=[1]
def f(xs):
    pairs = [(i, j) for i, a in enumerate(xs) for j, b in enumerate(xs) if i < j and a > b]
    worst = max(pairs, key=lambda p: xs[p[0]] - xs[p[1]], default=None)
    inversions = len(pairs)
    return pairs, worst, inversions
