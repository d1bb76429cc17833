# execbench: entry=f constructs=semantics,aliasing
# execbench: input=['a', 'b', 'a', 'c', 'a']
# execbench: input=[]
# execbench: input=['z']
def f(words):
    groups = {}
    counts = {}
    for i, w in enumerate(words):
        groups.setdefault(w, []).append(i)
        counts[w] = counts.get(w, 0) + 1
    first = groups.get('a', [None])[0]
    return groups, counts, first
