# execbench: entry=f constructs=closures,oop
# execbench: input=3
# execbench: input=1
# execbench: input=0
def f(n):
    class K:
        base = 10
        direct = [i * 2 for i in range(base - 8 + n)]
        try:
            nested = [base + i for i in range(n)]
        except NameError:
            nested = 'NameError'
    return K.direct, K.nested
