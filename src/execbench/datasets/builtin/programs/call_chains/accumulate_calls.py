# execbench: entry=f constructs=call_chains,numeric
# execbench: input=[1, 2, 3]
# execbench: input=[]
# execbench: input=[10, -10, 5]
import itertools
import operator


def f(xs):
    sums = list(itertools.accumulate(xs))
    prods = list(itertools.accumulate(xs, operator.mul, initial=1))
    return sums, prods, max(sums, default=0)
