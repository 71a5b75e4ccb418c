"""The whole dashboard, section by section (`SECTIONS`), as the page, the API, the CSV and the
cache ask for it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .network import network
from .privacy import MIN_WORKSHOPS
from .processes import process_table, step_totals
from .scope import Scope, process_labels
from .summary import summary
from .targets import targets_progress
from .weekly import weekly_throughput

SECTIONS = ("summary", "weekly", "processes", "network", "targets")


def dashboard_header(scope: Scope) -> dict[str, Any]:
    """What the figures are for: the range and the filters (no query)."""
    return {
        "range": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "filters": {
            "process": scope.process.code if scope.process else None,
            "area": scope.area or None,
            "size": scope.size or None,
        },
        "min_workshops": MIN_WORKSHOPS,
    }


def district_dashboard(
    scope: Scope,
    sections: Iterable[str] = SECTIONS,
    on_section: Callable[[str, Any], None] | None = None,
) -> dict[str, Any]:
    """The figures of the district dashboard, or of some of its sections (a CSV download
    needs one). `on_section(name, figures)` is called as each section is done."""
    sections = [name for name in SECTIONS if name in set(sections)]
    labels = process_labels() if {"weekly", "processes", "network"} & set(sections) else {}
    steps = step_totals(scope) if {"summary", "processes"} & set(sections) else None
    build = {
        "summary": lambda: summary(scope, steps),
        "weekly": lambda: weekly_throughput(scope, labels),
        "processes": lambda: process_table(scope, labels, steps),
        "network": lambda: network(scope, labels),
        "targets": lambda: targets_progress(scope.district, today=scope.today),
    }
    result = dashboard_header(scope)
    for name in sections:
        result[name] = build[name]()
        if on_section is not None:
            on_section(name, result[name])
    return result
