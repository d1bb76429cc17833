# execbench: entry=f constructs=numeric
# execbench: input=['0.10', '0.20']
# execbench: input=['1.005']
# execbench: raises=[]
# execbench: input=['2.50', '-0.125']
from decimal import ROUND_HALF_UP, Decimal


def f(prices):
    total = sum(Decimal(p) for p in prices)
    rounded = total.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)
    naive = round(sum(float(p) for p in prices), 2)
    return str(total), str(rounded), naive
