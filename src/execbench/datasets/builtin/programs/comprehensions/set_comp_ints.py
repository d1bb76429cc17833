# execbench: entry=f constructs=comprehensions,semantics
# execbench: input=[3, -3, 2, 9, 2]
# execbench: input=[]
# execbench: input=[10, 5, 0]
def f(xs):
    squares = {x * x for x in xs}
    residues = {x % 4 for x in xs}
    common = squares & residues
    return sorted(squares), len(squares), residues, common
