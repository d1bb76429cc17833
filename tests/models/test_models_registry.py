from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from execbench.errors import UserError
from execbench.models import (
    Backend,
    Generation,
    GenParams,
    GenRequest,
    get_backend,
    register_backend,
    schemes,
)
from execbench.models.registry import _REGISTRY


def test_builtin_schemes_are_registered() -> None:
    assert {"openai", "replay", "baseline", "python"} <= set(schemes())


@pytest.mark.parametrize("spec", ["gpt-4o", "nosuch:model", ":x"])
def test_unknown_scheme_lists_the_schemes(spec: str) -> None:
    with pytest.raises(UserError) as err:
        get_backend(spec)
    message = str(err.value)
    assert "\n" not in message
    for scheme in ("openai:", "replay:", "baseline:", "python:"):
        assert scheme in message


def test_builtin_backends_satisfy_the_protocol(tmp_path: Path) -> None:
    replay = tmp_path / "p.jsonl"
    replay.write_text('{"task_id": "a", "prediction": "x"}\n')
    specs = ["openai:m", f"replay:{replay}", "baseline:floor", "python:json:dumps"]
    for spec in specs:
        backend = get_backend(spec, base_url="http://localhost:9/v1")
        assert isinstance(backend, Backend)
        assert backend.name == spec and isinstance(backend.info(), dict)


def test_missing_name_after_scheme() -> None:
    with pytest.raises(UserError, match="missing its name"):
        get_backend("openai:")


def test_lazy_factory_with_missing_module_gives_install_hint() -> None:
    register_backend("fancy", "execbench_no_such_provider_pkg.backend:make", extra="fancy")
    register_backend("plain", "execbench_no_such_provider_pkg2:make")
    try:
        with pytest.raises(UserError, match=r"pip install 'execbench\[fancy\]'"):
            get_backend("fancy:model")
        with pytest.raises(UserError, match="pip install execbench_no_such_provider_pkg2"):
            get_backend("plain:model")
    finally:
        del _REGISTRY["fancy"], _REGISTRY["plain"]


def test_plugin_callable_factory_receives_rest_and_options() -> None:
    class Echo:
        def __init__(self, rest: str, **options: object) -> None:
            self.name = f"echo:{rest}"
            self.options = options

        def info(self) -> dict[str, object]:
            return {"model": self.name}

        async def generate(self, req: GenRequest) -> Generation:
            return Generation(req.prompt.upper())

        async def aclose(self) -> None:
            return None

    register_backend("echo", Echo)
    try:
        backend = get_backend("echo:a:b", colour="red")
        assert backend.name == "echo:a:b"
        assert backend.options == {"colour": "red"}  # type: ignore[attr-defined]
        out = asyncio.run(backend.generate(GenRequest("t", "hi", 0, GenParams())))
        assert out.text == "HI"
    finally:
        del _REGISTRY["echo"]


def test_invalid_scheme_names_are_rejected() -> None:
    with pytest.raises(ValueError):
        register_backend("a:b", lambda rest: None)  # type: ignore[arg-type,return-value]
