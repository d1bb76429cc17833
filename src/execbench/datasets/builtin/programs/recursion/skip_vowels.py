# execbench: entry=f constructs=recursion,semantics
# execbench: input='hello'
# execbench: input='Aeon'
# execbench: input='xyz'
# execbench: input=''
def f(s):
    if not s:
        return ''
    head, tail = s[0], s[1:]
    if head.lower() in 'aeiou':
        return f(tail)
    return f(tail) + head
