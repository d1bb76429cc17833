# execbench: entry=f constructs=call_chains
# execbench: input='  Hello, World  '
# execbench: input=''
# execbench: input='a-b c'
def clean(s):
    return s.strip().lower()


def tokens(s):
    return [t for t in s.replace(',', ' ').replace('-', ' ').split() if t]


def score(ts):
    return {t: len(t) * (i + 1) for i, t in enumerate(ts)}


def f(s):
    return score(tokens(clean(s)))
