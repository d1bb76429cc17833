# execbench: entry=f constructs=oop,semantics
# execbench: input=[1, 2, 11, 3]
# execbench: input=[5, 15, 25]
# execbench: input=[]
class Mod10:
    def __init__(self, n):
        self.n = n

    def __eq__(self, other):
        return self.n % 10 == other.n % 10

    def __hash__(self):
        return self.n % 10


def f(nums):
    d = {}
    for n in nums:
        d[Mod10(n)] = n
    return sorted((k.n, v) for k, v in d.items())
