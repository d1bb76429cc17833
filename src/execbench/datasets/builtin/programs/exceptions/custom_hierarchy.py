# execbench: entry=f constructs=exceptions,oop
# execbench: input=['net', 'disk', 'ok']
# execbench: input=[]
# execbench: raises=['boom']
class AppError(Exception):
    code = 1


class NetError(AppError):
    code = 2


class DiskError(AppError):
    pass


def act(name):
    if name == 'net':
        raise NetError(name)
    if name == 'disk':
        raise DiskError(name)
    if name == 'boom':
        raise RuntimeError(name)
    return 0


def f(names):
    codes = []
    for n in names:
        try:
            codes.append(act(n))
        except AppError as e:
            codes.append(e.code)
    return codes
