"""The HTML of the report's pages (static text around data the scripts load)."""

from __future__ import annotations

from html import escape

__all__ = ["viewer_page", "page"]


def page(
    title: str, body: str, *, scripts: tuple[str, ...] = (), inline: str = "", body_class: str = ""
) -> str:
    tags = "".join(f'<script src="{escape(s)}"></script>' for s in scripts)
    tail = f"<script>{inline}</script>" if inline else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="assets/report.css"></head>'
        f'<body class="{body_class}">{body}{tags}{tail}</body></html>\n'
    )


_VIEWER = """
<a class="sr-only" href="#v-controls">Skip to the stepping controls</a>
<header><h1 id="v-title">Trace</h1><p id="v-meta" class="muted"></p>
<p><a href="{back}">Back to the report</a> · Keys: → or j step forward, ← or k step back, ↓ step over,
↑ step out, n / p next / previous breakpoint hit, b breakpoint on the current line, g go to a step.</p></header>
<main>
<div class="toolbar" id="v-controls" role="toolbar" aria-label="Stepping controls">
  <button type="button" id="v-back" aria-keyshortcuts="ArrowLeft k">Step back</button>
  <button type="button" id="v-fwd" aria-keyshortcuts="ArrowRight j">Step forward</button>
  <button type="button" id="v-over" aria-keyshortcuts="ArrowDown">Step over</button>
  <button type="button" id="v-out" aria-keyshortcuts="ArrowUp">Step out</button>
  <button type="button" id="v-prevhit" aria-keyshortcuts="p">Previous breakpoint hit</button>
  <button type="button" id="v-nexthit" aria-keyshortcuts="n">Next breakpoint hit</button>
  <button type="button" id="v-bp" aria-keyshortcuts="b">Toggle breakpoint</button>
  <form id="v-goform"><label for="v-goto">Go to step</label>
    <input id="v-goto" type="number" min="0" value="0" aria-keyshortcuts="g"><button type="submit">Go</button></form>
  <span id="v-pos" aria-live="polite">loading…</span>
</div>
<p><strong id="v-line" data-line=""></strong> <span id="v-mark" role="status"></span> <span id="v-status" class="muted" role="status"></span></p>
<div class="viewer-grid">
<section aria-labelledby="h-src"><h2 id="h-src">Source</h2><p id="v-bps" class="muted">No breakpoints</p>
<ol id="v-source" aria-label="Program source; the line buttons set breakpoints"></ol></section>
<section aria-labelledby="h-vars"><h2 id="h-vars">Variables of the current frame</h2>
<table id="v-vars"><caption class="sr-only">Locals before the current line runs; changed ones are marked</caption>
<thead><tr><th scope="col">name</th><th scope="col">value</th><th scope="col">changed by the previous line</th></tr></thead>
<tbody id="v-vars-body"></tbody></table>
<p>After this line and the calls it makes: <span id="v-after"></span></p>
<h3 id="v-history-title">History</h3><ol id="v-history"></ol>
<h2>Call stack</h2><ol id="v-stack" aria-label="Call stack, innermost first"></ol>
<h2>Stdout so far</h2><pre id="v-stdout" aria-label="Standard output so far"></pre></section>
</div>
<section aria-labelledby="h-rows"><h2 id="h-rows">Execution order</h2>
<p class="muted">Each line, then the calls it makes, then the state after it (→). Loops are folded to their first
and last iterations; expand a fold to see every step.</p>
<div id="v-rows" class="vlist" tabindex="0" role="list" aria-label="Execution order listing"><div id="v-rows-inner" class="vlist-inner"></div></div>
</section>
</main>
"""


def viewer_page(*, back: str = "index.html") -> str:
    return page(
        "execbench trace viewer",
        _VIEWER.format(back=escape(back)),
        scripts=("assets/viewer.js",),
        inline='EBViewer.boot("traces/");',
        body_class="viewer",
    )
