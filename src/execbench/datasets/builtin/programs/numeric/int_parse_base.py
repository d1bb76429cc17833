# execbench: entry=f constructs=numeric,semantics
# execbench: input='101'
# execbench: input='0x1f'
# execbench: input=' 42 '
# execbench: raises='4.0'
def f(s):
    if s.startswith('0x'):
        return int(s, 16), int(s, 0)
    digits = set(s.strip())
    base = 2 if digits <= {'0', '1'} else 8
    return int(s), int(s, base)
