# execbench: entry=f constructs=aliasing
# execbench: input=3
# execbench: input=1
# execbench: input=0
def append_to(x, bucket=[]):
    bucket.append(x)
    return bucket


def f(n):
    results = [append_to(i) for i in range(n)]
    fresh = append_to('x', [])
    return results, fresh, len(append_to.__defaults__[0])
