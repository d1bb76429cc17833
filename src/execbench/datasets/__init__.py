"""Loaders for public benchmarks: an explicit file, the cache, or a first download.

Leaves of the package graph: datasets import nothing from the rest of execbench but
:mod:`execbench.errors`.
"""

from __future__ import annotations

from execbench.datasets.cache import Source, cache_dir, resolve
from execbench.datasets.cruxeval import CruxSample, load_cruxeval
from execbench.datasets.humaneval import Problem, load_humaneval
from execbench.datasets.mbpp import load_mbpp

__all__ = [
    "Source",
    "cache_dir",
    "resolve",
    "CruxSample",
    "load_cruxeval",
    "Problem",
    "load_humaneval",
    "load_mbpp",
]
