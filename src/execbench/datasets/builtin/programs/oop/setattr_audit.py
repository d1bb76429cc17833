# execbench: entry=f constructs=oop
# execbench: input={'a': 1, 'b': 2}
# execbench: input={}
# execbench: input={'a': 5}
class Audited:
    def __init__(self):
        self.history = []

    def __setattr__(self, name, value):
        if name != 'history':
            self.history.append(name)
        super().__setattr__(name, value)


def f(updates):
    obj = Audited()
    for key, value in updates.items():
        setattr(obj, key, value)
        setattr(obj, key, value * 2)
    obj.extra = len(obj.history)
    return obj.history, vars(obj).get('a')
