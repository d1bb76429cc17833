# execbench: entry=f constructs=exceptions
# execbench: input={'a': 1}, 'a'
# execbench: input={'a': 1}, 'b'
# execbench: input={'a': 0}, 'a'
# execbench: raises={'a': None}, 'a'
def f(d, key):
    try:
        try:
            return 10 / d[key]
        except KeyError:
            return 'missing'
        finally:
            d['seen'] = True
    except ZeroDivisionError:
        return 'zero', sorted(d)
