# execbench: entry=f constructs=semantics
# execbench: input='hello world'
# execbench: input='ABC abc'
# execbench: input='x'
def f(s):
    titled = s.title()
    at = s.find('o')
    last_char_at = s.index(s[-1])
    once = s.replace('l', 'L', 1)
    return titled, at, last_char_at, once, s.partition(' ')
