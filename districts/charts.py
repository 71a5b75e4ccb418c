"""Server-drawn SVG charts: no chart library, readable on a tablet and on a projector.

Large type, high contrast, and every colour beside its label (never colour alone). Each chart
is drawn from the same rows as the table printed under it; values that are suppressed are
drawn as a hatched stub labelled with the suppression mark.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core import dates

FONT = 18
INK = "#111111"
MUTED = "#555555"
HATCH = (
    '<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="8" height="8" fill="#ffffff"/>'
    '<line x1="0" y1="0" x2="0" y2="8" stroke="#999999" stroke-width="3"/></pattern></defs>'
)


def fh(template: str, *args: Any) -> SafeString:
    """format_html with coordinates rounded to a tenth (format_html escapes its arguments to
    strings first, so format specs cannot round them)."""
    template = template.replace("{:.1f}", "{}").replace("{:.0f}", "{}")
    return format_html(*[template], *[round(a, 1) if isinstance(a, float) else a for a in args])


def _fmt(value: float | int | None) -> str:
    if value is None:
        return _("< 3 shops")
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _svg(width: int, height: int, title: str, body: str) -> SafeString:
    return fh(
        '<svg class="chart-svg" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'preserveAspectRatio="xMinYMin meet" font-size="{}" font-family="sans-serif">'
        "<title>{}</title>{}{}</svg>",
        width,
        height,
        title,
        FONT,
        title,
        mark_safe(HATCH),
        mark_safe(body),
    )


def bars(rows: list[dict[str, Any]], key: str, *, title: str, unit: str = "") -> SafeString:
    """Horizontal bars, one per process: name on the left, value on the bar's end."""
    if not rows:
        return SafeString("")
    width, label_w, row_h = 900, 260, 44
    values = [r[key] for r in rows if r.get(key) is not None]
    top = max(values, default=0) or 1
    parts = []
    for i, row in enumerate(rows):
        y = i * row_h + 6
        value = row.get(key)
        if value is None:
            bar = fh(
                '<rect x="{}" y="{}" width="60" height="30" fill="url(#hatch)" stroke="{}"/>',
                label_w,
                y,
                MUTED,
            )
            text_x = label_w + 70
        else:
            w = max(2, round((width - label_w - 140) * float(value) / float(top)))
            bar = fh(
                '<rect x="{}" y="{}" width="{}" height="30" fill="{}"/>',
                label_w,
                y,
                w,
                row.get("colour", "#0072B2"),
            )
            text_x = label_w + w + 10
        parts.append(
            fh(
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>{}'
                '<text x="{}" y="{}" fill="{}" font-weight="bold">{}{}</text>',
                label_w - 12,
                y + 22,
                INK,
                row.get("name", ""),
                bar,
                text_x,
                y + 22,
                INK,
                _fmt(value),
                unit if value is not None else "",
            )
        )
    return _svg(width, len(rows) * row_h + 10, title, "".join(parts))


def weekly(series: dict[str, Any], *, title: str) -> SafeString:
    """Stacked columns: steps done per week, one colour per process, "other" hatched."""
    weeks = series["weeks"]
    if not weeks:
        return SafeString("")
    colours = {entry["code"]: entry["colour"] for entry in series["legend"]}
    width, height, left, bottom = 900, 380, 60, 60
    plot_h = height - bottom - 20
    top = max((w["total"] or 0 for w in weeks), default=0) or 1
    step = (width - left - 10) / len(weeks)
    col_w = max(6, min(60, step * 0.7))
    parts = [
        fh(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            left,
            height - bottom,
            width - 5,
            height - bottom,
            INK,
        ),
        fh(
            '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
            left - 6,
            26,
            MUTED,
            _fmt(top),
        ),
    ]
    label_every = max(1, math.ceil(len(weeks) / 10))
    for i, week in enumerate(weeks):
        x = left + i * step + (step - col_w) / 2
        y = height - bottom
        stack = [(s["done"], colours.get(s["process"], "#888888")) for s in week["segments"]]
        if week["other"]:
            stack.append((week["other"], "url(#hatch)"))
        for value, fill in stack:
            h = plot_h * value / top
            y -= h
            parts.append(
                fh(
                    '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}" '
                    'stroke="#ffffff"/>',
                    x,
                    y,
                    col_w,
                    h,
                    fill,
                )
            )
        if week["suppressed"]:
            parts.append(
                fh(
                    '<text x="{:.1f}" y="{}" text-anchor="middle" fill="{}">—</text>',
                    x + col_w / 2,
                    height - bottom - 6,
                    MUTED,
                )
            )
        if i % label_every == 0:
            parts.append(
                fh(
                    '<text x="{:.1f}" y="{}" text-anchor="middle" fill="{}">{}</text>',
                    x + col_w / 2,
                    height - bottom + 24,
                    INK,
                    dates.short_day(week["week"]),
                )
            )
    legend_x = left
    for entry in [
        *series["legend"],
        {"name": _("Other (fewer than 3 shops each)"), "colour": "url(#hatch)"},
    ]:
        parts.append(
            fh(
                '<rect x="{}" y="{}" width="18" height="18" fill="{}" stroke="{}"/>'
                '<text x="{}" y="{}" fill="{}">{}</text>',
                legend_x,
                height - 22,
                entry["colour"],
                MUTED,
                legend_x + 24,
                height - 6,
                INK,
                entry["name"],
            )
        )
        legend_x += 24 + 16 * len(entry["name"]) + 30
    return _svg(width, height, title, "".join(parts))


