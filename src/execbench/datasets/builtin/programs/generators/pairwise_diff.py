# execbench: entry=f constructs=generators,numeric
# execbench: input=[1, 4, 9, 16]
# execbench: input=[5]
# execbench: input=[3, 1, 2]
def pairs(it):
    it = iter(it)
    prev = next(it, None)
    for cur in it:
        yield prev, cur
        prev = cur


def f(xs):
    return [b - a for a, b in pairs(xs)], list(pairs([]))
