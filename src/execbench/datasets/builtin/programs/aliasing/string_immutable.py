# execbench: entry=f constructs=aliasing,semantics
# execbench: input='abc'
# execbench: input=''
# execbench: input='zz'
def f(s):
    t = s
    t += '!'
    chars = list(s)
    same = chars
    same += '?'
    return s, t, chars
