# execbench: entry=f constructs=closures
# execbench: input=[1, 2, 3]
# execbench: input=[]
# execbench: input=[-5, 5]
def make():
    total = 0
    calls = 0

    def add(x):
        nonlocal total, calls
        calls += 1
        total += x
        return total

    def stats():
        return total, calls

    return add, stats


def f(xs):
    add, stats = make()
    add2, _ = make()
    results = [add(x) for x in xs]
    add2(100)
    return results, stats()
