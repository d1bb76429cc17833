"""Build hook for the C tracer; everything else about the package is in pyproject.toml.

The extension is optional, as coverage.py's CTracer is: without a compiler the install
still succeeds and the tracer runs its Python engine (``execbench.trace.ENGINE`` says which).
The sources' hash is compiled in, so a stale build is never used (``trace/_cext.py``).
"""

import importlib.util
from pathlib import Path

from setuptools import Extension, setup

_here = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_cext", _here / "src/execbench/trace/_cext.py")
_cext = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cext)
_csrc = _here / "src/execbench/trace/csrc"

setup(
    ext_modules=[
        Extension(
            "execbench.trace._ctracer",
            sources=[f"src/execbench/trace/csrc/{name}.c" for name in _cext.SOURCES],
            depends=["src/execbench/trace/csrc/ctracer.h"],
            define_macros=[("EXECBENCH_SOURCE_HASH", f'"{_cext.source_hash(_csrc)}"')],
            optional=True,
        )
    ]
)
