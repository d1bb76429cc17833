# execbench: entry=f constructs=call_chains
# execbench: input=[('push', 3), ('push', 4), ('add', None), ('dup', None)]
# execbench: input=[]
# execbench: raises=[('add', None)]
def push(stack, v):
    return stack + [v]


def add(stack, _):
    *rest, a, b = stack
    return rest + [a + b]


def dup(stack, _):
    return stack + stack[-1:]


def f(ops):
    table = {'push': push, 'add': add, 'dup': dup}
    stack = []
    for name, arg in ops:
        stack = table[name](stack, arg)
    return stack
