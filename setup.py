"""Build hook for the C tracer; everything else about the package is in pyproject.toml.

The extension is optional, as coverage.py's CTracer is: without a compiler the install
still succeeds and the tracer runs its Python engine (``execbench.trace.ENGINE`` says which).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "execbench.trace._ctracer",
            sources=[
                f"src/execbench/trace/csrc/{name}.c" for name in ("module", "events", "monitor", "diff", "fingerprint", "flat")
            ],
            depends=["src/execbench/trace/csrc/ctracer.h"],
            optional=True,
        )
    ]
)
