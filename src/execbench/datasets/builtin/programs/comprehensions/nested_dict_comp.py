# execbench: entry=f constructs=comprehensions
# execbench: input=[('a', 1), ('b', 2), ('a', 3)]
# execbench: input=[]
# execbench: input=[('x', 0)]
def f(pairs):
    keys = sorted({k for k, _ in pairs})
    grouped = {k: [v for kk, v in pairs if kk == k] for k in keys}
    totals = {k: sum(vs) for k, vs in grouped.items() if vs}
    return grouped, totals
