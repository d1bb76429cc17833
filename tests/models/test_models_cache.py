from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from execbench.models import GenParams, cache_key

INFO = {"backend": "openai", "model": "m", "base_url": "http://x/v1", "kind": "chat"}


def test_key_is_pinned() -> None:
    # A literal: if this changes, every user's cache silently stops hitting.
    key = cache_key("openai:m", INFO, "prompt", GenParams(), 0)
    assert key == PINNED
    assert len(key) == 64 and int(key, 16) >= 0


def test_key_is_the_same_in_another_process_with_another_hash_seed() -> None:
    code = (
        "from execbench.models import cache_key, GenParams\n"
        f"print(cache_key('openai:m', {INFO!r}, 'prompt', GenParams(), 0))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONHASHSEED": "123"},
        check=True,
    )
    assert out.stdout.strip() == PINNED


def test_every_ingredient_matters() -> None:
    base = cache_key("openai:m", INFO, "p", GenParams(), 0)
    assert cache_key("openai:n", INFO, "p", GenParams(), 0) != base
    assert cache_key("openai:m", {**INFO, "kind": "completions"}, "p", GenParams(), 0) != base
    assert cache_key("openai:m", INFO, "p ", GenParams(), 0) != base
    assert cache_key("openai:m", INFO, "p", GenParams(temperature=0.2), 0) != base
    assert cache_key("openai:m", INFO, "p", GenParams(stop=("x",)), 0) != base
    assert cache_key("openai:m", INFO, "p", GenParams(seed=1), 0) != base
    assert cache_key("openai:m", INFO, "p", GenParams(), 1) != base


def test_operational_options_and_key_order_do_not_matter() -> None:
    base = cache_key("openai:m", INFO, "p", GenParams(), 0)
    noisy = {
        "concurrency": 32,
        "timeout": 5,
        "max_retries": 0,
        "execbench_version": "9",
        **dict(reversed(INFO.items())),
    }
    assert cache_key("openai:m", noisy, "p", GenParams(), 0) == base
    assert cache_key("openai:m", INFO, "p", GenParams(temperature=0), 0) == base  # 0 and 0.0 agree


@given(st.text(), st.integers(min_value=0, max_value=10_000), st.floats(0, 2, allow_nan=False))
def test_key_is_a_pure_function(prompt: str, sample: int, temperature: float) -> None:
    params = GenParams(temperature=temperature, stop=("\n",))
    assert cache_key("x:y", INFO, prompt, params, sample) == cache_key(
        "x:y", dict(INFO), prompt, params, sample
    )


PINNED = "4a23cac43c33936869b0cff7bfecffe4269035a839ae3f9daac35add548758f6"  # v2: base_url is not identity


def test_the_url_spelling_is_not_identity_but_the_served_model_is() -> None:
    local = cache_key("openai:m", {**INFO, "base_url": "http://localhost:8000/v1"}, "p", GenParams(), 0)
    loop = cache_key("openai:m", {**INFO, "base_url": "http://127.0.0.1:8000/v1"}, "p", GenParams(), 0)
    assert local == loop
    other = cache_key("openai:m", {**INFO, "served": {"id": "m", "meta": {"size": 2}}}, "p", GenParams(), 0)
    assert other != local
