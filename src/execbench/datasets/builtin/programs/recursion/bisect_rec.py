# execbench: entry=f constructs=recursion
# execbench: input=[1, 3, 5, 7], 5
# execbench: input=[1, 3, 5, 7], 4
# execbench: input=[2, 2, 2], 2
# execbench: input=[], 9
def f(xs, target, lo=0, hi=None):
    if hi is None:
        hi = len(xs)
    if lo >= hi:
        return -lo - 1
    mid = (lo + hi) // 2
    if xs[mid] == target:
        return mid
    if xs[mid] < target:
        return f(xs, target, mid + 1, hi)
    return f(xs, target, lo, mid)
