# execbench: entry=f constructs=comprehensions
# execbench: input=2, 3
# execbench: input=0, 5
# execbench: input=3, 1
def f(a, b):
    pairs = [(i, j) for i in range(a) for j in range(b) if i != j]
    grid = [[i * j for j in range(b)] for i in range(a)]
    diag = [grid[k][k] for k in range(min(a, b))]
    return pairs[:4], diag
