# execbench: entry=f constructs=semantics
# execbench: input=[3, 14, 159]
# execbench: input=[]
# execbench: input=[-1, 0]
def f(nums):
    a = '-'.join(str(n) for n in nums)
    b = '{:>4}|'.format(len(nums))
    c = f'{sum(nums):05d}'
    d = '%s/%d' % (a or 'empty', len(a))
    return a, b, c, d
