# execbench: entry=f constructs=closures,aliasing
# execbench: input=2
# execbench: input=0
# execbench: input=4
def f(n):
    rate = 3

    def scale(x, r=rate):
        return x * r

    def scale_late(x):
        return x * rate

    rate = n
    return scale(5), scale_late(5)
