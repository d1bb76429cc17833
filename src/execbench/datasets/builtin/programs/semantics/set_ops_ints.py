# execbench: entry=f constructs=semantics
# execbench: input=[1, 2, 3, 4], [3, 4, 5]
# execbench: input=[], [1]
# execbench: input=[7, 7, 8], [8, 7]
def f(a, b):
    x, y = set(a), set(b)
    both = x & y
    only_x = x - y
    either_not_both = x ^ y
    return both, only_x, either_not_both, x <= y, sorted(x | y, reverse=True)
