# execbench: entry=f constructs=numeric
# execbench: input=10, 4
# execbench: input=9, 3
# execbench: input=-9, 4
def f(a, b):
    true_div = a / b
    floor_div = a // b
    inverse = a ** -1 if a else None
    return true_div, floor_div, float(floor_div), inverse, 2 ** b, 2 ** -b