def network(graph: dict[str, Any], *, title: str) -> SafeString:
    """Groups of workshops on a circle, sized by their number; orders as arrows whose width
    grows with the count, each labelled with it."""
    nodes = graph["nodes"]
    if not nodes:
        return SafeString("")
    width, height = 900, 620
    cx, cy, radius = width / 2, height / 2, min(width, height) / 2 - 110
    biggest = max(n["workshops"] for n in nodes) or 1
    place = {}
    for i, node in enumerate(nodes):
        angle = 2 * math.pi * i / len(nodes) - math.pi / 2
        r = 18 + 32 * math.sqrt(node["workshops"] / biggest)
        x = cx + (radius * math.cos(angle) if len(nodes) > 1 else 0)
        y = cy + (radius * math.sin(angle) if len(nodes) > 1 else 0)
        place[node["id"]] = (x, y, r)
    heaviest = max((e["orders"] for e in graph["edges"]), default=1) or 1
    parts = [
        mark_safe(
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
            'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            'fill="#333333"/></marker></defs>'
        )
    ]
    for edge in graph["edges"]:
        x1, y1, r1 = place[edge["source"]]
        x2, y2, r2 = place[edge["target"]]
        stroke = 2 + 10 * edge["orders"] / heaviest
        if edge["source"] == edge["target"]:
            parts.append(
                fh(
                    '<path d="M{:.0f},{:.0f} c-60,-90 60,-90 0,0" fill="none" stroke="#333333" '
                    'stroke-opacity="0.6" stroke-width="{:.1f}"/>'
                    '<text x="{:.0f}" y="{:.0f}" text-anchor="middle" fill="{}" '
                    'font-weight="bold">{}</text>',
                    x1,
                    y1 - r1,
                    stroke,
                    x1,
                    y1 - r1 - 74,
                    INK,
                    _fmt(edge["orders"]),
                )
            )
            continue
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1
        sx, sy = x1 + dx / length * r1, y1 + dy / length * r1
        ex, ey = x2 - dx / length * (r2 + 6), y2 - dy / length * (r2 + 6)
        # Offset both directions of a pair sideways so that they do not overlap.
        ox, oy = -dy / length * 8, dx / length * 8
        parts.append(
            fh(
                '<line x1="{:.0f}" y1="{:.0f}" x2="{:.0f}" y2="{:.0f}" stroke="#333333" '
                'stroke-opacity="0.6" stroke-width="{:.1f}" marker-end="url(#arrow)"/>'
                '<text x="{:.0f}" y="{:.0f}" text-anchor="middle" fill="{}" font-weight="bold" '
                'paint-order="stroke" stroke="#ffffff" stroke-width="4">{}</text>',
                sx + ox,
                sy + oy,
                ex + ox,
                ey + oy,
                stroke,
                (sx + ex) / 2 + ox * 2,
                (sy + ey) / 2 + oy * 2,
                INK,
                _fmt(edge["orders"]),
            )
        )
    for node in nodes:
        x, y, r = place[node["id"]]
        parts.append(
            fh(
                '<circle cx="{:.0f}" cy="{:.0f}" r="{:.0f}" fill="{}" stroke="{}" '
                'stroke-width="2"/><text x="{:.0f}" y="{:.0f}" text-anchor="middle" fill="{}" '
                'font-weight="bold" paint-order="stroke" stroke="#ffffff" stroke-width="5">{}'
                '</text><text x="{:.0f}" y="{:.0f}" text-anchor="middle" fill="{}" '
                'paint-order="stroke" stroke="#ffffff" stroke-width="5">{}</text>',
                x,
                y,
                r,
                node["colour"],
                INK,
                x,
                y + r + 24,
                INK,
                node["name"],
                x,
                y + r + 46,
                MUTED,
                _("%(n)s shops") % {"n": node["workshops"]},
            )
        )
    return _svg(width, height, title, "".join(str(p) for p in parts))


def trend(target: dict[str, Any], *, title: str) -> SafeString:
    """A target's monthly values as a line, with the straight path to the target dashed."""
    series = target["series"]
    width, height, left, bottom = 600, 220, 60, 36
    plot_w, plot_h = width - left - 20, height - bottom - 16
    top = max([target["target"], *(p["value"] for p in series)]) or 1
    parts = [
        fh(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            left,
            height - bottom,
            width - 10,
            height - bottom,
            INK,
        ),
        fh(
            '<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="{}" stroke-dasharray="8 6" '
            'stroke-width="2"/><text x="{}" y="{:.1f}" text-anchor="end" fill="{}">{}</text>',
            left,
            height - bottom,
            width - 20,
            height - bottom - plot_h * target["target"] / top,
            MUTED,
            left - 6,
            height - bottom - plot_h * target["target"] / top + 6,
            MUTED,
            _fmt(target["target"]),
        ),
    ]
    if series:
        months = max(len(series) - 1, 1)
        points = " ".join(
            f"{left + plot_w * i / months:.1f},{height - bottom - plot_h * p['value'] / top:.1f}"
            for i, p in enumerate(series)
        )
        parts.append(
            fh('<polyline points="{}" fill="none" stroke="#0072B2" stroke-width="4"/>', points)
        )
        parts.append(
            format_html_join(
                "",
                '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
                (
                    (
                        round(left + plot_w * i / months, 1),
                        height - 10,
                        INK,
                        dates.month(p["month"]),
                    )
                    for i, p in enumerate(series)
                    if i in (0, len(series) - 1)
                ),
            )
        )
    return _svg(width, height, title, "".join(str(p) for p in parts))
