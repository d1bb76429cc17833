# execbench: entry=f constructs=recursion
# execbench: input=None
# execbench: input=(1, None, None)
# execbench: input=(1, (2, (3, None, None), None), (4, None, None))
# execbench: input=(5, None, (6, None, (7, None, None)))
def f(tree):
    if tree is None:
        return 0, []
    value, left, right = tree
    dl, pl = f(left)
    dr, pr = f(right)
    if dl >= dr:
        return dl + 1, [value] + pl
    return dr + 1, [value] + pr
