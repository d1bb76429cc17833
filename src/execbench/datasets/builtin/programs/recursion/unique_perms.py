# execbench: entry=f constructs=recursion,semantics
# execbench: input='ab'
# execbench: input='aab'
# execbench: input='cba'
# execbench: input=''
def f(s):
    if len(s) <= 1:
        return [s]
    seen = []
    for i, ch in enumerate(s):
        for tail in f(s[:i] + s[i + 1:]):
            word = ch + tail
            if word not in seen:
                seen.append(word)
    return seen
