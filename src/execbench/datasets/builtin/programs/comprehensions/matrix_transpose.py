# execbench: entry=f constructs=comprehensions
# execbench: input=[[1, 2, 3], [4, 5, 6]]
# execbench: input=[[1], [2], [3]]
# execbench: input=[[1, 2], [3]]
def f(m):
    width = len(m[0])
    t = [[row[i] for row in m if i < len(row)] for i in range(width)]
    sums = [sum(col) for col in t]
    return t, sums
