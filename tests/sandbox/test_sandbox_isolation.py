"""Choosing the isolation level: detection, forcing, the environment override."""

from __future__ import annotations

import pytest

from execbench.errors import UserError
from execbench.sandbox import IsolationInfo, detect_isolation
from execbench.sandbox import isolation as iso


def test_detect_reports_a_level_and_why() -> None:
    info = detect_isolation()
    assert info.level in iso.LEVELS
    assert info.available[0] == info.level and info.available[-1] == "process"
    assert (info.level == "bwrap") == (info.reason == "")
    assert detect_isolation() is info  # cached


def test_auto_uses_strongest_and_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iso, "detect_isolation", lambda: IsolationInfo("bwrap", "", ("bwrap", "process")))
    monkeypatch.delenv(iso.ENV_VAR, raising=False)
    assert iso.resolve_level("auto") == "bwrap"
    monkeypatch.setenv(iso.ENV_VAR, "process")
    assert iso.resolve_level("auto") == "process"
    assert iso.resolve_level("bwrap") == "bwrap"  # an explicit level wins over the variable


def test_unavailable_or_unknown_levels_are_user_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        iso, "detect_isolation", lambda: IsolationInfo("process", "bwrap: not found", ("process",))
    )
    monkeypatch.delenv(iso.ENV_VAR, raising=False)
    with pytest.raises(UserError, match="not available"):
        iso.resolve_level("bwrap")
    with pytest.raises(UserError, match="unknown isolation"):
        iso.resolve_level("docker")
    monkeypatch.setenv(iso.ENV_VAR, "chroot")
    with pytest.raises(UserError, match="EXECBENCH_ISOLATION"):
        iso.resolve_level("auto")


def test_fallback_is_logged_once(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(
        iso,
        "detect_isolation",
        lambda: IsolationInfo("namespaces", "bwrap: broken", ("namespaces", "process")),
    )
    monkeypatch.setattr(iso, "_warned", set())
    monkeypatch.delenv(iso.ENV_VAR, raising=False)
    with caplog.at_level("WARNING", logger="execbench.sandbox"):
        assert iso.resolve_level() == "namespaces"
        assert iso.resolve_level() == "namespaces"
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "bwrap: broken" in caplog.records[0].getMessage()


def test_worker_environment_is_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    argv, env = iso.worker_command("bwrap")
    assert "OPENAI_API_KEY" not in env and env["PYTHONHASHSEED"] == "0"
    assert argv[0].endswith("bwrap") and "--unshare-net" in argv and "-S" in argv
    argv, _ = iso.worker_command("process", ("/extra",))
    assert argv[1:] == ["-S", "-m", "execbench.sandbox._worker"]
