"""Repair code with execution feedback: LDB, Self-Debugging and resampling, on execbench's
sandbox, tracer, backends and store.

Layout: ``ldbcompat`` (LDB's program/test conventions, pure), ``runner`` (in-sandbox
visible-test runner), ``execution`` (visible tests; ``judge_hidden``, the one hidden-test
judge), ``problems`` (suites and seeds), ``ldbtrace`` (the trace LDB shows, from
execbench's tracer: ``ldbblocks`` LDB's blocks, ``ldbvalues`` the values from one traced run,
``ldbrewrite`` where LDB's ``return`` rewrite needs its copy run for real), ``prompts``,
``chat`` (cached requests; LDB-results replay), ``loop`` (one task), ``storage`` (repair's
tables in the store: iterations, request intents), ``engine`` (a whole run).
Imports go to runs/tasks/trace/sandbox/models/datasets/compat; only ``cli`` imports this.
"""

from __future__ import annotations

from execbench.repair.engine import RepairConfig, run_repair, summarize

__all__ = ["RepairConfig", "run_repair", "summarize"]
