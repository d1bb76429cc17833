# execbench: entry=f constructs=call_chains,semantics
# execbench: input=0
# execbench: input=5
# execbench: input=-1
def f(x):
    log = []

    def t(v, tag):
        log.append(tag)
        return v

    r1 = t(x, 'a') and t(x > 0, 'b') or t('z', 'c')
    r2 = t(x < 0, 'd') or t(x, 'e')
    return r1, r2, log
