# execbench: entry=f constructs=call_chains,oop
# execbench: input=[1, 2, 3, 4]
# execbench: input=[]
# execbench: input=[5, 5]
class Q:
    def __init__(self, xs):
        self.xs = list(xs)

    def where(self, pred):
        return Q(x for x in self.xs if pred(x))

    def map(self, fn):
        self.xs = [fn(x) for x in self.xs]
        return self

    def first(self, default=None):
        return self.xs[0] if self.xs else default


def f(xs):
    q = Q(xs)
    a = q.where(lambda x: x > 1).map(lambda x: x * 10).first()
    b = q.map(lambda x: -x).where(lambda x: x < -2).first('none')
    return a, b, q.xs
