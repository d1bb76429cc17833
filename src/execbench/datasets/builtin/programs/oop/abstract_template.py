# execbench: entry=f constructs=oop,call_chains
# execbench: input=[1, 2, 3]
# execbench: input=[]
# execbench: input=[4]
class Reducer:
    start = 0

    def run(self, xs):
        acc = self.start
        for x in xs:
            acc = self.step(acc, x)
        return self.finish(acc)

    def finish(self, acc):
        return acc


class Summer(Reducer):
    def step(self, acc, x):
        return acc + x


class Product(Summer):
    start = 1

    def step(self, acc, x):
        return acc * x

    def finish(self, acc):
        return super().finish(acc) - self.start


def f(xs):
    return Summer().run(xs), Product().run(xs)
