# execbench: entry=f constructs=comprehensions,semantics
# execbench: input='Hello World'
# execbench: input=''
# execbench: input='a1b2c3'
def f(s):
    caps = ''.join([c for c in s if c.isupper()])
    swapped = ''.join(c.lower() if c.isupper() else c.upper() for c in s)
    digits = [int(c) for c in s if c.isdigit()]
    return caps, swapped, digits
