# execbench: entry=f constructs=exceptions
# execbench: input=[3, 1, 2]
# execbench: input=[1, 2, 3]
# execbench: input=[]
def f(xs):
    status = []
    try:
        assert xs == sorted(xs), 'unsorted'
    except AssertionError as e:
        status.append(str(e))
    else:
        status.append('sorted')
    finally:
        status.append(len(xs))
    return status
