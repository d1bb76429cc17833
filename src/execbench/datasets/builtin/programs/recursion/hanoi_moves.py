# execbench: entry=f constructs=recursion,call_chains
# execbench: input=1, 'A', 'C'
# execbench: input=2, 'A', 'C'
# execbench: input=3, 'L', 'R'
# execbench: input=0, 'A', 'B'
def hanoi(n, src, dst, via, moves):
    if n == 0:
        return
    hanoi(n - 1, src, via, dst, moves)
    moves.append(src + dst)
    hanoi(n - 1, via, dst, src, moves)


def f(n, src, dst):
    via = ({'A', 'B', 'C'} - {src, dst}).pop() if {src, dst} <= {'A', 'B', 'C'} else 'M'
    moves = []
    hanoi(n, src, dst, via, moves)
    return len(moves), moves[:3], moves[-1] if moves else None
