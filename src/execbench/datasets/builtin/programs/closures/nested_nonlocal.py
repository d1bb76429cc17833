# execbench: entry=f constructs=closures
# execbench: input=2
# execbench: input=0
# execbench: input=5
def f(n):
    x = 'outer'

    def middle():
        x = 'middle'

        def inner():
            nonlocal x
            x = x + '!'
            return x

        for _ in range(n):
            inner()
        return x

    return middle(), x
