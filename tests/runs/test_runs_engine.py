"""The engine's bookkeeping with a fake model and a fake sandbox: cache, resume, extension, summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from runs_fakes import FakeBackend, FakeExecutor, make_tasks

from execbench.errors import UserError
from execbench.models import BackendError
from execbench.runs import EvalOptions, RunSpec, Store, run_eval
from execbench.tasks.io import write_tasks


@pytest.fixture
def task_file(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.jsonl"
    write_tasks(make_tasks(6), path)
    return path


def _run(spec: RunSpec, store: Store, backend: FakeBackend, **options: object):  # type: ignore[no-untyped-def]
    return run_eval(
        spec,
        store=store,
        executor=FakeExecutor(),
        options=EvalOptions(**options),  # type: ignore[arg-type]
        backend_factory=lambda _spec, _c: backend,
    )


def test_run_then_rerun_makes_no_requests(task_file: Path, tmp_path: Path) -> None:
    spec = RunSpec(suite=str(task_file), model="fake:model", n=2)
    with Store.open(tmp_path / "s.sqlite") as store:
        backend = FakeBackend()
        first = _run(spec, store, backend)
        assert first.requests == 12 * 2 and len(backend.calls) == 24
        s = first.summary
        assert (s["n_tasks"], s["n_scored"], s["status"]) == (12, 24, "complete")
        # Every task has exactly one right sample out of two: pass@1 = 50, pass@2 = 100.
        assert s["metrics"]["output"]["pass@1"]["value"] == 50.0
        assert s["metrics"]["input"]["pass@2"]["value"] == 100.0
        assert set(s["by_construct"]) == {"loops", "strings"}
        again = FakeBackend()
        second = _run(spec, store, again)
        assert again.calls == [] and second.requests == 0 and second.resumed
        assert second.summary["metrics"] == s["metrics"]


def test_extending_n_asks_only_for_new_samples(task_file: Path, tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite") as store:
        _run(RunSpec(suite=str(task_file), model="fake:model", n=1), store, FakeBackend())
        backend = FakeBackend()
        out = _run(RunSpec(suite=str(task_file), model="fake:model", n=3), store, backend)
        assert sorted({s for _t, s in backend.calls}) == [1, 2]
        assert out.summary["n_scored"] == 36
        assert len(store.list_runs()) == 2


def test_refused_generations_count_as_wrong_answers(task_file: Path, tmp_path: Path) -> None:
    spec = RunSpec(suite=str(task_file), model="fake:model")
    with Store.open(tmp_path / "s.sqlite") as store:
        flaky = FakeBackend(fail_on={("fake/0/output", 0), ("fake/2/input", 0)})
        first = _run(spec, store, flaky)
        assert first.failures == 2 and first.summary["status"] == "complete"
        assert first.summary["statuses"]["no_answer"] == 2
        # Tasks 0 and 2 are answered right by this fake: the refusals cost one each.
        assert first.summary["metrics"]["output"]["pass@1"]["value"] == pytest.approx(100 * 2 / 6)
        again = FakeBackend()
        _run(spec, store, again)
        assert again.calls == []  # a refusal is an answer: nothing to retry


def test_a_failing_server_stops_the_run_and_a_rerun_resumes(task_file: Path, tmp_path: Path) -> None:
    class Dying(FakeBackend):
        async def generate(self, req):  # type: ignore[no-untyped-def]
            if len(self.calls) >= 5:
                raise BackendError("server gone")
            return await super().generate(req)

    spec = RunSpec(suite=str(task_file), model="fake:model")
    with Store.open(tmp_path / "s.sqlite") as store:
        dying = Dying()
        with pytest.raises(BackendError):
            _run(spec, store, dying, concurrency=1)
        run = store.list_runs()[0]
        assert run.status == "incomplete"
        assert len(store.done_samples(run.run_id)) == 5
        fixed = FakeBackend()
        out = _run(spec, store, fixed)
        assert len(fixed.calls) == 7 and out.summary["n_scored"] == 12


def test_skipped_samples_follow_cruxeval(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    write_tasks(make_tasks(1, kinds=("output",)), path)

    class Skipper(FakeBackend):
        async def generate(self, req):  # type: ignore[no-untyped-def]
            from execbench.models import Generation

            return Generation(text="0" if req.sample == 0 else "skip")

    with Store.open(tmp_path / "s.sqlite") as store:
        out = _run(RunSpec(suite=str(path), model="fake:model", n=3), store, Skipper())
        # Skipped samples leave n: one right out of one counted.
        assert out.summary["metrics"]["output"]["pass@1"]["value"] == 100.0


def test_run_id_is_stable_and_conflicts_are_refused(task_file: Path, tmp_path: Path) -> None:
    spec = RunSpec(suite=str(task_file), model="fake:model")
    with Store.open(tmp_path / "s.sqlite") as store:
        a = _run(spec, store, FakeBackend())
        b = _run(spec, store, FakeBackend())
        assert a.run.run_id == b.run.run_id
        _run(spec, store, FakeBackend(), run_id="named")
        with pytest.raises(UserError, match="another configuration"):
            _run(RunSpec(suite=str(task_file), model="fake:model", n=2), store, FakeBackend(), run_id="named")
        fresh = _run(spec, store, FakeBackend(), run_id="named", fresh=True)
        assert fresh.requests == 0 and not fresh.resumed


def test_limit_keeps_the_first_tasks(task_file: Path, tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite") as store:
        out = _run(RunSpec(suite=str(task_file), model="fake:model", limit=4), store, FakeBackend())
        assert out.summary["n_tasks"] == 4
        assert [t.task_id for t in store.load_tasks(out.run.run_id)][:2] == ["fake/0/output", "fake/1/output"]
