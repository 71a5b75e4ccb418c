"""The inter-firm network is grouped in the database; this checks it against the plain
reading of its definition (every buyer–supplier pair brought into Python and grouped there) on
many random districts, including the edge cases of suppression: groups of one or two shops,
edges from one or two buyers or suppliers, and hidden edges that only together reach three."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

import pytest
from django.db.models import Sum

from districts.metrics.network import OTHER, main_processes, network
from districts.metrics.privacy import MIN_WORKSHOPS, shown
from districts.metrics.scope import Scope, process_labels
from orders.models import PairDayStat
from tests.conftest import add_capability
from workshops.models import District
from workshops.services import workshop_create

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
PROCESSES = ["L", "M", "G", "ASM", "INS"]


def reference(scope: Scope) -> dict[str, Any]:
    """The network by its definition, pair by pair in Python."""
    workshops = scope.workshops()
    pairs = list(
        PairDayStat.objects.filter(
            day__gte=scope.start, day__lte=scope.end, buyer__in=workshops, supplier__in=workshops
        )
        .order_by()
        .values_list("buyer_id", "supplier_id")
        .annotate(orders=Sum("orders"))
    )
    shops = {b for b, _s, _n in pairs} | {s for _b, s, _n in pairs}
    main = main_processes(shops) if shops else {}
    members: dict[Any, set[int]] = defaultdict(set)
    for shop in shops:
        members[main.get(shop, OTHER)].add(shop)
    for g in sorted((g for g in members if len(members[g]) < MIN_WORKSHOPS), key=str):
        if g != OTHER:
            members[OTHER] |= members.pop(g)
    while OTHER in members and len(members[OTHER]) < MIN_WORKSHOPS and len(members) > 1:
        smallest = min((g for g in members if g != OTHER), key=lambda g: len(members[g]))
        members[OTHER] |= members.pop(smallest)
    group_of = {shop: g for g, group in members.items() for shop in group}
    edges: dict[tuple, dict[str, Any]] = {}
    for buyer, supplier, orders in pairs:
        key = (group_of[buyer], group_of[supplier])
        edge = edges.setdefault(key, {"orders": 0, "buyers": set(), "suppliers": set()})
        edge["orders"] += orders
        edge["buyers"].add(buyer)
        edge["suppliers"].add(supplier)

    def big(edge) -> bool:
        return shown(len(edge["buyers"])) and shown(len(edge["suppliers"]))

    hidden = [k for k, e in edges.items() if not big(e)]
    visible = sorted((k for k in edges if k not in hidden), key=lambda k: edges[k]["orders"])

    def hidden_shown() -> bool:
        buyers = set().union(*(edges[k]["buyers"] for k in hidden))
        suppliers = set().union(*(edges[k]["suppliers"] for k in hidden))
        return shown(len(buyers)) and shown(len(suppliers))

    while hidden and visible and not hidden_shown():
        hidden.append(visible.pop(0))
    codes = {pk: label["code"] for pk, label in process_labels().items()}
    name = {g: (OTHER if g == OTHER else codes[g]) for g in members}
    nodes = {name[g]: len(group) for g, group in members.items()} if len(shops) >= 3 else {}
    return {
        "nodes": nodes,
        "edges": {(name[a], name[b]): edges[(a, b)]["orders"] for a, b in visible} if nodes else {},
        "other_orders": (sum(edges[k]["orders"] for k in hidden) if hidden_shown() else None)
        if nodes and hidden
        else None,
        "total_orders": sum(n for _b, _s, n in pairs) if nodes else None,
    }


def as_compared(network: dict[str, Any]) -> dict[str, Any]:
    return {
        "nodes": {n["id"]: n["workshops"] for n in network["nodes"]},
        "edges": {(e["source"], e["target"]): e["orders"] for e in network["edges"]},
        "other_orders": network["other_orders"],
        "total_orders": network["total_orders"],
    }


@pytest.fixture
def district():
    made = District.objects.create(slug="random", name_ja="乱数", name_en="Random")
    rng = random.Random(11)
    for i in range(14):
        shop = workshop_create(actor=None, name=f"工場{i}", districts=[made])
        for code in rng.sample(PROCESSES, rng.randint(0, 2)):
            add_capability(shop, code, capacity_hours_per_week=rng.choice([None, 10, 40]))
    return made


@pytest.mark.parametrize("seed", range(12))
def test_the_network_grouped_in_the_database_matches_its_definition(district, seed):
    rng = random.Random(seed)
    shops = list(district.workshops.values_list("pk", flat=True))
    active = rng.sample(shops, rng.randint(2, len(shops)))
    rows = {}
    for _ in range(rng.choice([2, 5, 12, 40])):
        buyer, supplier = rng.sample(active, 2)
        day = START + dt.timedelta(days=rng.randint(-3, 33))  # some outside the range
        rows[(day, buyer, supplier)] = rng.randint(1, 4)
    PairDayStat.objects.bulk_create(
        PairDayStat(day=d, buyer_id=b, supplier_id=s, orders=n) for (d, b, s), n in rows.items()
    )
    scope = Scope(district, START, END)
    got = network(scope, process_labels())
    assert as_compared(got) == reference(scope)
    # Nothing describes one or two shops: every node and every shown edge has three or more.
    assert all(n["workshops"] >= MIN_WORKSHOPS for n in got["nodes"])
