# execbench: entry=f constructs=recursion,numeric
# execbench: input=0
# execbench: input=9875
# execbench: input=-38
# execbench: input=10**12 + 1
def f(n, steps=0):
    if -10 < n < 10:
        return n, steps
    s = sum(int(d) for d in str(abs(n)))
    return f(s if n > 0 else -s, steps + 1)
