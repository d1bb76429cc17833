# execbench: entry=f constructs=closures,aliasing
# execbench: input=3
# execbench: input=0
# execbench: input=2
def f(n):
    getters = []
    setters = []
    for _ in range(n):
        value = []

        def get():
            return len(value)

        def put(x):
            value.append(x)

        getters.append(get)
        setters.append(put)
    for s in setters:
        s(1)
    return [g() for g in getters]
