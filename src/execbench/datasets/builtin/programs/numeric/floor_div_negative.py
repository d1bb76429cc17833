# execbench: entry=f constructs=numeric
# execbench: input=7, 2
# execbench: input=-7, 2
# execbench: input=7, -2
# execbench: raises=1, 0
def f(a, b):
    q, r = a // b, a % b
    truncated = int(a / b)
    ceiling = -(-a // b)
    return q, r, truncated, divmod(a, b), ceiling, q * b + r == a
