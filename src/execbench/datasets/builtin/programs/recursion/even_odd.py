# execbench: entry=f constructs=recursion,call_chains
# execbench: input=0
# execbench: input=7
# execbench: input=10
# execbench: input=-3
def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


def f(n):
    n = abs(n)
    return [k for k in range(n + 1) if is_odd(k)][-2:]
