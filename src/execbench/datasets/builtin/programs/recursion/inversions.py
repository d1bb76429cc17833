# execbench: entry=f constructs=recursion
# execbench: input=[3, 1, 2]
# execbench: input=[1, 2, 3, 4]
# execbench: input=[4, 3, 2, 1]
# execbench: input=[2, 2, 1]
def f(xs):
    if len(xs) < 2:
        return list(xs), 0
    mid = len(xs) // 2
    left, a = f(xs[:mid])
    right, b = f(xs[mid:])
    merged, count, i, j = [], a + b, 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            count += len(left) - i
            j += 1
    return merged + left[i:] + right[j:], count
