# execbench: entry=f constructs=aliasing,exceptions
# execbench: input=[1]
# execbench: input=[]
# execbench: input=[4, 5]
def f(xs):
    t = (xs, 'tag')
    try:
        t[0] += [99]
    except TypeError:
        status = 'TypeError'
    else:
        status = 'ok'
    return t, status
