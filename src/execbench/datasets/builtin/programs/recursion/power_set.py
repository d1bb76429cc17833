# execbench: entry=f constructs=recursion
# execbench: input=[]
# execbench: input=[1]
# execbench: input=[1, 2, 3]
# execbench: input='ab'
def f(items):
    if not items:
        return [[]]
    rest = f(items[1:])
    return rest + [[items[0]] + r for r in rest]
