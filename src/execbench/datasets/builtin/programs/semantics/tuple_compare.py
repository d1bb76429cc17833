# execbench: entry=f constructs=semantics
# execbench: input=(1, 2), (1, 2, 0)
# execbench: input=(2,), (1, 9)
# execbench: input=(), ()
def f(a, b):
    less = a < b
    prefix = a == b[:len(a)]
    biggest = max(a, b)
    joined = (a + b)[::-1]
    return less, prefix, biggest, joined
