from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest

from execbench.errors import UserError
from execbench.models import Generation, GenParams, GenRequest, get_backend

USER_MODULE = """
from execbench.models import Generation, GenRequest

calls = []

def upper(prompts: list[str]) -> list[str]:
    calls.append(len(prompts))
    return [p.upper() for p in prompts]

async def async_upper(prompts):
    return [p.upper() for p in prompts]

def with_requests(requests: "list[GenRequest]"):
    return [Generation(f"{r.task_id}#{r.sample}", prompt_tokens=1) for r in requests]

def flagged(batch):
    return [f"{r.sample}" for r in batch]
flagged.execbench_requests = True

def boom(prompts):
    raise RuntimeError("model crashed")

def too_few(prompts):
    return prompts[:-1]

def not_text(prompts):
    return [1 for _ in prompts]

not_callable = 3
"""


@pytest.fixture
def module(tmp_path: Path) -> Path:
    path = tmp_path / "user_model.py"
    path.write_text(textwrap.dedent(USER_MODULE))
    return path


def generate_all(spec: str, n: int = 5, **options: object) -> list[Generation]:
    backend = get_backend(spec, **options)

    async def go() -> list[Generation]:
        requests = [GenRequest(f"t{i}", f"p{i}", i % 2, GenParams()) for i in range(n)]
        return list(await asyncio.gather(*(backend.generate(r) for r in requests)))

    return asyncio.run(go())


def test_prompt_function_is_called_once_per_batch(module: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(module.parent))
    gens = generate_all("python:user_model:upper")
    assert [g.text for g in gens] == ["P0", "P1", "P2", "P3", "P4"]
    import user_model  # type: ignore[import-not-found]

    assert user_model.calls == [5]
    generate_all("python:user_model:upper", n=5, batch_size=2)
    # The three batches run concurrently in worker threads, so the order they reach the
    # function in is the scheduler's (3.13 often runs the 1-prompt batch before the second).
    assert user_model.calls[0] == 5 and sorted(user_model.calls[1:]) == [1, 2, 2]


def test_async_function_and_file_path(module: Path) -> None:
    assert [g.text for g in generate_all(f"python:{module}:async_upper", n=2)] == ["P0", "P1"]


def test_request_functions(module: Path) -> None:
    gens = generate_all(f"python:{module}:with_requests", n=3)
    assert [(g.text, g.prompt_tokens) for g in gens] == [("t0#0", 1), ("t1#1", 1), ("t2#0", 1)]
    assert [g.text for g in generate_all(f"python:{module}:flagged", n=2)] == ["0", "1"]
    assert get_backend(f"python:{module}:flagged").info()["kind"] == "requests"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("boom", "RuntimeError: model crashed"),
        ("too_few", "returned 1 answers for 2"),
        ("not_text", "int, not str"),
    ],
)
def test_failures_of_the_user_function_are_data(module: Path, name: str, error: str) -> None:
    gens = generate_all(f"python:{module}:{name}", n=2)
    assert all(g.text == "" and g.error is not None and error in g.error for g in gens)


@pytest.mark.parametrize(
    ("target", "message"),
    [("nomodule", "python:<module>:<callable>"), ("no_such_module_xyz:f", "cannot import"),
     ("missing.py:f", "no file"), ("{module}:not_callable", "no callable"), ("{module}:absent", "no callable")],
)  # fmt: skip
def test_bad_targets_are_user_errors(module: Path, target: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        get_backend("python:" + target.format(module=module))
