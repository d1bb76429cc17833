# execbench: entry=f constructs=call_chains
# execbench: input=[1, 2, 3, 4]
# execbench: input=[1, 2]
# execbench: raises=[1]
def split(first, second, *rest):
    return first, second, rest


def join(a, b, rest):
    return [b, a, *rest, len(rest)]


def f(xs):
    return join(*split(*xs))
