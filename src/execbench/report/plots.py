"""Plots as inline SVG text, drawn at build time in Python.

Why SVG from Python rather than a bundled charting library: the site must open from the
file system with no network and stay small, and the plots are few and simple (bars with
confidence intervals, a heat map, binned accuracy curves). A few dozen lines of SVG per
plot print crisply, need no JavaScript and are readable by screen readers through each
plot's ``<title>``/``<desc>`` and the table printed next to it.

Values are percentages in [0, 100]; ``None`` marks a missing point.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart", "heatmap", "line_chart", "PALETTE"]

#: Okabe-Ito colors (distinguishable with color-vision deficiencies), darkened for contrast.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#4d4d4d", "#e69f00")

Point = tuple[float, float, float] | None  # (value, ci_low, ci_high)

_W, _H, _L, _B, _T = 640, 260, 48, 62, 28


def _frame(title: str, desc: str, width: int, height: int, body: list[str], ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{ident}-t {ident}-d">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _y(value: float, height: int) -> float:
    return _T + (height - _T - _B) * (1 - value / 100)


def _axis(width: int, height: int, label: str) -> list[str]:
    out = []
    for tick in (0, 25, 50, 75, 100):
        y = _y(tick, height)
        out.append(f'<line x1="{_L}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0"/>')
        out.append(f'<text x="{_L - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    out.append(
        f'<text x="12" y="{(height - _B + _T) / 2:.0f}" transform="rotate(-90 12 {(height - _B + _T) / 2:.0f})" '
        f'text-anchor="middle">{escape(label)}</text>'
    )
    return out


def _legend(names: Sequence[str], width: int) -> list[str]:
    out = []
    x = _L
    for i, name in enumerate(names):
        color = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{x + 16}" y="16">{escape(name[:40])}</text>')
        x += 24 + 7 * min(len(name), 40)
        if x > width - 60:
            break
    return out


def _describe(groups: Sequence[str], series: Sequence[tuple[str, Sequence[Point]]]) -> str:
    parts = []
    for name, points in series:
        vals = [
            f"{g} {p[0]:.1f}% [{p[1]:.1f}, {p[2]:.1f}]" for g, p in zip(groups, points, strict=False) if p
        ]
        parts.append(f"{name}: " + "; ".join(vals))
    return ". ".join(parts)


def bar_chart(
    title: str,
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[Point]]],
    *,
    ident: str,
    ylabel: str,
) -> str:
    """Grouped bars (one group per label, one bar per series) with 95% CI whiskers."""
    width = max(_W, _L + 20 + len(groups) * (14 * max(len(series), 1) + 18)) + 60  # room for the last label
    height = _H
    body = _axis(width, height, ylabel) + _legend([s[0] for s in series], width)
    slot = (width - 60 - _L - 16) / max(len(groups), 1)
    bar = min(28.0, (slot - 10) / max(len(series), 1))
    for gi, group in enumerate(groups):
        x0 = _L + 8 + gi * slot
        for si, (_name, points) in enumerate(series):
            p = points[gi] if gi < len(points) else None
            if p is None:
                continue
            x = x0 + si * bar
            y = _y(p[0], height)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{_y(0, height) - y:.1f}" '
                f'fill="{PALETTE[si % len(PALETTE)]}"/>'
            )
            cx = x + (bar - 2) / 2
            body.append(
                f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{_y(p[1], height):.1f}" y2="{_y(p[2], height):.1f}" '
                f'stroke="#1a1a1a" stroke-width="1.5"/>'
            )
        label = group if len(group) <= 14 else group[:13] + "…"
        tx = x0 + slot / 2 - 5
        body.append(
            f'<text x="{tx:.1f}" y="{height - _B + 14}" transform="rotate(30 {tx:.1f} {height - _B + 14})">'
            f"{escape(label)}</text>"
        )
    return _frame(title, _describe(groups, series), width, height, body, ident)


def line_chart(
    title: str,
    xlabels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Point]]],
    *,
    ident: str,
    ylabel: str,
    xlabel: str,
) -> str:
    """Points joined per series over ordered bins, with 95% CI bars."""
    width, height = _W, _H
    body = _axis(width, height, ylabel) + _legend([s[0] for s in series], width)
    n = max(len(xlabels), 1)
    step = (width - _L - 30) / max(n - 1, 1) if n > 1 else 0
    xs = [_L + 15 + i * step for i in range(n)]
    for i, label in enumerate(xlabels):
        body.append(
            f'<text x="{xs[i]:.1f}" y="{height - _B + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    body.append(
        f'<text x="{(width + _L) / 2:.0f}" y="{height - 14}" text-anchor="middle">{escape(xlabel)}</text>'
    )
    for si, (_name, points) in enumerate(series):
        color = PALETTE[si % len(PALETTE)]
        shift = (si - (len(series) - 1) / 2) * 4
        path = []
        for i, p in enumerate(points):
            if p is None:
                continue
            x, y = xs[i] + shift, _y(p[0], height)
            path.append(f"{'M' if not path else 'L'}{x:.1f},{y:.1f}")
            body.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_y(p[1], height):.1f}" y2="{_y(p[2], height):.1f}" '
                f'stroke="{color}" stroke-width="1.5"/>'
            )
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>')
        if len(path) > 1:
            body.append(f'<path d="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="2"/>')
    return _frame(title, _describe(xlabels, series), width, height, body, ident)


def _cell_color(value: float) -> tuple[str, str]:
    """White → dark blue; the text is black on light cells and white on dark ones."""
    t = max(0.0, min(1.0, value / 100))
    r, g, b = (int(255 + (c - 255) * t) for c in (8, 48, 107))
    return f"#{r:02x}{g:02x}{b:02x}", ("#ffffff" if t > 0.5 else "#1a1a1a")


def heatmap(
    title: str,
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    ident: str,
) -> str:
    """A rows × cols grid of percentages, each cell labelled with its value."""
    cw, ch, left, top = 58, 24, 130, 96
    width, height = left + cw * len(cols) + 10, top + ch * len(rows) + 10
    body = []
    for j, col in enumerate(cols):
        x = left + j * cw + cw / 2
        body.append(
            f'<text x="{x:.0f}" y="{top - 6}" transform="rotate(-40 {x:.0f} {top - 6})">{escape(col)}</text>'
        )
    parts = []
    for i, row in enumerate(rows):
        y = top + i * ch
        body.append(f'<text x="{left - 6}" y="{y + 16}" text-anchor="end">{escape(row)}</text>')
        for j, value in enumerate(values[i]):
            x = left + j * cw
            if value is None:
                body.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="#f4f4f4"/>')
                continue
            fill, ink = _cell_color(value)
            body.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="{fill}"/>')
            body.append(
                f'<text x="{x + cw / 2 - 1:.0f}" y="{y + 16}" text-anchor="middle" style="fill:{ink}">{value:.0f}</text>'
            )
            parts.append(f"{row} × {cols[j]}: {value:.1f}%")
    return _frame(title, "; ".join(parts), width, height, body, ident)
