# execbench: entry=f constructs=comprehensions
# execbench: input='abc', [1, 2, 3, 4]
# execbench: input='', [1]
# execbench: input='aba', [1, 2, 3]
def f(keys, values):
    d = {k: v for k, v in zip(keys, values)}
    inverse = {v: k for k, v in d.items()}
    unused = values[len(d):]
    return d, inverse, unused
