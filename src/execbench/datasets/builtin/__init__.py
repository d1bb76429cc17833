"""The built-in suite: original reasoning programs, one plain ``.py`` file each, grouped by construct.

The programs live in ``programs/<construct>/<name>.py`` as package data and follow the
convention of :mod:`execbench.datasets.pyfiles`; they are the default source of every
command, so that execbench works without downloading anything.
"""

from __future__ import annotations

from execbench.datasets.pyfiles import CONSTRUCTS, Program, builtin_programs, check_builtin

__all__ = ["CONSTRUCTS", "Program", "builtin_programs", "check_builtin"]
