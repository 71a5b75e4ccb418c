"""The k-anonymity rule of every figure: a cell drawn from fewer than MIN_WORKSHOPS workshops
is suppressed, and enough further cells with it that a total minus the cells shown never
describes one or two workshops (docs/DASHBOARD.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MIN_WORKSHOPS = 3


def shown(n: int | None) -> bool:
    return bool(n) and n >= MIN_WORKSHOPS


def suppress(rows: list[dict[str, Any]], value_keys: Iterable[str]) -> list[dict[str, Any]]:
    """Blank every row drawn from fewer than MIN_WORKSHOPS workshops; then, while the blanked
    rows together come from fewer than MIN_WORKSHOPS, blank the smallest shown row too, so
    that a total minus the rows shown never describes one or two workshops."""
    value_keys = list(value_keys)
    hidden = [r for r in rows if not shown(r["workshops"])]
    visible = sorted((r for r in rows if shown(r["workshops"])), key=lambda r: r["workshops"])
    while hidden and visible and sum(r["workshops"] or 0 for r in hidden) < MIN_WORKSHOPS:
        hidden.append(visible.pop(0))
    for row in hidden:
        row["suppressed"] = True
        row["workshops"] = None
        for key in value_keys:
            row[key] = None
    for row in visible:
        row["suppressed"] = False
    return rows


def total(rows: list[dict[str, Any]], key: str, workshops: int) -> int | None:
    """The sum of a column over every row (suppressed ones included), when the whole table
    describes at least MIN_WORKSHOPS workshops."""
    if not shown(workshops):
        return None
    return sum(r["_" + key] for r in rows)


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its private totals (the unsuppressed values kept for sums)."""
    return {k: v for k, v in row.items() if not k.startswith("_")}
