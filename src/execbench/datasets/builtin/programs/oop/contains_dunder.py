# execbench: entry=f constructs=oop
# execbench: input=(1, 10), [0, 1, 10, 5]
# execbench: input=(3, 3), [3]
# execbench: input=(-2, 2), [-2, 2, 0]
class Span:
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def __contains__(self, x):
        return self.lo <= x < self.hi

    def __len__(self):
        return max(0, self.hi - self.lo)

    def __getitem__(self, i):
        if i >= len(self):
            raise IndexError(i)
        return self.lo + i * 2


def f(bounds, probes):
    s = Span(*bounds)
    return [p in s for p in probes], list(s)[:4]
