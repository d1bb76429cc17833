# execbench: entry=f constructs=generators,exceptions
# execbench: input=2
# execbench: input=0
# execbench: input=5
def gen(log):
    try:
        for i in range(3):
            yield i
    finally:
        log.append('closed')


def f(k):
    log = []
    g = gen(log)
    taken = []
    for x in g:
        if x >= k:
            break
        taken.append(x)
    log.append('after loop')
    g.close()
    return taken, log
