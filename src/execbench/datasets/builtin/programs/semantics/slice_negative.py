# execbench: entry=f constructs=semantics
# execbench: input='abcdef'
# execbench: input='ab'
# execbench: input=''
def f(s):
    tail, head = s[-3:], s[:-3]
    backwards = s[::-2]
    middle = s[1:-1:2]
    return tail, head, backwards, middle, s[10:], s[-100:2]
