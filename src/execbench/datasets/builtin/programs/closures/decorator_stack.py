# execbench: entry=f constructs=closures,call_chains
# execbench: input=3
# execbench: input=0
# execbench: input=-2
def tag(label):
    def deco(fn):
        def inner(x):
            return label + '(' + fn(x) + ')'
        return inner
    return deco


@tag('a')
@tag('b')
def show(x):
    return str(x)


def f(x):
    return show(x), show.__name__
