# execbench: entry=f constructs=call_chains,exceptions
# execbench: input={'qty': 2, 'price': 5}
# execbench: input={'qty': 0, 'price': 5}
# execbench: input={'price': 1}
def check(order):
    if order.get('qty', 1) <= 0:
        raise ValueError('qty')
    return order


def total(order):
    return order.get('qty', 1) * order['price']


def apply_discount(amount):
    return amount - amount // 10


def f(order):
    try:
        return apply_discount(total(check(order)))
    except ValueError as e:
        return 'invalid ' + str(e)
