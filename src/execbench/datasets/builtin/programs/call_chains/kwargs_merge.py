# execbench: entry=f constructs=call_chains,semantics
# execbench: input={'a': 1}
# execbench: input={}
# execbench: input={'x': 5, 'b': 0}
# execbench: raises=[('a', 1)]
def inner(a=0, b=0, **rest):
    return a, b, sorted(rest)


def outer(*args, **kwargs):
    kwargs.setdefault('b', 2)
    return inner(*args, **kwargs)


def f(extra):
    return outer(**extra), outer(7, **{k: v for k, v in extra.items() if k != 'a'})
