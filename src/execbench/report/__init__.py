"""See the results: a static HTML report of runs and a step-through trace viewer.

- ``build_report(refs, out, store_path=...)`` -- ``execbench report``: a folder that opens
  from the file system (no server, no network request; CSS, scripts and data bundled):
  leaderboard with CIs, paired comparisons, plots drawn at build time as inline SVG
  (``plots``), the task explorer with drill-down, and the trace viewer (``viewer.html``);
- ``viewer_data(trace)`` -- a trace as the viewer's per-step arrays and execution-order
  rows (the same rows as ``execbench trace`` and the rationales);
- ``execbench view`` (``cli/view.py``) serves the same pages over HTTP on 127.0.0.1.

Data travels as ``<script>`` files calling ``EBReport.*``/``EBViewer.*``: a page opened
from ``file://`` may load scripts but not fetch files. Big tables (50,000 tasks, 100,000
trace steps) are split in chunks and shown in virtualised lists (only visible rows exist
in the page).

Imports point down: ``report -> runs, tasks, trace``.
"""

from __future__ import annotations

from execbench.report.site import ReportInfo, build_report, write_assets
from execbench.report.viewerdata import viewer_data

__all__ = ["ReportInfo", "build_report", "viewer_data", "write_assets"]
