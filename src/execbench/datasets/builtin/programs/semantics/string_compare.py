# execbench: entry=f constructs=semantics
# execbench: input=['apple', 'Banana', 'cherry', '10', '9']
# execbench: input=[]
# execbench: input=['a', 'A', '_']
def f(words):
    plain = sorted(words)
    largest = max(words, default='')
    folded = sorted(words, key=str.lower)
    return plain, largest, folded
