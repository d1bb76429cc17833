# execbench: entry=f constructs=comprehensions,semantics
# execbench: input=['bb', 'a', 'ccc', 'dd']
# execbench: input=[]
# execbench: input=['B', 'a', 'C']
def f(words):
    by_len = sorted(words, key=lambda w: (-len(w), w))
    plain = sorted(words)
    sizes = {len(w) for w in words}
    return by_len, plain, sizes
