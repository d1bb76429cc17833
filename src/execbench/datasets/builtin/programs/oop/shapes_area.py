# execbench: entry=f constructs=oop
# execbench: input=[('sq', 2), ('rect', 2, 3)]
# execbench: input=[('sq', 1), ('sq', 1)]
# execbench: input=[]
# execbench: raises=[('tri', 1)]
class Rect:
    sides = 4

    def __init__(self, w, h):
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h

    def __repr__(self):
        return f'{type(self).__name__}({self.w}x{self.h})'


class Square(Rect):
    def __init__(self, s):
        super().__init__(s, s)


def f(specs):
    kinds = {'sq': Square, 'rect': Rect}
    shapes = [kinds[kind](*args) for kind, *args in specs]
    return [repr(s) for s in shapes], sum(s.area() for s in shapes), Square.sides
