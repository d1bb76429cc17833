"""Python files of functions with inputs: the convention behind ``builtin`` and ``execbench build PATH``.

A program is a plain Python file holding an *entry* function (which may call helpers and
classes defined in the same file) plus the inputs to call it with. Files are never
imported or run in the host to discover this: they are read with :mod:`ast` only, because
user code is untrusted and the inputs must be known before anything executes.

Directives
----------
Comment lines at the very top of the file, before any code::

    # execbench: entry=f constructs=recursion,closures
    # execbench: input=[1, 2, 3], 4
    # execbench: input='abc', 0
    # execbench: raises=[], 0

- ``entry=NAME`` names a top-level function (default ``f``); ``constructs=a,b`` labels the
  program (primary label first; optional for user files). Both may share one line.
- ``input=TEXT`` adds one call: the rest of the line is the argument text, evaluated as
  ``NAME(TEXT)`` (CRUXEval's convention, e.g. ``"[1, 2, 3], 4"``); an empty text means no
  arguments. ``raises=TEXT`` adds a call that is *expected* to raise; this is a hint for
  checks only: ground truth always comes from executing the call.
- A later ``entry=`` line starts another program in the same file; the ``input=`` lines
  that follow belong to it.
- Each call runs on a freshly executed copy of the file, so module state (a mutable default
  argument, a global counter) never leaks from one input to the next.

The directive block is removed from :attr:`Program.code` (it would leak the inputs into
prompts), together with the blank lines after it; line numbers in traces and tasks refer to
``Program.code``, not to the file.

Doctest examples
----------------
A file without directives may instead give examples in its functions' docstrings::

    def area(w, h):
        '''Rectangle area.

        >>> area(2, 3)
        6
        '''

Every top-level function with one-line ``>>> name(...)`` examples becomes a program whose inputs
are the argument texts of those calls. The example lines and their expected outputs are
removed from ``code`` so that output prediction cannot read the answer.

Program ids are ``<source>/<path relative to the loaded folder, without .py>``, with
``:<entry>`` appended when a file yields several programs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from execbench import _pyast
from execbench.errors import UserError

__all__ = [
    "CONSTRUCTS",
    "Program",
    "load_program_file",
    "load_program_dir",
    "parse_program_text",
    "builtin_programs",
    "check_builtin",
]

#: The construct labels of the built-in suite, in the order reports list them.
CONSTRUCTS: tuple[str, ...] = (
    "recursion",
    "oop",
    "generators",
    "closures",
    "exceptions",
    "comprehensions",
    "semantics",
    "aliasing",
    "call_chains",
    "numeric",
)

_DIRECTIVE = re.compile(r"^#\s*execbench:\s*(.*)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LABEL = re.compile(r"^[a-z][a-z0-9_-]*$")
_MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class Program:
    """One entry function of one file, with the calls to make on it."""

    program_id: str
    """Stable id, e.g. ``builtin/recursion/hanoi_moves``; also the key of every task built from it."""
    code: str
    """The source exactly as it is run (directive header removed); line numbers refer to it."""
    entry: str
    """Name of the top-level function to call."""
    inputs: tuple[str, ...]
    """Call-argument texts, each evaluated as ``entry(<input>)`` inside the sandbox."""
    constructs: tuple[str, ...] = ()
    """Labels, primary first (see :data:`CONSTRUCTS` for the built-in ones)."""
    source: str = "user"
    """Where it came from: ``"builtin"`` or ``"user"``."""
    path: str = ""
    """File it was read from (POSIX form, relative to the loaded folder when loaded from one)."""
    raising: tuple[int, ...] = ()
    """Indices into ``inputs`` of calls declared with ``raises=``: a hint for checks, never ground truth."""

    def calls(self) -> tuple[str, ...]:
        """The call texts, e.g. ``f([1, 2], 3)``: what prompts show and the sandbox evaluates."""
        return tuple(f"{self.entry}({arg})" for arg in self.inputs)


@dataclass
class _Pending:
    entry: str
    constructs: tuple[str, ...] = ()
    inputs: list[str] | None = None
    raising: list[int] | None = None


def _fail(where: str, what: str) -> UserError:
    return UserError(f"{where}: {what}")


def _check_args(where: str, lineno: int, text: str) -> None:
    """Inputs must be argument lists of one call; checked by parsing, never by running.

    The call must span the whole text, so ``1)(`` or ``1) # x`` cannot smuggle in a second
    call or a comment that swallows the closing parenthesis.
    """
    wrapped = f"_({text})"
    try:
        node = _pyast.parse(wrapped, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise _fail(where, f"line {lineno}: input {text!r} is not a valid argument list") from None
    whole = (node.col_offset, node.end_lineno, node.end_col_offset) == (0, 1, len(wrapped.encode()))
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_" and whole):
        raise _fail(where, f"line {lineno}: input {text!r} is not a valid argument list")


def _split_header(where: str, text: str) -> tuple[list[tuple[int, str]], str]:
    """Return the directive lines (with line numbers) and the code that follows them."""
    lines = text.splitlines(keepends=True)
    directives: list[tuple[int, str]] = []
    last = -1
    index = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        match = _DIRECTIVE.match(stripped)
        if match:
            directives.append((index + 1, match.group(1)))
            last = index
        elif stripped and not stripped.startswith("#"):
            break
    for later in range(index, len(lines)):
        if _DIRECTIVE.match(lines[later].strip()) and later > last:
            raise _fail(where, f"line {later + 1}: execbench directives must come first, before any code")
    if not directives:
        return [], text
    rest = lines[last + 1 :]
    while rest and rest[0].strip() == "":
        rest.pop(0)
    return directives, "".join(rest)


def _parse_directives(where: str, directives: list[tuple[int, str]]) -> list[_Pending]:
    programs: list[_Pending] = []
    for lineno, content in directives:
        key, _, value = content.partition("=")
        key = key.strip()
        if key in ("input", "raises"):
            if not programs:
                programs.append(_Pending("f"))
            current = programs[-1]
            current.inputs = current.inputs or []
            args = value.strip()
            _check_args(where, lineno, args)
            if key == "raises":
                current.raising = (current.raising or []) + [len(current.inputs)]
            current.inputs.append(args)
            continue
        fields: dict[str, str] = {}
        for item in content.split():
            name, eq, val = item.partition("=")
            if not eq or name not in ("entry", "constructs"):
                raise _fail(
                    where,
                    f"line {lineno}: unknown directive {item!r} (use entry=NAME, constructs=a,b, input=ARGS, raises=ARGS)",
                )
            fields[name] = val
        labels: tuple[str, ...] = ()
        if "constructs" in fields:
            labels = tuple(x for x in fields["constructs"].split(",") if x)
            bad = [x for x in labels if not _LABEL.match(x)]
            if bad:
                raise _fail(
                    where, f"line {lineno}: bad construct label {bad[0]!r} (lowercase words, e.g. recursion)"
                )
        if "entry" in fields or not programs or programs[-1].inputs is not None:
            entry = fields.get("entry", "f")
            if not _NAME.match(entry):
                raise _fail(where, f"line {lineno}: entry {entry!r} is not a function name")
            programs.append(_Pending(entry, labels))
        elif labels:
            programs[-1].constructs = labels
    return programs


def _top_level_functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _doctest_examples(node: ast.FunctionDef) -> Iterator[tuple[str, str]]:
    """Yield (callee, argument text) for each one-line ``>>> name(...)`` example in the docstring."""
    doc = ast.get_docstring(node, clean=True) or ""
    for line in doc.splitlines():
        stripped = line.strip()
        if not stripped.startswith(">>> "):
            continue
        try:
            expr = _pyast.parse(stripped[4:], mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
            source = stripped[4:]
            inner = source[source.index("(") + 1 : source.rstrip().rindex(")")]
            yield expr.func.id, inner.strip()


def _strip_doctests(text: str, tree: ast.Module) -> str:
    """Drop example lines and their expected outputs from docstrings (they would give answers away)."""
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module):
            continue
        body = node.body
        if not (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)):
            continue
        if not isinstance(body[0].value.value, str):
            continue
        first, last = body[0].lineno, body[0].end_lineno or body[0].lineno
        in_example = False
        for number in range(first + 1, last):  # strictly inside: the quote lines stay valid
            stripped = lines[number - 1].strip()
            if stripped.startswith(">>>") or (in_example and stripped.startswith("...")):
                in_example = True
                drop.add(number)
            elif in_example and stripped:
                drop.add(number)
            else:
                in_example = False
    return "".join(line for number, line in enumerate(lines, 1) if number not in drop)


def parse_program_text(text: str, *, where: str, program_id: str, source: str = "user") -> list[Program]:
    """Read the programs one file declares; ``where`` names the file in error messages."""
    if len(text) > _MAX_FILE_BYTES:
        raise _fail(where, f"file is larger than {_MAX_FILE_BYTES} bytes; split it")
    text = text.replace("\r\n", "\n")
    directives, code = _split_header(where, text)
    try:
        tree = _pyast.parse(code)
    except SyntaxError as exc:
        raise _fail(where, f"line {exc.lineno}: syntax error: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise _fail(where, f"cannot parse: {type(exc).__name__}") from None
    functions = _top_level_functions(tree)
    if directives:
        pending = _parse_directives(where, directives)
    else:
        by_entry: dict[str, _Pending] = {}
        for node in functions.values():
            for callee, args in _doctest_examples(node):
                if callee in functions:
                    item = by_entry.setdefault(callee, _Pending(callee, inputs=[]))
                    assert item.inputs is not None
                    item.inputs.append(args)
        pending = [by_entry[name] for name in functions if name in by_entry]
        if pending:
            code = _strip_doctests(code, tree)
    programs: list[Program] = []
    for item in pending:
        if item.entry not in functions:
            raise _fail(where, f"entry function {item.entry!r} is not defined at the top level of the file")
        if not item.inputs:
            raise _fail(where, f"entry {item.entry!r} has no inputs; add '# execbench: input=ARGS' lines")
        pid = program_id if len(pending) == 1 else f"{program_id}:{item.entry}"
        programs.append(
            Program(
                program_id=pid,
                code=code,
                entry=item.entry,
                inputs=tuple(item.inputs),
                constructs=item.constructs,
                source=source,
                path=where,
                raising=tuple(item.raising or ()),
            )
        )
    ids = [p.program_id for p in programs]
    if len(set(ids)) != len(ids):
        raise _fail(where, "the same entry is declared twice; give each entry= one block of inputs")
    return programs


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _fail(str(path), "not UTF-8 text") from None
    except OSError as exc:
        raise _fail(str(path), f"cannot read: {exc.strerror or exc}") from None


def load_program_file(path: str | Path, *, source: str = "user") -> list[Program]:
    """Programs of one file; a file that declares none is a user error (it was named explicitly)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file (give a .py file or a folder of them)")
    programs = parse_program_text(
        _read(path), where=str(path), program_id=f"{source}/{path.stem}", source=source
    )
    if not programs:
        raise _fail(
            str(path),
            "declares no programs; add '# execbench: entry=f' and '# execbench: input=ARGS' lines at the top, "
            "or '>>> f(...)' examples in docstrings",
        )
    return programs


