"""Route suggestions on a small hand-made district where the right answer is known."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from board import services as board_services
from board.selectors import offer_comparison, route_suggestions
from orders.services.jobs import job_create, step_add
from tests.conftest import add_capability, make_user, make_workshop
from tests.orders.conftest import add, in_days, post_job
from workshops.models import District, Material, Process, Workshop


def grinder(name, *, lat, lng, district, materials=("SUS304",), rating=None, capacity=40, lead=5):
    owner = make_user(f"{name}-owner")
    shop = make_workshop(name, owner=owner, lat=lat, lng=lng, districts=[district])
    add_capability(
        shop, "G", materials=materials, capacity_hours_per_week=capacity, lead_time_days=lead
    )
    if rating is not None:
        Workshop.objects.filter(pk=shop.pk).update(rating_average=Decimal(rating), rating_count=5)
        shop.refresh_from_db()
    return shop


@pytest.fixture
def district_map(chain, district):
    """The hub sits at (35.560, 139.720). Its job: turning → grinding → assembly, all its own,
    so the parts of the grinding come from the hub and go back to it."""
    chain.hub.districts.add(district)
    elsewhere = District.objects.create(slug="far", name_ja="遠方", name_en="Far")
    shops = {
        # 0.3 km away, well rated, idle: the answer.
        "near": grinder("近所研削", lat=35.5627, lng=139.7200, district=district, rating="4.5"),
        # As near and as good, but booked at 150% of a small capacity.
        "busy": grinder(
            "多忙研削", lat=35.5636, lng=139.7200, district=district, rating="4.5", capacity=10
        ),
        # Best rated, but 10 km away.
        "far": grinder("遠方研削", lat=35.6500, lng=139.7200, district=district, rating="4.8"),
        # Near, but grinds only carbon steel: never suggested for SUS304.
        "s45c": grinder(
            "炭素鋼研削", lat=35.5610, lng=139.7200, district=district, materials=("S45C",)
        ),
        # Near, but not in the hub's district.
        "outside": grinder("隣町研削", lat=35.5615, lng=139.7200, district=elsewhere, rating="5"),
    }
    # The busy shop's own job: 60 hours of grinding due within the four weeks.
    busy = shops["busy"]
    own = job_create(
        workshop=busy,
        actor=busy.memberships.get().user,
        data={"part_name": "自社品", "quantity": 10, "due_date": in_days(14)},
    )
    step_add(
        job=own,
        actor=busy.memberships.get().user,
        process=Process.objects.get(code="G"),
        planned_hours=60,
    )
    job = post_job(chain, material=Material.objects.get(code="SUS304"), quantity=50)
    turn = add(job, chain, "L", 6)
    grind = add(job, chain, "G", 3, after=[turn])
    add(job, chain, "ASM", 2, after=[grind])
    return {"job": job, "grind": grind, "turn": turn, **shops}


def suggestions_for(job, step):
    return dict((s.pk, ranked) for s, ranked in route_suggestions(job))[step.pk]


def test_it_ranks_the_near_idle_well_rated_shop_first(chain, district_map):
    ranked = suggestions_for(district_map["job"], district_map["grind"])
    names = [s.workshop.name for s in ranked]
    # The turner (田中旋盤) grinds SUS304 too but is in no district with the hub.
    assert names == ["近所研削", "多忙研削", "遠方研削"]
    near, busy, far = ranked
    assert near.load_percent == 0 and busy.load_percent == 150
    assert round(near.distance_km, 1) == 0.6  # there and back to the hub
    assert round(far.distance_km) == 20
    assert near.score > busy.score > far.score
    # One line that says why, in the user's words.
    assert "0.6 km" in near.explanation and "4.5" in near.explanation
    assert "150%" in busy.explanation


def test_it_never_suggests_a_shop_the_board_would_not_invite(chain, district_map):
    ranked = suggestions_for(district_map["job"], district_map["grind"])
    suggested = {s.workshop.pk for s in ranked}
    assert district_map["s45c"].pk not in suggested
    assert district_map["outside"].pk not in suggested
    assert chain.hub.pk not in suggested


def test_routed_and_posted_steps_get_no_suggestions(chain, district_map):
    from django.utils import timezone

    job = district_map["job"]
    board_services.posting_create(
        job=job,
        actor=chain.hub_owner,
        steps=[district_map["grind"]],
        districts=list(chain.hub.districts.all()),
        answer_by=timezone.now() + timezone.timedelta(days=1),
    )
    steps = [s for s, _ in route_suggestions(job)]
    assert district_map["grind"] not in steps
    assert district_map["turn"] in steps


def test_suggestion_queries_do_not_grow_with_the_candidates(chain, district_map, district):
    from orders.models import Job

    def queries():
        job = Job.objects.select_related("owner", "material").get(pk=district_map["job"].pk)
        with CaptureQueriesContext(connection) as captured:
            result = route_suggestions(job)
        return len(captured), dict((s.pk, r) for s, r in result)

    # The unrouted steps; the hub's districts; capable shops for each of the three processes
    # (turning, grinding, assembly); their capabilities and those capabilities' materials; the
    # links around the steps and the steps at their ends; the committed steps and the declared
    # capacities (the load).
    few, _ = queries()
    assert few == 11
    for n in range(6):
        grinder(f"追加研削{n}", lat=35.57 + n / 1000, lng=139.72, district=district, rating="4")
    many, result = queries()
    assert len(result[district_map["grind"].pk]) == 5
    assert many == few


def test_the_offer_comparison_is_constant_in_the_number_of_offers(chain, district_map, district):
    from django.utils import timezone

    job = district_map["job"]
    posting = board_services.posting_create(
        job=job,
        actor=chain.hub_owner,
        steps=[district_map["grind"]],
        districts=[district],
        answer_by=timezone.now() + timezone.timedelta(days=1),
    )

    def offer(shop, price):
        return board_services.offer_submit(
            posting=posting,
            workshop=shop,
            actor=shop.memberships.get().user,
            price=price,
            promised_date=in_days(10),
            valid_until=in_days(10),
        )

    offer(district_map["near"], 30000)
    with CaptureQueriesContext(connection) as one:
        offer_comparison(posting)
    offer(district_map["busy"], 20000)
    offer(district_map["far"], 25000)
    with CaptureQueriesContext(connection) as three:
        rows = offer_comparison(posting)
    assert len(three) == len(one)
    assert [r["workshop"].name for r in rows] == ["多忙研削", "遠方研削", "近所研削"]
    assert rows[0]["load_percent"] == 150
    assert round(rows[2]["distance_km"], 1) == 0.6
