# execbench: entry=f constructs=oop,aliasing
# execbench: input=3
# execbench: input=0
# execbench: input=5
class Tally:
    count = 0
    log = []

    def __init__(self):
        self.count += 1
        self.log.append(self.count)
        Tally.count += 2


def f(n):
    objs = [Tally() for _ in range(n)]
    return Tally.count, Tally.log, [o.count for o in objs]
