# execbench: entry=f constructs=oop
# execbench: input=[5, 150, -3]
# execbench: input=[]
# execbench: input=[99, 100, 101]
# execbench: raises=['7']
class Gauge:
    def __init__(self):
        self._v = 0
        self.writes = 0

    @property
    def value(self):
        return self._v

    @value.setter
    def value(self, v):
        self.writes += 1
        self._v = max(0, min(100, v))


def f(values):
    g = Gauge()
    seen = []
    for v in values:
        g.value = v
        g.value += 1
        seen.append(g.value)
    return seen, g.writes
