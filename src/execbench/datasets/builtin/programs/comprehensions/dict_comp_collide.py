# execbench: entry=f constructs=comprehensions,semantics
# execbench: input=['apple', 'avocado', 'banana']
# execbench: input=[]
# execbench: input=['kiwi', 'Kale', 'kumquat']
def f(words):
    by_initial = {w[0]: w for w in words}
    long_lengths = {w[0].lower(): len(w) for w in words if len(w) > 4}
    for key in list(by_initial):
        by_initial[key] = by_initial[key].upper()
    return by_initial, long_lengths
