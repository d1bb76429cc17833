# execbench: entry=f constructs=oop,aliasing
# execbench: input=['x', 'y']
# execbench: input=[]
# execbench: input=['a', 'a', 'b']
class Base:
    registry = []

    @classmethod
    def make(cls, name):
        obj = cls()
        obj.name = name
        cls.registry.append(name)
        return obj


class Child(Base):
    pass


class Other(Base):
    registry = []


def f(names):
    for i, n in enumerate(names):
        (Child if i % 2 == 0 else Other).make(n)
    return Base.registry, Child.registry, Other.registry
