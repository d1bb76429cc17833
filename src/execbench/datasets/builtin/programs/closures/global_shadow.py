# execbench: entry=f constructs=closures
# execbench: input=1
# execbench: input=5
# execbench: input=0
counter = 0


def bump(k):
    global counter
    counter += k
    return counter


def local_only(k):
    counter = k * 2
    return counter


def f(k):
    a = bump(k)
    b = local_only(k)
    c = bump(1)
    return a, b, c, counter
