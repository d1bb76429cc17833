# execbench: entry=f constructs=aliasing
# execbench: input=[[1, 2], [3]]
# execbench: input=[[]]
# execbench: input=[[0], [0]]
import copy


def f(m):
    shallow = list(m)
    deep = copy.deepcopy(m)
    m[0].append('x')
    m.append(['new'])
    return shallow, deep, len(m)
