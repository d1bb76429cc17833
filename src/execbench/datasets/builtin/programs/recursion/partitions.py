# execbench: entry=f constructs=recursion
# execbench: input=1
# execbench: input=4
# execbench: input=6
# execbench: input=0
def count(n, largest):
    if n == 0:
        return 1
    if n < 0 or largest == 0:
        return 0
    return count(n - largest, largest) + count(n, largest - 1)


def f(n):
    return [count(k, k) for k in range(n + 1)]
