# execbench: entry=f constructs=aliasing
# execbench: input=3
# execbench: input=1
# execbench: input=2
def f(n):
    rows = [[]] * n
    rows[0].append(1)
    rows[-1] += [2]
    rows[0] = rows[0] + [3]
    return rows
