# execbench: entry=f constructs=exceptions,oop
# execbench: input=[1, 0, 4]
# execbench: input=[0]
# execbench: input=[2, 2]
class Ignore:
    def __init__(self, log):
        self.log = log

    def __enter__(self):
        self.log.append('enter')
        return self

    def __exit__(self, kind, value, tb):
        self.log.append('exit:' + (kind.__name__ if kind else 'none'))
        return kind is ZeroDivisionError


def f(xs):
    log = []
    for x in xs:
        with Ignore(log):
            log.append(8 // x)
    return log
