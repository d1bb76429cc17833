# execbench: entry=f constructs=recursion,numeric
# execbench: input=12, 18
# execbench: input=-12, 18
# execbench: input=12, -18
# execbench: input=0, 0
def g(a, b):
    return a if b == 0 else g(b, a % b)


def f(a, b):
    return g(a, b), [a % 5, b % 5]
