# execbench: entry=f constructs=semantics
# execbench: input='aaaa', 'aa'
# execbench: input='banana', 'an'
# execbench: raises='abc', ''
# execbench: input='mississippi', 'ss'
def f(s, sub):
    count = s.count(sub)
    first, last = s.find(sub), s.rfind(sub)
    parts = s.split(sub)
    return count, first, last, parts, len(parts) - 1 == count
