"""Aggregates over aggregates, for figures that count distinct workshops.

`COUNT(DISTINCT workshop)` over a year of daily rollups sorts every row. Grouping first by the
workshop (a hash aggregate down to one row per workshop and key) and then counting those rows
gives the same number without the sort. Django cannot aggregate over a grouped queryset, so
the inner queryset is built with the ORM (filters, scope, lookups) and wrapped here in plain,
portable SQL (PostgreSQL and SQLite).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

INNER = "{inner}"


def over(inner: QuerySet, outer: str) -> list[tuple[Any, ...]]:
    """Run `outer`, in which `{inner}` stands for the grouped queryset's SQL, as one query.

    The inner queryset names its columns with `.values(alias=...)` and `.annotate(alias=...)`,
    so the outer SQL can refer to them."""
    sql, params = inner.query.sql_with_params()
    if outer.count(INNER) != 1:
        raise ValueError("The outer SQL must hold {inner} exactly once.")
    with connection.cursor() as cursor:
        cursor.execute(outer.replace(INNER, f"({sql})"), params)
        return cursor.fetchall()
