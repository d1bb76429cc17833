# execbench: entry=f constructs=call_chains,recursion
# execbench: input='1+2*3'
# execbench: input='2*3+4*5'
# execbench: input='7'
# execbench: raises='1+'
def number(s, i):
    j = i
    while j < len(s) and s[j].isdigit():
        j += 1
    return int(s[i:j]), j


def term(s, i):
    value, i = number(s, i)
    while i < len(s) and s[i] == '*':
        rhs, i = number(s, i + 1)
        value *= rhs
    return value, i


def f(s):
    value, i = term(s, 0)
    while i < len(s) and s[i] == '+':
        rhs, i = term(s, i + 1)
        value += rhs
    return value
