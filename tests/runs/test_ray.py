"""The Ray executor (a local Ray cluster) gives exactly the local pool's verdicts on the CRUXEval-O replay."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from execbench.runs import EvalOptions, LocalExecutor, RayExecutor, RunSpec, Store, run_eval

ray = pytest.importorskip("ray", reason="the ray extra is part of the dev install")


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _verdicts(store: Store, run_id: str) -> list[tuple[object, ...]]:
    return [
        (r.task_id, r.sample, r.extracted, r.correct, r.skipped, r.status) for r in store.load_results(run_id)
    ]


def test_ray_verdicts_match_the_local_pool(ray_cluster: None, shared_data: Path, tmp_path: Path) -> None:
    data = shared_data / "cruxeval" / "cruxeval.jsonl"
    samples = shared_data / "cruxeval/samples/codellama-7b_temp0.2_output_generations.json"
    spec = RunSpec(suite=f"cruxeval-o:{data}", model=f"replay:{samples}", n=10, limit=60)
    results = []
    for name, executor in (("local", LocalExecutor(2)), ("ray", RayExecutor())):
        with Store.open(tmp_path / f"{name}.sqlite") as store:
            try:
                out = run_eval(spec, store=store, executor=executor, options=EvalOptions())
            finally:
                executor.close()
            assert out.summary["n_scored"] == 600
            assert store.get_run(out.run.run_id).environment["executor"] == name  # type: ignore[union-attr]
            results.append((out.summary["metrics"], _verdicts(store, out.run.run_id)))
    (local_metrics, local_rows), (ray_metrics, ray_rows) = results
    assert ray_rows == local_rows
    assert ray_metrics == local_metrics
    assert any(correct for _t, _s, _e, correct, _k, _st in ray_rows)


def test_model_calls_run_in_the_cluster(
    ray_cluster: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import socket

    from execbench.models import BackendError, GenParams, GenRequest, get_backend
    from execbench.runs.executors import RayBackend

    samples = tmp_path / "samples.jsonl"
    samples.write_text('{"task_id": "t/0", "prediction": "[ANSWER] 1 [/ANSWER]"}\n')
    local = get_backend(f"replay:{samples}")
    executor = RayExecutor()
    remote = executor.remote_backend(local, f"replay:{samples}", {}, 4)
    assert isinstance(remote, RayBackend) and remote.name == local.name and remote.info() == local.info()

    async def ask(backend: RayBackend) -> str:
        try:
            gen = await backend.generate(GenRequest("t/0", "p", 0, GenParams()))
            return gen.text
        finally:
            await backend.aclose()

    assert asyncio.run(ask(remote)) == "[ANSWER] 1 [/ANSWER]"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = {"base_url": f"http://127.0.0.1:{port}/v1", "max_retries": 0}
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    dead = executor.remote_backend(get_backend("openai:m", **options), "openai:m", options, 2)
    with pytest.raises(BackendError):  # the backend's own error, not Ray's wrapper
        asyncio.run(ask(dead))
