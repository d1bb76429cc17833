# execbench: entry=f constructs=exceptions
# execbench: input=3
# execbench: input=0
# execbench: input=1
def f(n):
    out = []
    for i in range(n):
        try:
            out.append(i)
            if i == 1:
                return out
        finally:
            out.append(-i)
    return out
