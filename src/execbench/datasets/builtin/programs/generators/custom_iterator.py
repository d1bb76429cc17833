# execbench: entry=f constructs=generators,oop
# execbench: input=1, 10, 3
# execbench: input=5, 5, 1
# execbench: input=10, 0, -4
class Step:
    def __init__(self, start, stop, step):
        self.cur, self.stop, self.step = start, stop, step

    def __iter__(self):
        return self

    def __next__(self):
        if (self.step > 0 and self.cur >= self.stop) or (self.step < 0 and self.cur <= self.stop):
            raise StopIteration
        value = self.cur
        self.cur += self.step
        return value


def f(start, stop, step):
    it = Step(start, stop, step)
    first = list(it)
    second = list(it)
    return first, second
