# execbench: entry=f constructs=recursion
# execbench: input=2, 2, []
# execbench: input=3, 3, [(1, 1)]
# execbench: input=3, 4, [(0, 1), (2, 2)]
# execbench: input=1, 5, [(0, 3)]
def f(rows, cols, blocked):
    memo = {}

    def walk(r, c):
        if r >= rows or c >= cols or (r, c) in blocked:
            return 0
        if (r, c) == (rows - 1, cols - 1):
            return 1
        if (r, c) not in memo:
            memo[(r, c)] = walk(r + 1, c) + walk(r, c + 1)
        return memo[(r, c)]

    return walk(0, 0), len(memo)
