# execbench: entry=f constructs=closures
# execbench: input=3
# execbench: input=1
# execbench: input=0
def f(n):
    late = [lambda: i * 10 for i in range(n)]
    bound = [lambda i=i: i * 10 for i in range(n)]
    late_values = [g() for g in late]
    bound_values = [g() for g in bound]
    return late_values, bound_values
