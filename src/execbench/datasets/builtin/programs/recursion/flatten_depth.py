# execbench: entry=f constructs=recursion
# execbench: input=[1, [2, [3, [4]]]], 1
# execbench: input=[1, [2, [3, [4]]]], 2
# execbench: input=[[], [[]], 5], 10
# execbench: input=[(1, 2), [3, (4, [5])]], 1
def f(items, depth):
    out = []
    for item in items:
        if isinstance(item, list) and depth > 0:
            out.extend(f(item, depth - 1))
        else:
            out.append(item)
    return out
