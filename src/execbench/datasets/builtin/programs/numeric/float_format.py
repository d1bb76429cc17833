# execbench: entry=f constructs=numeric,semantics
# execbench: input=1/3
# execbench: input=2.5
# execbench: input=1e-7
def f(x):
    fixed = f'{x:.2f}'
    general = f'{x:g}'
    tripled = str(x * 3)
    whole = f'{x:.0f}'
    return fixed, general, tripled, whole, repr(x * 100)
