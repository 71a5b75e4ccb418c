"""The inter-firm network: workshops grouped by main process, orders between the groups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Count, IntegerField, Max, Min, Sum, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from orders.models import PairDayStat
from workshops.models import Capability

from .privacy import MIN_WORKSHOPS, shown
from .scope import OTHER_COLOUR, Scope, in_range


def main_processes(workshop_ids: Iterable[int]) -> dict[int, int]:
    """Each workshop's main process: the one it declares most weekly capacity for (then the
    first in the taxonomy). One query."""
    best: dict[int, tuple] = {}
    for shop, process, capacity, order, code in (
        Capability.objects.filter(workshop__in=workshop_ids)
        .order_by()
        .values_list(
            "workshop_id",
            "process_id",
            "capacity_hours_per_week",
            "process__sort_order",
            "process__code",
        )
    ):
        rank = (-(capacity or 0), order, code)
        if shop not in best or rank < best[shop][0]:
            best[shop] = (rank, process)
    return {shop: process for shop, (_rank, process) in best.items()}


OTHER = "other"


def network(scope: Scope, labels: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The inter-firm network over the range: workshops grouped by their main process are the
    nodes, orders accepted between them the weighted, directed edges. A group of fewer than
    MIN_WORKSHOPS workshops joins "other"; an edge is shown when at least MIN_WORKSHOPS buyers
    and MIN_WORKSHOPS suppliers make it up, the rest are counted together.

    Three queries, none returning a row per pair: the workshops that traded, their main
    processes, then the edges summed in the database with the workshops mapped to groups."""
    workshops = scope.workshops()
    traded = PairDayStat.objects.filter(
        in_range(scope), buyer__in=workshops, supplier__in=workshops
    ).order_by()
    shops = set(
        traded.values_list("buyer_id", flat=True).union(
            traded.values_list("supplier_id", flat=True)
        )
    )
    main = main_processes(shops) if shops else {}
    members: dict[Any, set[int]] = defaultdict(set)
    for shop in shops:
        members[main.get(shop, OTHER)].add(shop)
    small = sorted((g for g in members if len(members[g]) < MIN_WORKSHOPS), key=str)
    for g in small:
        if g != OTHER:
            members[OTHER] |= members.pop(g)
    while OTHER in members and len(members[OTHER]) < MIN_WORKSHOPS and len(members) > 1:
        smallest = min((g for g in members if g != OTHER), key=lambda g: len(members[g]))
        members[OTHER] |= members.pop(smallest)
    groups = sorted(members, key=str)

    def group_of(field_name: str) -> Case:
        return Case(
            *(
                When(**{f"{field_name}__in": sorted(members[g])}, then=Value(index))
                for index, g in enumerate(groups)
            ),
            output_field=IntegerField(),
        )

    edges: dict[tuple, dict[str, Any]] = {}
    if shops:
        for row in (
            traded.annotate(source=group_of("buyer_id"), target=group_of("supplier_id"))
            .values("source", "target")
            .annotate(
                orders=Sum("orders"),
                buyers=Count("buyer", distinct=True),
                suppliers=Count("supplier", distinct=True),
                buyer_low=Min("buyer"),
                buyer_high=Max("buyer"),
                supplier_low=Min("supplier"),
                supplier_high=Max("supplier"),
            )
        ):
            edges[(groups[row["source"]], groups[row["target"]])] = {
                "orders": int(row["orders"]),
                # Whom an edge of one or two buyers (suppliers) comes from: its lowest and
                # highest. Only those small sides are ever united below; a side of three or
                # more shows on its own.
                "buyers": row["buyers"],
                "suppliers": row["suppliers"],
                "buyer_ids": {row["buyer_low"], row["buyer_high"]},
                "supplier_ids": {row["supplier_low"], row["supplier_high"]},
            }

    def big_enough(edge) -> bool:
        return shown(edge["buyers"]) and shown(edge["suppliers"])

    hidden = [k for k, e in edges.items() if not big_enough(e)]
    visible = sorted((k for k in edges if k not in hidden), key=lambda k: edges[k]["orders"])

    def side_shown(side: str) -> bool:
        """Whether the hidden edges together come from at least MIN_WORKSHOPS workshops on one
        side: exact, as a side of three or more is enough alone and a smaller side is known
        in full."""
        if any(shown(edges[k][side]) for k in hidden):
            return True
        return shown(len(set().union(*(edges[k][side[:-1] + "_ids"] for k in hidden))))

    while hidden and visible:
        if side_shown("buyers") and side_shown("suppliers"):
            break
        hidden.append(visible.pop(0))

    def node_label(g) -> dict[str, Any]:
        # "id" is the stable identifier (the API's, the chart's); "key" is what a reader sees
        # beside the name: the process code, or a translated word for the folded group.
        if g == OTHER:
            return {
                "id": OTHER,
                "key": pgettext("network group of other processes", "other"),
                "name": _("Other processes"),
                "colour": OTHER_COLOUR,
            }
        code = labels[g]["code"]
        return {"id": code, "key": code, "name": labels[g]["name"], "colour": labels[g]["colour"]}

    nodes = []
    if len(shops) >= MIN_WORKSHOPS:
        for g in sorted(members, key=lambda g: (g == OTHER, labels.get(g, {}).get("order", ()))):
            nodes.append({**node_label(g), "workshops": len(members[g])})
    shown_edges = [
        {
            "source": node_label(a)["id"],
            "target": node_label(b)["id"],
            "source_key": node_label(a)["key"],
            "target_key": node_label(b)["key"],
            "orders": edges[(a, b)]["orders"],
        }
        for (a, b) in sorted(visible, key=lambda k: -edges[k]["orders"])
    ]
    other_orders = sum(edges[k]["orders"] for k in hidden)
    other_shown = bool(hidden) and side_shown("buyers") and side_shown("suppliers")
    return {
        "nodes": nodes,
        "edges": shown_edges if nodes else [],
        "other_orders": (other_orders if other_shown else None) if nodes else None,
        "suppressed": not nodes and bool(shops),
        "total_orders": sum(e["orders"] for e in edges.values()) if nodes else None,
    }
