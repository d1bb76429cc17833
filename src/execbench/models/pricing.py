"""Cost accounting: USD per million tokens by model-name prefix.

Prices change and differ by provider, so the table is small, dated, overridable per
backend (``prices=``), and matched by the longest prefix of the model name with any
provider path (``openai/``, ``meta-llama/``) removed. Unknown models cost 0 and the
backend's ``info()`` says the price is unknown rather than pretending it is free.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DEFAULT_PRICES", "PRICES_AS_OF", "Price", "lookup_price", "cost_usd"]

#: (input, output) USD per 1M tokens.
Price = tuple[float, float]

PRICES_AS_OF = "2025-06"

DEFAULT_PRICES: Mapping[str, Price] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4-turbo": (10.00, 30.00),
    "gpt-4": (30.00, 60.00),
    "gpt-3.5-turbo": (0.50, 1.50),
    "o1-mini": (1.10, 4.40),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
    "o1": (15.00, 60.00),
    "o3": (2.00, 8.00),
}


def lookup_price(model: str, prices: Mapping[str, Price] | None = None) -> Price | None:
    """The price of ``model`` by longest matching prefix, or None when unknown."""
    table = DEFAULT_PRICES if prices is None else prices
    name = model.rsplit("/", 1)[-1].lower()
    best: str | None = None
    for prefix in table:
        if name.startswith(prefix.lower()) and (best is None or len(prefix) > len(best)):
            best = prefix
    return None if best is None else table[best]


def cost_usd(price: Price | None, prompt_tokens: int, completion_tokens: int) -> float:
    if price is None:
        return 0.0
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000
