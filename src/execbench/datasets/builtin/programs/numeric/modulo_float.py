# execbench: entry=f constructs=numeric
# execbench: input=5.5, 2
# execbench: input=-5.5, 2
# execbench: input=7, 0.5
def f(a, b):
    r = a % b
    q = a // b
    back = q * b + r
    return r, q, divmod(a, b), back == a
