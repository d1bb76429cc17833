# execbench: entry=f constructs=numeric
# execbench: input=3, 4, 5
# execbench: input=-2, 3, 7
# execbench: input=10, 0, 3
def f(a, b, m):
    fast = pow(a, b, m)
    slow = (a ** b) % m
    signed = -a ** 2
    grouped = (-a) ** 2
    return fast, slow, abs(a) ** b, signed, grouped
