"""execbench: judge and improve code LLMs by running code.

The packages follow the pipeline, and imports point one way:
``sandbox <- trace <- tasks <- runs <- repair/report``, with ``cli`` on top and
``datasets``/``models`` as leaves.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
