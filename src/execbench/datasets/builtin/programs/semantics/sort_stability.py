# execbench: entry=f constructs=semantics
# execbench: input=[('b', 2), ('a', 2), ('c', 1)]
# execbench: input=[]
# execbench: input=[('z', 0), ('y', 0), ('x', 0)]
def f(pairs):
    by_num = sorted(pairs, key=lambda p: p[1])
    by_num_rev = sorted(pairs, key=lambda p: p[1], reverse=True)
    reversed_sorted = list(reversed(by_num))
    names = [[p[0] for p in ps] for ps in (by_num, by_num_rev, reversed_sorted)]
    return names
