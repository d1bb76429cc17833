# execbench: entry=f constructs=numeric
# execbench: input=12
# execbench: input=0
# execbench: input=-5
def f(n):
    low_cleared = n & (n - 1)
    lowest = n & -n
    halved = n >> 1
    flipped = ~n
    return low_cleared, lowest, halved, flipped, bin(n), n.bit_length()
