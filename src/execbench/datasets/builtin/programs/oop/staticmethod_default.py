# execbench: entry=f constructs=oop
# execbench: input=10
# execbench: input=-4
# execbench: input=0
class Temp:
    scale = 'C'

    def __init__(self, deg):
        self.deg = deg

    @staticmethod
    def to_f(c):
        return c * 9 // 5 + 32

    def show(self):
        return f'{self.to_f(self.deg)}F' if self.scale == 'F' else f'{self.deg}C'


def f(deg):
    t = Temp(deg)
    a = t.show()
    t.scale = 'F'
    b = t.show()
    c = Temp(deg).show()
    return a, b, c
