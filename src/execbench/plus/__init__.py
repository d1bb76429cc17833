"""Rigorous judging of generated code: many more tests from the reference, and deterministic cost.

EvalPlus showed that HumanEval's 7-10 tests per problem let wrong programs through; COFFE
and EvalPerf that correct programs can be orders of magnitude costlier than the reference,
and that wall time is too noisy to say so. This package makes both checks work for any
problem with a reference solution:

- :mod:`.seeds`, :mod:`.shape`, :mod:`.mutate`: seed inputs from the problem's own tests
  (literal calls, and the calls recorded running the test code in the sandbox) and
  docstring, the shape they share (the validity rule: false alarms are worse than
  misses), type-aware mutation and sampling within it;
- :mod:`.augment`: the coverage-guided loop (``execbench augment``), deterministic per seed,
  which also drops inputs with several right answers (ties: the answer depends on an order
  no seed's answer depends on) and, for oracle-judged tasks, inputs the reference fails;
  :mod:`.reduce`: ``--reduce`` (greedy cover of coverage facts and mutant kills);
- :mod:`.runner` (in the sandbox) and :mod:`.execute`: a batch of inputs per execution,
  outputs back as literal text, instruction counts (``sys.monitoring`` / opcode tracing);
- :mod:`.judge`: the one host-side comparison (EvalPlus's tolerance rule);
- :mod:`.plusfile`: PLUS.jsonl and EvalPlus's HumanEval+/MBPP+ files;
- :mod:`.scoring`: ``score --plus`` / ``--efficiency`` (plus pass@k, efficient@k).

Imports: ``plus`` sits beside ``compat`` (it uses ``sandbox``, ``datasets`` and ``compat``'s
pass@k); ``cli`` is on top. The runner module imports only the standard library.
"""

from __future__ import annotations

__all__ = ["augment", "judge", "plusfile", "scoring"]
