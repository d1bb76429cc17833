# execbench: entry=f constructs=comprehensions
# execbench: input=[[1, 2], [], [3, 4, 5]]
# execbench: input=[]
# execbench: input=[[0], [0, 0]]
def f(rows):
    flat = [x for row in rows for x in row]
    lengths = {i: len(r) for i, r in enumerate(rows) if r}
    odd_sum = sum(x for x in flat if x % 2)
    return flat, lengths, odd_sum
