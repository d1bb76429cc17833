# execbench: entry=f constructs=semantics
# execbench: input='  a,b,,c  '
# execbench: input=''
# execbench: input=',,'
def f(s):
    raw = s.split(',')
    stripped = s.strip().split(',')
    words = s.split()
    return raw, stripped, words, len(raw) == len(stripped)
