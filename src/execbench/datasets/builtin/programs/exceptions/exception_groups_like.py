# execbench: entry=f constructs=exceptions
# execbench: raises=['1', 'x', '3', '']
# execbench: input=['1', 'x', '3', '4']
# execbench: input=[]
# execbench: input=['7']
def f(items):
    errors = []
    values = []
    for i, item in enumerate(items):
        try:
            values.append(int(item))
        except ValueError:
            errors.append(i)
    if errors and len(errors) * 2 >= len(items):
        raise ValueError(errors)
    return values, errors
