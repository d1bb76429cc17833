# execbench: entry=f constructs=closures
# execbench: input='abcab'
# execbench: input=''
# execbench: input='zzz'
def f(s):
    longest = 0
    best = ''

    def consider(word):
        nonlocal longest, best
        if len(word) > longest:
            longest = len(word)
            best = word

    start = 0
    for i in range(1, len(s) + 1):
        while s[i - 1] in s[start:i - 1]:
            start += 1
        consider(s[start:i])
    return best, longest
