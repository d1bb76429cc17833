# execbench: entry=f constructs=generators
# execbench: input=[1, 2, 3, 4, 5, 6]
# execbench: input=[]
# execbench: input=[9, 10]
def f(xs):
    trace = []

    def tap(tag, it):
        for x in it:
            trace.append(tag + str(x))
            yield x

    a = tap('a', xs)
    b = tap('b', (x for x in a if x % 2 == 0))
    first = next(b, None)
    return first, trace
