# execbench: entry=f constructs=call_chains,recursion
# execbench: input=[3, [4, [5]]]
# execbench: input=[]
# execbench: input=[[[]], 1]
def total(x):
    return sum(total(y) for y in x) if isinstance(x, list) else x


def count(x):
    return sum(count(y) for y in x) if isinstance(x, list) else 1


def f(tree):
    n = count(tree)
    return total(tree), n, total(tree) / n if n else None