def load_program_dir(path: str | Path, *, source: str = "user") -> list[Program]:
    """Programs of every ``*.py`` below ``path``, in sorted path order; files declaring none are skipped."""
    root = Path(path)
    if not root.is_dir():
        raise UserError(f"{root}: no such folder")
    programs: list[Program] = []
    for file in sorted(root.rglob("*.py"), key=lambda p: p.relative_to(root).as_posix()):
        if not file.is_file() or any(part.startswith(".") or part == "__pycache__" for part in file.parts):
            continue
        rel = file.relative_to(root).with_suffix("").as_posix()
        programs.extend(
            parse_program_text(
                _read(file),
                where=file.relative_to(root).as_posix(),
                program_id=f"{source}/{rel}",
                source=source,
            )
        )
    if not programs:
        raise UserError(
            f"{root}: no .py file declares a program; see 'execbench build --help' for the convention"
        )
    return programs


def builtin_programs() -> list[Program]:
    """The embedded suite, read from package data (works from a wheel as well as a checkout)."""
    root = resources.files("execbench.datasets.builtin").joinpath("programs")
    programs: list[Program] = []
    for construct in sorted((entry for entry in root.iterdir() if entry.is_dir()), key=lambda e: e.name):
        for item in sorted((e for e in construct.iterdir() if e.name.endswith(".py")), key=lambda e: e.name):
            stem = item.name[: -len(".py")]
            rel = f"{construct.name}/{item.name}"
            programs.extend(
                parse_program_text(
                    item.read_text(encoding="utf-8"),
                    where=rel,
                    program_id=f"builtin/{construct.name}/{stem}",
                    source="builtin",
                )
            )
    return programs


