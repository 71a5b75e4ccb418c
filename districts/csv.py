"""CSV downloads of the tables behind the charts: UTF-8 with a byte-order mark, so that Excel
opens Japanese text correctly, and CRLF line ends. Suppressed cells are written as the mark
the page shows, never as a number."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

BOM = "\ufeff"


def _cell(value: Any) -> Any:
    return _("< 3 shops") if value is None else value


def to_csv(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    result = HttpResponse(to_csv(header, rows), content_type="text/csv; charset=utf-8")
    result["Content-Disposition"] = f'attachment; filename="{filename}"'
    return result


def _process_rows(rows, keys):
    return ([r["process"], r["name"], *[r[k] for k in keys]] for r in rows)


def tables(data: dict[str, Any]) -> dict[str, Callable[[], tuple[list[str], Iterable]]]:
    """Every table of the district dashboard: name → (header, rows). `data` needs only the
    sections of the tables that are read."""
    p = data.get("processes", {})
    summary = data.get("summary", {})
    return {
        "summary": lambda: (
            [_("Measure"), _("Value")],
            [
                [_("Workshops in scope"), summary["workshops"]],
                [_("Participating workshops (last 90 days)"), summary["participating"]],
                [_("Shops invited from outside shopnet"), summary["outside_invited"]],
                [_("Invited shops that joined shopnet"), summary["outside_joined"]],
                [_("Steps done"), summary["steps_done"]],
                [_("Good parts"), summary["good_qty"]],
                [_("Jobs completed"), summary["jobs_completed"]],
                [_("Joint orders"), summary["joint_orders"]],
                [_("Matches on the open board"), summary["matches"]],
                [_("Orders delivered"), summary["orders_delivered"]],
                [_("On-time delivery (%)"), summary["on_time_percent"]],
                [_("Job lead time, median (h)"), summary["job_lead_median_hours"]],
                [_("Job lead time, 90th percentile (h)"), summary["job_lead_p90_hours"]],
            ],
        ),
        "weekly": lambda: (
            [_("Week from"), _("Process"), _("Steps done")],
            [
                row
                for week in data["weekly"]["weeks"]
                for row in (
                    [[week["week"], s["process"], s["done"]] for s in week["segments"]]
                    + (
                        [[week["week"], _("Other"), week["other"]]]
                        if week["other"] is not None
                        else []
                    )
                    + [[week["week"], _("Total"), week["total"]]]
                )
            ],
        ),
        "throughput": lambda: (
            [_("Process code"), _("Process"), _("Steps done"), _("Good"), _("Scrap")],
            _process_rows(p["throughput"], ["steps_done", "good_qty", "scrap_qty"]),
        ),
        "lead_times": lambda: (
            [
                _("Process code"),
                _("Process"),
                _("Median (h)"),
                _("90th percentile (h)"),
                _("Steps"),
            ],
            _process_rows(p["lead_times"], ["median_hours", "p90_hours", "steps"]),
        ),
        "wip": lambda: (
            [_("Process code"), _("Process"), _("In progress"), _("Waiting (ready)")],
            _process_rows(p["wip"], ["wip", "queue"]),
        ),
        "capacity": lambda: (
            [
                _("Process code"),
                _("Process"),
                _("Declared capacity (h)"),
                _("Committed (h)"),
                _("Load (%)"),
            ],
            _process_rows(p["capacity"], ["capacity_hours", "committed_hours", "load_percent"]),
        ),
        "network": lambda: (
            [_("From (buyers)"), _("To (suppliers)"), _("Orders")],
            [[e["source_key"], e["target_key"], e["orders"]] for e in data["network"]["edges"]]
            + (
                [[_("Other links"), "", data["network"]["other_orders"]]]
                if data["network"]["other_orders"]
                else []
            ),
        ),
        "targets": lambda: (
            [
                _("Measure"),
                _("Target"),
                pgettext("date range", "From"),
                pgettext("date range", "By"),
                _("Now"),
                _("Progress (%)"),
            ],
            [
                [t["label"], t["target"], t["starts_on"], t["ends_on"], t["value"], t["percent"]]
                for t in data["targets"]
            ],
        ),
    }
