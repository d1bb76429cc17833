# execbench: entry=f constructs=oop,generators
# execbench: input=3
# execbench: input=0
# execbench: input=6
class Countdown:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __iter__(self):
        k = self.n
        while k > 0:
            yield k
            k -= 2


def f(n):
    c = Countdown(n)
    return len(c), list(c), bool(c), sum(c)
