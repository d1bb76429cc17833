# execbench: entry=f constructs=semantics,numeric
# execbench: input=1, 2, 3
# execbench: input=3, 2, 1
# execbench: input=1, 3, 2
# execbench: input=2, 2, 2
def f(a, b, c):
    chained = a < b < c
    mixed = a < b > c
    equal = a == b == c
    grouped = (a < b) < c
    negated = not a > b == c
    return chained, mixed, equal, grouped, negated
