"""Inline SVG charts for the HTML reports: no JavaScript, nothing fetched, readable without a network."""

from __future__ import annotations

import math
from datetime import date
from html import escape

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 760, 260, 64, 16, 14, 30
BLUE, BAND, ORANGE, RED, GREY = "#1f5fbf", "#cfe0fa", "#e07b00", "#c62828", "#d0d4da"


def short_money(v: float) -> str:
    """``$1.2k``, ``$950``, ``$3.4M`` for axis labels."""
    a = abs(v)
    if a >= 1e6:
        return f"${v / 1e6:.1f}M"
    if a >= 1e3:
        return f"${v / 1e3:.1f}k"
    return f"${v:.0f}"


def nice_step(raw: float) -> float:
    """The smallest round step (1, 1.5, 2, 2.5, 3, 4, 5, 7.5 x 10^k) at or above ``raw``, for axis ticks."""
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * power for m in (1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10) if m * power >= raw)


def trend_chart(
    daily: list[tuple[date, float]],
    forecast: list[tuple[date, float, float, float]],
    anomalies: list[tuple[date, str]],
    title: str,
) -> str:
    """Daily cost (line), forecast (dashed) with its 80% band, anomalies as red dots with a tooltip."""
    days = [d for d, _ in daily] + [d for d, *_ in forecast]
    if not days:
        empty = '<text x="8" y="24">No data</text>'
        return f'<svg role="img" aria-label="{escape(title)}" width="{WIDTH}" height="40">{empty}</svg>'
    d0, d1 = min(days), max(days)
    span = max((d1 - d0).days, 1)
    bottom = min([0.0] + [v for _, v in daily] + [lo for _, _, lo, _ in forecast])
    step = nice_step((max([v for _, v in daily] + [hi for *_, hi in forecast] + [1.0]) * 1.12 - bottom) / 4)
    bottom = math.floor(bottom / step) * step
    top = bottom + 4 * step
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(d: date) -> float:
        return round(LEFT + pw * (d - d0).days / span, 1)

    def y(v: float) -> float:
        return round(TOP + ph * (1 - (v - bottom) / ((top - bottom) or 1)), 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" style="max-width:{WIDTH}px">',
             f"<title>{escape(title)}</title>"]  # fmt: skip
    for i in range(5):
        v = bottom + (top - bottom) * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v)}" y2="{y(v)}" stroke="{GREY}" stroke-width="0.6"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(v) + 4}" font-size="11" text-anchor="end" fill="#555">{short_money(v)}</text>'
        )
    for d in sorted({dd.replace(day=1) for dd in days if dd.replace(day=1) >= d0}):
        parts.append(
            f'<line x1="{x(d)}" x2="{x(d)}" y1="{TOP}" y2="{TOP + ph}" stroke="{GREY}" stroke-dasharray="2,3"/>'
        )
        parts.append(f'<text x="{x(d) + 3}" y="{HEIGHT - 10}" font-size="11" fill="#555">{d.strftime("%b %Y")}</text>')
    if forecast:
        upper = " ".join(f"{x(d)},{y(hi)}" for d, _, _, hi in forecast)
        lower = " ".join(f"{x(d)},{y(lo)}" for d, _, lo, _ in reversed(forecast))
        parts.append(
            f'<polygon points="{upper} {lower}" fill="{BAND}" stroke="none"><title>80% forecast band</title></polygon>'
        )
        line = " ".join(f"{x(d)},{y(v)}" for d, v, _, _ in forecast)
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{ORANGE}" stroke-width="2" stroke-dasharray="5,4"/>'
        )
    if daily:
        line = " ".join(f"{x(d)},{y(v)}" for d, v in daily)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
    values = dict(daily)
    for d, label in anomalies:
        if d in values:
            parts.append(
                f'<circle cx="{x(d)}" cy="{y(values[d])}" r="5" fill="{RED}"><title>{escape(label)}</title></circle>'
            )
    parts.append(_legend([(BLUE, "daily cost"), (ORANGE, "forecast"), (BAND, "80% band"), (RED, "anomaly")]))
    parts.append("</svg>")
    return "".join(parts)


def _legend(entries: list[tuple[str, str]]) -> str:
    out, x0 = [], LEFT + 8
    for color, label in entries:
        out.append(f'<rect x="{x0}" y="{TOP + 2}" width="12" height="8" fill="{color}"/>')
        out.append(f'<text x="{x0 + 16}" y="{TOP + 10}" font-size="11" fill="#333">{escape(label)}</text>')
        x0 += 24 + 7 * len(label)
    return "".join(out)


def bar_chart(pairs: list[tuple[str, float]], title: str) -> str:
    """Horizontal bars, largest first, with the amount at the end of each bar."""
    if not pairs:
        return ""
    row, label_w, value_w = 24, 190, 90
    height = row * len(pairs) + 8
    top = max(max(abs(v) for _, v in pairs), 1e-9)
    bar_w = WIDTH - label_w - value_w
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" style="max-width:{WIDTH}px">',
             f"<title>{escape(title)}</title>"]  # fmt: skip
    for i, (name, v) in enumerate(pairs):
        y0 = 4 + i * row
        w = round(bar_w * abs(v) / top, 1)
        label = name if len(name) <= 28 else name[:27] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y0 + 15}" font-size="12" text-anchor="end" fill="#222">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y0 + 3}" width="{w}" height="16" fill="{BLUE if v >= 0 else RED}" rx="2"/>'
        )
        parts.append(f'<text x="{label_w + w + 6}" y="{y0 + 15}" font-size="12" fill="#222">${v:,.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)
