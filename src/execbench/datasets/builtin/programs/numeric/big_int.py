# execbench: entry=f constructs=numeric
# execbench: input=20
# execbench: input=0
# execbench: input=3
def f(n):
    fact = 1
    for k in range(2, n + 1):
        fact *= k
    return fact, len(str(fact)), fact % 1000, float(fact) == fact
