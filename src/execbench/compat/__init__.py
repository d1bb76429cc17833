"""Named compatibility modes: published benchmarks' scoring conventions, implemented once.

execbench's own tasks use strict, documented semantics; these modes exist so that
published numbers reproduce exactly, quirks included. Each mode names the quirk it keeps:

- ``humaneval`` (:mod:`.humaneval`): openai/human-eval's ``check_correctness`` --
  ``prompt + completion + "\\n" + test + "\\n" + check(entry)`` exec'd into ``{}`` under its
  reliability guard, swallowed I/O and a 3 s alarm (:mod:`.harness`);
- ``mbpp`` (:mod:`.humaneval`): the same, on LDB's MBPP whose tests already call ``check``;
- ``ldb`` (:mod:`.ldb`): LDB's import header in front of whole-program solutions;
- ``cruxeval`` (:mod:`.cruxeval`): the prediction text pasted into ``assert output == ...``,
  with CRUXEval's skip and all-false rules and its pass@k averaging;
- ``reval`` (:mod:`.reval`): REval's step model (line/return/exception events merged per
  line, deep-copied locals), its state interpretation (tuples as products, attributes,
  subscripts), its answer parsers and its output check (completed test code, run);
- ``coconut`` (:mod:`execbench.tasks.coconut_mode`): CoCoNUT's ``ExecutedLines`` text as
  the truth, raw-text Matched and comma-joined ``SequenceMatcher`` Distance.

Verdicts no program can forge (:mod:`.judged`): the harness's ``passed`` is confirmed by
:mod:`execbench.judge` whenever strict judging does not confirm it, so a program that
tampers with the harness's process fails where upstream would fail it; every scorer also
counts how many verdicts strict judging would change (``--strict`` reports those).

This package's ``__init__`` imports nothing: :mod:`.harness` is loaded inside sandbox
workers and must stay cheap to import.
"""

from __future__ import annotations

__all__ = ["MODES"]

#: Mode name -> the convention it reproduces (shown in provenance and help).
MODES: dict[str, str] = {
    "humaneval": "openai/human-eval evaluate_functional_correctness",
    "mbpp": "human-eval harness on LDB-format sanitized MBPP (test calls check itself)",
    "ldb": "LDB import header before whole-program solutions (--prelude ldb)",
    "cruxeval": "facebookresearch/cruxeval evaluate_generations (input/output prediction)",
    "reval": "r-eval/REval dynamics.py + evaluation (coverage, path, state, output, consistency)",
    "coconut": "seal-research/structural-code-understanding-dataset (CoCoNUT trace scoring)",
}
