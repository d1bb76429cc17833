# execbench: entry=f constructs=recursion,numeric
# execbench: input=0, 0
# execbench: input=1, 2
# execbench: input=2, 3
# execbench: input=3, 1
def f(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return f(m - 1, 1)
    return f(m - 1, f(m, n - 1))
