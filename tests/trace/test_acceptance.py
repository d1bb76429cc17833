"""Acceptance on the shared datasets: the tracer's lines equal a plain settrace tracer's,
return values are right, and states rebuilt from the changes equal full snapshots.

Runs that end in RecursionError are left out of the line comparison: where the limit is hit
depends on how deep the *harness* calling the program is (the reference and ``trace_call``
wrap the call differently), not on the tracer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trace_ref import CAP, cruxeval, humaneval, ldb_seeds, reference_full_states, reference_lines, strip_ids

from execbench.errors import UserError
from execbench.trace import TraceLimits, state_at, trace_call
from execbench.trace.snapshot import Encoder

LIMITS = TraceLimits(max_steps=CAP, max_time=600.0)


def _compare(calls: Any) -> tuple[int, list[str]]:
    checked, failures = 0, []
    for pid, code, entry, call in calls:
        ref, result, _ok = reference_lines(code, entry, call)
        if isinstance(result, RecursionError):
            continue
        try:
            trace = trace_call(code, entry, call, limits=LIMITS)
        except UserError:
            assert not ref, pid  # the reference could not call it either
            continue
        checked += 1
        if list(trace.lines) != ref:
            failures.append(f"{pid} {call[:40]}: {len(trace.lines)} vs {len(ref)} lines")
    return checked, failures


def test_cruxeval_lines_and_outputs(shared_data: Path) -> None:
    rows = list(cruxeval(shared_data))
    assert len(rows) == 800
    failures = []
    for pid, code, entry, call, output in rows:
        ref, _result, _ok = reference_lines(code, entry, call)
        trace = trace_call(code, entry, call, limits=LIMITS)
        if list(trace.lines) != ref:
            failures.append(f"{pid}: lines differ")
        elif trace.return_text is None or eval(trace.return_text) != eval(output):
            failures.append(f"{pid}: returned {trace.return_text!r}, expected {output!r}")
    assert failures == []


def test_humaneval_lines_and_results(shared_data: Path) -> None:
    calls = list(humaneval(shared_data))
    assert len(calls) > 1000
    checked, failures = _compare(calls)
    assert checked > 1000 and failures == []
    # traced results equal untraced ones (snapshot texts of the values)
    mismatched = []
    for pid, code, entry, call in calls[::7]:
        ns: dict[str, Any] = {"__name__": "__check__"}
        exec(code, ns)
        value = eval(f"{entry}({call})", ns)
        trace = trace_call(code, entry, call, limits=LIMITS)
        if trace.cut is None and trace.return_text != Encoder().encode(value)["repr"]:
            mismatched.append(pid)
    assert mismatched == []


def test_ldb_seed_programs_lines(shared_data: Path) -> None:
    calls = list(ldb_seeds(shared_data))
    checked, failures = _compare(calls)
    assert checked > 4000 and failures == []


@pytest.fixture(scope="module")
def all_calls(shared_data: Path) -> list[tuple[str, str, str, str]]:
    crux = [(p, c, e, a) for p, c, e, a, _o in cruxeval(shared_data)]
    return crux + list(humaneval(shared_data))[::3] + list(ldb_seeds(shared_data))[::9]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_states_rebuilt_from_changes_equal_full_snapshots(all_calls: list[Any], data: st.DataObject) -> None:
    pid, code, entry, call = data.draw(st.sampled_from(all_calls))
    full = reference_full_states(code, entry, call, cap=2000)
    try:
        trace = trace_call(code, entry, call, limits=TraceLimits(max_steps=2000, max_time=600.0))
    except UserError:
        return
    assert len(full) == len(trace.lines), pid
    for step in data.draw(st.lists(st.integers(0, max(0, len(full) - 1)), max_size=8)) if full else []:
        rebuilt = {k: strip_ids(v) for k, v in state_at(trace, step).items()}
        assert rebuilt == full[step], (pid, call, step)
