# execbench: entry=f constructs=oop,call_chains
# execbench: input='D'
# execbench: input='B'
# execbench: input='A'
class A:
    def who(self):
        return ['A']


class B(A):
    def who(self):
        return ['B'] + super().who()


class C(A):
    def who(self):
        return ['C'] + super().who()


class D(B, C):
    def who(self):
        return ['D'] + super().who()


def f(name):
    cls = {'A': A, 'B': B, 'C': C, 'D': D}[name]
    return cls().who(), [k.__name__ for k in cls.__mro__]
