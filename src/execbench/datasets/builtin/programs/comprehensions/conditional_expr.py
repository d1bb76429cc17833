# execbench: entry=f constructs=comprehensions
# execbench: input=range(-2, 4)
# execbench: input=[]
# execbench: input=[0, 0, 7]
def f(xs):
    xs = list(xs)
    picked = [x if x > 0 else -x * 10 for x in xs if x % 2 == 0 or x > 2]
    signs = ['+' if x > 0 else '-' if x < 0 else '0' for x in xs]
    return picked, ''.join(signs)
