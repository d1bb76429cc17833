# execbench: entry=f constructs=comprehensions,generators
# execbench: input=[1, 2, 3, 4]
# execbench: input=[]
# execbench: input=[5, 6]
def f(xs):
    calls = []

    def check(x):
        calls.append(x)
        return x > 1

    a = any(check(x) for x in xs)
    b = any([check(x) for x in xs])
    return a, b, calls
