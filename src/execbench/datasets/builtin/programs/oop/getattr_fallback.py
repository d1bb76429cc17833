# execbench: entry=f constructs=oop
# execbench: input=['a', 'size', 'b']
# execbench: input=['size']
# execbench: input=[]
class Lazy:
    size = 3

    def __init__(self):
        self.calls = 0

    def __getattr__(self, name):
        self.calls += 1
        return name * self.size


def f(names):
    obj = Lazy()
    values = [getattr(obj, n) for n in names]
    return values, obj.calls
