# execbench: entry=f constructs=numeric
# execbench: input=6
# execbench: input=1
# execbench: input=27
def f(n):
    steps = 0
    x = n
    while x != 1:
        x = x / 2 if x % 2 == 0 else 3 * x + 1
        steps += 1
    return steps, x, type(x).__name__
