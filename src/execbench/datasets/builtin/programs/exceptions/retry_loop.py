# execbench: entry=f constructs=exceptions,closures
# execbench: input=2, 3
# execbench: input=5, 3
# execbench: input=0, 1
def f(failures, attempts):
    state = {'left': failures}

    def flaky():
        if state['left'] > 0:
            state['left'] -= 1
            raise ConnectionError('try again')
        return 'ok'

    log = []
    for attempt in range(1, attempts + 1):
        try:
            return flaky(), attempt, log
        except ConnectionError:
            log.append(attempt)
    return 'gave up', attempts, log
