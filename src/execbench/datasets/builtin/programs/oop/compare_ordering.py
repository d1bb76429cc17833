# execbench: entry=f constructs=oop,semantics
# execbench: input=[(3, 'c'), (1, 'z'), (3, 'a')]
# execbench: input=[(2, 'b'), (2, 'b')]
# execbench: input=[(5, 'q')]
class Item:
    def __init__(self, rank, tag):
        self.rank, self.tag = rank, tag

    def __lt__(self, other):
        return self.rank > other.rank


def f(pairs):
    items = [Item(r, t) for r, t in pairs]
    ordered = sorted(items)
    return [i.tag for i in ordered], max(items).tag