def check_builtin(
    programs: list[Program] | None = None, *, per_construct: int = 15, total: int = 150
) -> list[str]:
    """Structural problems of the built-in suite (empty list: fine). Used by tests and ``build``.

    Checks: unique ids, at least ``total`` programs and ``per_construct`` per primary label,
    at least 3 distinct inputs each, known labels with the primary one matching the folder,
    and puzzle size (5-30 lines).
    """
    if programs is None:
        try:
            programs = builtin_programs()
        except UserError as exc:
            return [str(exc)]
    problems: list[str] = []
    ids = [p.program_id for p in programs]
    if len(set(ids)) != len(ids):
        problems.append("duplicate program ids")
    if len(programs) < total:
        problems.append(f"{len(programs)} programs, want at least {total}")
    counts = dict.fromkeys(CONSTRUCTS, 0)
    for program in programs:
        if len(program.inputs) < 3:
            problems.append(f"{program.program_id}: {len(program.inputs)} inputs, want at least 3")
        if len(set(program.inputs)) != len(program.inputs):
            problems.append(f"{program.program_id}: repeated input")
        if not program.constructs:
            problems.append(f"{program.program_id}: no construct label")
            continue
        unknown = [c for c in program.constructs if c not in counts]
        if unknown:
            problems.append(f"{program.program_id}: unknown construct {unknown[0]!r}")
        if program.program_id.split("/")[1] != program.constructs[0]:
            problems.append(f"{program.program_id}: primary construct is not its folder")
        if program.constructs[0] in counts:  # the primary label is what a program is counted for
            counts[program.constructs[0]] += 1
        lines = len(program.code.splitlines())
        if not 5 <= lines <= 30:
            problems.append(f"{program.program_id}: {lines} lines, want 5-30 (puzzle size)")
    problems.extend(
        f"construct {c}: {n} programs, want at least {per_construct}"
        for c, n in counts.items()
        if n < per_construct
    )
    return problems
