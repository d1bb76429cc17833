# execbench: entry=f constructs=exceptions
# execbench: input=[1, 0, 2]
# execbench: input=[]
# execbench: input=[5, 'a']
def f(xs):
    log = []
    for x in xs:
        try:
            log.append(10 // x)
        except ZeroDivisionError:
            log.append('zero')
            continue
        except TypeError:
            log.append('type')
            break
        else:
            log.append('else')
        finally:
            log.append('fin')
    return log
