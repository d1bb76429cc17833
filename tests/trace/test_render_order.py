"""Golden tests: traces read in execution order (a line, the calls it makes, then the state after it).

The same four programs are checked in the text trace (``execbench trace``), the rationale of
``export --with-rationale`` and, in ``tests/report/test_browser.py``, the viewer.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from execbench.tasks._probe import rationale_text
from execbench.trace import trace_call
from execbench.trace.render import render_trace

#: name -> (program, entry, call)
PROGRAMS = {
    "call_on_line": (
        "def grow(xs):\n    ys = xs + [len(xs)]\n    return ys\n\ndef f(xs):\n    n = len(grow(xs))\n    return n\n",
        "f",
        "[1, 2]",
    ),
    "nested": (
        "def a(x):\n    return b(x) + 1\n\ndef b(x):\n    y = c(x) * 2\n    return y\n\ndef c(x):\n    return x + 1\n\ndef f(v):\n    r = a(v)\n    return r\n",
        "f",
        "3",
    ),
    "loop_calls": (
        "def sq(x):\n    return x * x\n\ndef f(xs):\n    t = 0\n    for x in xs:\n        t = t + sq(x)\n    return t\n",
        "f",
        "[1, 2]",
    ),
    "exc_in_call": (
        "def check(v):\n    if v < 0:\n        raise ValueError('neg')\n    return v\n\ndef f(v):\n    try:\n        r = check(v)\n    except ValueError:\n        r = 0\n    return r\n",
        "f",
        "-1",
    ),
}

RATIONALES = {
    "call_on_line": (
        "line 6: n = len(grow(xs))\n"
        "  call grow(xs=[1, 2])\n"
        "  line 2: ys = xs + [len(xs)]  → ys = [1, 2, 2]\n"
        "  line 3: return ys\n"
        "  return [1, 2, 2]\n"
        "→ n = 3\n"
        "line 7: return n\n"
        "return 3"
    ),
    "nested": (
        "line 12: r = a(v)\n"
        "  call a(x=3)\n"
        "  line 2: return b(x) + 1\n"
        "    call b(x=3)\n"
        "    line 5: y = c(x) * 2\n"
        "      call c(x=3)\n"
        "      line 9: return x + 1\n"
        "      return 4\n"
        "    → y = 8\n"
        "    line 6: return y\n"
        "    return 8\n"
        "  return 9\n"
        "→ r = 9\n"
        "line 13: return r\n"
        "return 9"
    ),
    "loop_calls": (
        "line 5: t = 0  → t = 0\n"
        "line 6: for x in xs:  → x = 1\n"
        "line 7: t = t + sq(x)\n"
        "  call sq(x=1)\n"
        "  line 2: return x * x\n"
        "  return 1\n"
        "→ t = 1\n"
        "line 6: for x in xs:  → x = 2\n"
        "line 7: t = t + sq(x)\n"
        "  call sq(x=2)\n"
        "  line 2: return x * x\n"
        "  return 4\n"
        "→ t = 5\n"
        "line 6: for x in xs:\n"
        "line 8: return t\n"
        "return 5"
    ),
    "exc_in_call": (
        "line 7: try:\n"
        "line 8: r = check(v)\n"
        "  call check(v=-1)\n"
        "  line 2: if v < 0:\n"
        "  line 3: raise ValueError('neg')\n"
        "  raises ValueError: neg (line 3)\n"
        "  check left by the exception\n"
        "raises ValueError: neg (line 8)\n"
        "ValueError caught, handler at line 9\n"
        "line 9: except ValueError:\n"
        "line 10: r = 0  → r = 0\n"
        "line 11: return r\n"
        "return 0"
    ),
}

TEXT_TRACES = {
    "call_on_line": (
        "-> call f(xs=[1, 2])\n"
        "   6 n = len(grow(xs))\n"
        "  -> call grow(xs=[1, 2])\n"
        "     2 ys = xs + [len(xs)]  → ys = [1, 2, 2]\n"
        "     3 return ys\n"
        "  <- return [1, 2, 2]\n"
        "     → n = 3\n"
        "   7 return n\n"
        "<- return 3\n"
        "steps: 4\n"
        "return: 3\n"
    ),
    "nested": (
        "-> call f(v=3)\n"
        "  12 r = a(v)\n"
        "  -> call a(x=3)\n"
        "     2 return b(x) + 1\n"
        "    -> call b(x=3)\n"
        "       5 y = c(x) * 2\n"
        "      -> call c(x=3)\n"
        "         9 return x + 1\n"
        "      <- return 4\n"
        "         → y = 8\n"
        "       6 return y\n"
        "    <- return 8\n"
        "  <- return 9\n"
        "     → r = 9\n"
        "  13 return r\n"
        "<- return 9\n"
        "steps: 6\n"
        "return: 9\n"
    ),
    "loop_calls": (
        "-> call f(xs=[1, 2])\n"
        "   5 t = 0  → t = 0\n"
        "   6 for x in xs:  → x = 1\n"
        "   7 t = t + sq(x)\n"
        "  -> call sq(x=1)\n"
        "     2 return x * x\n"
        "  <- return 1\n"
        "     → t = 1\n"
        "   6 for x in xs:  → x = 2\n"
        "   7 t = t + sq(x)\n"
        "  -> call sq(x=2)\n"
        "     2 return x * x\n"
        "  <- return 4\n"
        "     → t = 5\n"
        "   6 for x in xs:\n"
        "   8 return t\n"
        "<- return 5\n"
        "steps: 9\n"
        "return: 5\n"
    ),
    "exc_in_call": (
        "-> call f(v=-1)\n"
        "   7 try:\n"
        "   8 r = check(v)\n"
        "  -> call check(v=-1)\n"
        "     2 if v < 0:\n"
        "     3 raise ValueError('neg')\n"
        "  !! ValueError: neg (line 3)\n"
        "  <- check left by the exception\n"
        "!! ValueError: neg (line 8)\n"
        "   ValueError caught, handler at line 9\n"
        "   9 except ValueError:\n"
        "  10 r = 0  → r = 0\n"
        "  11 return r\n"
        "<- return 0\n"
        "steps: 7\n"
        "return: 0\n"
    ),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_rationale_in_execution_order(name: str) -> None:
    assert rationale_text(trace_call(*PROGRAMS[name])) == RATIONALES[name]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_text_trace_in_execution_order(name: str) -> None:
    buf = io.StringIO()
    render_trace(trace_call(*PROGRAMS[name]), Console(file=buf, no_color=True, width=200, soft_wrap=True))
    assert buf.getvalue() == TEXT_TRACES[name]


def test_state_comes_after_the_calls_that_produce_it() -> None:
    lines = RATIONALES["call_on_line"].split("\n")
    assert lines.index("  call grow(xs=[1, 2])") < lines.index("→ n = 3")
    assert not any("n = 3" in line for line in lines[: lines.index("→ n = 3")])
