# execbench: entry=f constructs=closures,call_chains
# execbench: input=[1, 2], 10
# execbench: input=[], 3
# execbench: input=[5], -5
def make_adder(n):
    def add(x):
        return x + n
    return add


def compose(*fs):
    def run(x):
        for g in reversed(fs):
            x = g(x)
        return x
    return run


def f(ns, x):
    adders = [make_adder(n) for n in ns]
    double = lambda v: v * 2
    return compose(double, *adders)(x), compose(*adders, double)(x)
