# execbench: entry=f constructs=aliasing,oop
# execbench: input=2
# execbench: input=0
# execbench: input=3
class Box:
    def __init__(self, items=None):
        self.items = items if items is not None else []


def f(n):
    shared = []
    boxes = [Box(shared) for _ in range(n)]
    own = [Box() for _ in range(n)]
    for i, b in enumerate(boxes + own):
        b.items.append(i)
    return [b.items for b in boxes], [b.items for b in own]
