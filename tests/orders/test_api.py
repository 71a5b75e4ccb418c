"""The orders JSON API under /api/v1/: jobs, steps, events, hand-offs, orders and documents."""

from __future__ import annotations

import io
import itertools
import re

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from core.models import IdempotencyKey
from orders.api import views as orders_api
from orders.models import (
    HandOff,
    HandOffStatus,
    Job,
    Order,
    OrderDocument,
    OrderStatus,
    ProgressEvent,
    Step,
    StepStatus,
)
from orders.services.handoffs import handoff_receive, handoff_ship
from orders.services.progress import (
    step_done,
    step_hold,
    step_resume,
    step_start,
)
from orders.services.routing import order_accept, order_change_terms, order_decline, order_request
from shopnet import api_urls
from tests.conftest import client_for
from tests.orders.conftest import add, in_days, post_job, refreshed, terms

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/jobs/"
ORDERS = "/api/v1/orders/"


def _token_client(user) -> Client:
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def _english(user) -> Client:
    client = client_for(user)
    client.cookies["shopnet_language"] = "en"
    return client


def _post(client: Client, url: str, data: dict | None = None, *, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def job_url(job) -> str:
    return f"{JOBS}{job.uuid}/"


def events_url(job, after=None) -> str:
    return f"{JOBS}{job.uuid}/events" + ("" if after is None else f"?after={after}")


def step_url(step, action: str) -> str:
    return f"/api/v1/steps/{step.uuid}/{action}/"


def order_url(order, action: str = "") -> str:
    return f"{ORDERS}{order.uuid}/" + (f"{action}/" if action else "")


def handoff_url(handoff) -> str:
    return f"/api/v1/handoffs/{handoff.uuid}/receive/"


def _snapshot() -> tuple:
    """Everything a write could touch, to assert that a refused write touched nothing."""
    return (
        ProgressEvent.objects.count(),
        IdempotencyKey.objects.count(),
        HandOff.objects.count(),
        OrderDocument.objects.count(),
        sorted(Step.objects.values_list("pk", "status", "good_qty", "scrap_qty", "started_at")),
        sorted(Order.objects.values_list("pk", "status", "decided_at")),
        sorted(HandOff.objects.values_list("pk", "status", "quantity_received")),
    )


def _done(step, user, good=100, scrap=0):
    step_start(step=step, actor=user)
    return step_done(step=step, actor=user, good=good, scrap=scrap)


@pytest.fixture
def shipped(chain, routed_job):
    """Turning done at the turner and 100 parts shipped to the grinder."""
    job, steps, orders = routed_job
    _done(steps["L"], chain.turner_floor, good=100)
    handoff = handoff_ship(step=steps["L"], actor=chain.turner_floor, quantity=100)
    return job, steps, orders, handoff


@pytest.fixture
def requested(chain):
    """A new job whose plating step the hub has asked the plater to do (not yet answered)."""
    job = post_job(chain, part_name="ブラケット", drawing_number="MR-2002")
    plate = add(job, chain, "PLT", 2)
    order = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.plater,
        steps=[plate],
        terms=terms(price=8000),
    )
    return job, plate, order


# --- jobs: list ---------------------------------------------------------------------------------


def _list(user, params=None) -> list[dict]:
    response = client_for(user).get(JOBS, params or {})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_it_lists_a_job_to_every_party_and_to_nobody_else(chain, routed_job):
    job, _steps, _orders = routed_job
    parties = [
        chain.hub_owner,
        chain.hub_floor,
        chain.turner_owner,
        chain.turner_floor,
        chain.grinder_owner,
        chain.grinder_floor,
        chain.plater_owner,
    ]

    for user in parties:
        assert [row["id"] for row in _list(user)] == [str(job.uuid)], user
    assert _list(chain.staff) == []
    assert _list(chain.stranger_owner) == []


def test_it_gives_the_job_header_in_the_list_and_the_customer_only_to_the_hubs_managers(
    chain, routed_job
):
    job, _steps, _orders = routed_job

    [row] = _list(chain.hub_owner)
    assert row["customer_name"] == "株式会社 秘密顧客"
    assert row["part_name"] == "シャフト"
    assert row["drawing_number"] == "MR-1001"
    assert row["owner"] == {
        "id": str(chain.hub.uuid),
        "name": "丸山製作所",
        "display_name": "丸山製作所",
    }
    assert row["quantity"] == 100
    assert row["due_date"] == in_days(30).isoformat()
    assert row["status"] == "open"
    assert row["last_seq"] == refreshed(job).last_seq
    for user in (chain.hub_floor, chain.turner_owner, chain.grinder_owner, chain.plater_owner):
        [row] = _list(user)
        assert "customer_name" not in row, user
        assert "notes" not in row, user  # the hub's own notes
        assert "秘密顧客" not in str(row)


def _jobs_for_filters(chain, routed_job):
    """The routed job, plus a job the hub keeps in-house (turning) due later, and one late."""
    routed, _steps, _orders = routed_job
    inhouse = post_job(chain, part_name="カラー", due_date=in_days(60))
    add(inhouse, chain, "ASM", 2)
    late = post_job(chain, part_name="ピン", due_date=in_days(1))
    add(late, chain, "INS", 400)  # 400 hours cannot be done by tomorrow
    assert refreshed(late).late_risk and not refreshed(routed).late_risk
    return routed, inhouse, late


def _names(rows) -> list[str]:
    return [row["part_name"] for row in rows]


def test_it_lists_late_risk_first_then_by_due_date(chain, routed_job):
    _jobs_for_filters(chain, routed_job)

    assert _names(_list(chain.hub_owner)) == ["ピン", "シャフト", "カラー"]
    assert _names(_list(chain.hub_owner, {"ordering": "-due_date"})) == [
        "カラー",
        "シャフト",
        "ピン",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "open"}, ["ピン", "シャフト", "カラー"]),
        ({"status": "done,cancelled"}, []),
        ({"process": "G"}, ["シャフト"]),
        ({"process": "ASM"}, ["シャフト", "カラー"]),
        ({"process": "G,INS"}, ["ピン", "シャフト"]),
        ({"due_after": in_days(20).isoformat()}, ["シャフト", "カラー"]),
        ({"due_before": in_days(30).isoformat()}, ["ピン", "シャフト"]),
        (
            {"due_after": in_days(2).isoformat(), "due_before": in_days(59).isoformat()},
            ["シャフト"],
        ),
        ({"late_risk": "true"}, ["ピン"]),
        ({"late_risk": "false"}, ["シャフト", "カラー"]),
        ({"role": "hub"}, ["ピン", "シャフト", "カラー"]),
        ({"role": "supplier"}, []),
    ],
)
def test_it_filters_the_jobs(chain, routed_job, params, expected):
    _jobs_for_filters(chain, routed_job)

    assert _names(_list(chain.hub_owner, params)) == expected


def test_it_filters_the_jobs_by_partner_workshop(chain, routed_job):
    _jobs_for_filters(chain, routed_job)

    for partner in (chain.turner, chain.grinder, chain.plater):
        assert _names(_list(chain.hub_owner, {"partner": str(partner.uuid)})) == ["シャフト"]
    assert _list(chain.hub_owner, {"partner": str(chain.stranger.uuid)}) == []


def test_it_filters_the_jobs_by_my_role(chain, routed_job):
    _jobs_for_filters(chain, routed_job)

    assert _names(_list(chain.turner_owner, {"role": "supplier"})) == ["シャフト"]
    assert _list(chain.turner_owner, {"role": "hub"}) == []
    assert _names(_list(chain.grinder_floor, {"role": "supplier"})) == ["シャフト"]


def test_its_filters_never_look_at_steps_or_orders_the_user_cannot_see(chain, routed_job):
    # The plater sees only its plating step: the job's grinding step and the turner's orders
    # must not make the job match, or the filter would reveal them.
    _jobs_for_filters(chain, routed_job)

    assert _names(_list(chain.plater_owner, {"process": "PLT"})) == ["シャフト"]
    assert _list(chain.plater_owner, {"process": "G"}) == []
    assert _list(chain.plater_owner, {"partner": str(chain.grinder.uuid)}) == []
    assert _names(_list(chain.plater_owner, {"partner": str(chain.hub.uuid)})) == ["シャフト"]
    assert _list(chain.grinder_owner, {"process": "L"}) == []
    assert _list(chain.grinder_owner, {"partner": str(chain.plater.uuid)}) == []


def test_it_answers_bad_job_filters_with_400_and_a_message_per_field(chain, routed_job):
    response = client_for(chain.hub_owner).get(
        JOBS,
        {
            "status": "lost",
            "process": "ZZ",
            "due_after": "soon",
            "partner": "nope",
            "role": "boss",
            "late_risk": "maybe",
            "ordering": "cheapest",
        },
    )

    assert response.status_code == 400
    errors = response.json()["fields"]
    assert response.json()["code"] == "invalid"  # the messages' own codes differ
    assert response.json()["detail"] == next(iter(errors.values()))[0]
    assert set(errors) == {
        "status",
        "process",
        "due_after",
        "partner",
        "role",
        "late_risk",
        "ordering",
    }
    assert all(isinstance(m, list) and m and all(s.strip() for s in m) for m in errors.values())


def test_it_gives_filter_messages_in_the_users_language(chain, routed_job):
    ja = client_for(chain.hub_owner).get(JOBS, {"late_risk": "maybe"}).json()
    en = _english(chain.hub_owner).get(JOBS, {"late_risk": "maybe"}).json()

    assert ja == {
        "detail": "正しく選択してください。 maybe は候補にありません。",
        "code": "invalid_choice",
        "fields": {"late_risk": ["正しく選択してください。 maybe は候補にありません。"]},
    }
    english = "Select a valid choice. maybe is not one of the available choices."
    assert en == {"detail": english, "code": "invalid_choice", "fields": {"late_risk": [english]}}


# --- jobs: detail -------------------------------------------------------------------------------


def _detail(user, job) -> dict:
    response = client_for(user).get(job_url(job))
    assert response.status_code == 200, response.content
    return response.json()


def _prices(data) -> dict[str, int | None]:
    return {row["id"]: row.get("price") for row in data["orders"]}


def test_the_hub_sees_its_customer_its_prices_and_that_grinding_is_sub_ordered(chain, routed_job):
    job, steps, orders = routed_job

    data = _detail(chain.hub_owner, job)

    assert data["job"]["customer_name"] == "株式会社 秘密顧客"
    assert [s["process"] for s in data["steps"]] == ["L", "G", "PLT", "ASM", "INS"]
    by_process = {s["process"]: s for s in data["steps"]}
    grind = by_process["G"]
    assert grind["workshop"] == {
        "id": str(chain.grinder.uuid),
        "name": "松本研削",
        "display_name": "松本研削",
    }
    assert set(grind["orders"]) == {str(orders["top"].uuid), str(orders["sub"].uuid)}
    assert grind["predecessors"] == [str(steps["L"].uuid)]
    assert by_process["PLT"]["predecessors"] == [str(steps["G"].uuid)]
    assert grind["quantity"] == 100
    assert grind["status"] == "planned"
    assert grind["projected_start"] and grind["projected_finish"]
    assert grind["late_risk"] is False
    assert _prices(data) == {
        str(orders["top"].uuid): 120000,
        str(orders["sub"].uuid): None,  # sub-ordered, but not at a price the hub may see
        str(orders["plating"].uuid): 15000,
    }
    sub = next(o for o in data["orders"] if o["id"] == str(orders["sub"].uuid))
    assert sub["is_sub_order"] is True
    assert sub["parent"] == str(orders["top"].uuid)
    assert sub["buyer"]["id"] == str(chain.turner.uuid)
    assert sub["supplier"]["id"] == str(chain.grinder.uuid)
    assert sub["steps"] == [str(steps["G"].uuid)]
    assert sub["status"] == "accepted"
    for hidden in ("price", "tax", "total", "tax_rate", "payment_due_date", "payment_method"):
        assert hidden not in sub
    assert "30000" not in str(sub)
    top = next(o for o in data["orders"] if o["id"] == str(orders["top"].uuid))
    assert (top["price"], top["tax"], top["total"]) == (120000, 12000, 132000)
    assert data["handoffs"] == []


def test_the_turner_sees_its_order_and_sub_order_prices_but_not_the_customer_or_the_plating(
    chain, routed_job
):
    job, steps, orders = routed_job

    data = _detail(chain.turner_owner, job)

    assert "customer_name" not in data["job"]
    assert "秘密顧客" not in str(data)
    assert [s["id"] for s in data["steps"]] == [str(steps["L"].uuid), str(steps["G"].uuid)]
    assert _prices(data) == {str(orders["top"].uuid): 120000, str(orders["sub"].uuid): 30000}
    assert str(orders["plating"].uuid) not in str(data)
    assert str(steps["PLT"].uuid) not in str(data)


def test_the_grinder_sees_only_the_grinding_step_and_its_sub_order_price(chain, routed_job):
    job, steps, orders = routed_job

    data = _detail(chain.grinder_owner, job)

    assert "customer_name" not in data["job"]
    assert [s["id"] for s in data["steps"]] == [str(steps["G"].uuid)]
    assert data["steps"][0]["predecessors"] == []  # turning is not the grinder's to see
    assert data["steps"][0]["orders"] == [str(orders["sub"].uuid)]
    assert _prices(data) == {str(orders["sub"].uuid): 30000}
    assert data["orders"][0]["parent"] is None  # the turner's own order is not the grinder's
    assert "120000" not in str(data)


@pytest.mark.parametrize("who", ["hub_floor", "turner_floor", "grinder_floor"])
def test_floor_staff_see_their_shops_steps_and_no_price_anywhere(chain, routed_job, who):
    job, _steps, _orders = routed_job
    user = getattr(chain, who)
    expected = {"hub_floor": ["ASM", "INS"], "turner_floor": ["L"], "grinder_floor": ["G"]}[who]

    data = _detail(user, job)

    assert [s["process"] for s in data["steps"]] == expected
    assert data["orders"] == []
    assert "customer_name" not in data["job"]
    assert not re.search(r"120000|30000|15000|\"price\"", str(data) + str(_list(user)))
    assert client_for(user).get(ORDERS).json()["results"] == []


def test_the_detail_shows_hand_offs_with_quantities_and_shortfall(chain, shipped):
    job, steps, _orders, handoff = shipped
    handoff_receive(handoff=handoff, actor=chain.grinder_floor, quantity=97)

    for user in (chain.hub_owner, chain.turner_owner, chain.grinder_owner):
        [row] = _detail(user, job)["handoffs"]
        assert row["id"] == str(handoff.uuid)
        assert row["status"] == "received"
        assert row["from_step"] == str(steps["L"].uuid)
        assert row["to_step"] == str(steps["G"].uuid)
        assert row["from_workshop"]["id"] == str(chain.turner.uuid)
        assert row["to_workshop"]["id"] == str(chain.grinder.uuid)
        assert (row["quantity_shipped"], row["quantity_received"], row["shortfall"]) == (100, 97, 3)
        assert row["received_at"]
    assert _detail(chain.plater_owner, job)["handoffs"] == []


def test_it_lists_a_jobs_visible_steps(chain, routed_job):
    job, steps, _orders = routed_job

    hub = client_for(chain.hub_owner).get(f"{job_url(job)}steps/")
    grinder = client_for(chain.grinder_owner).get(f"{job_url(job)}steps/")

    assert hub.status_code == 200
    assert [s["process"] for s in hub.json()] == ["L", "G", "PLT", "ASM", "INS"]
    assert hub.json() == _detail(chain.hub_owner, job)["steps"]
    assert [s["id"] for s in grinder.json()] == [str(steps["G"].uuid)]


def _detail_urls(job, steps, orders) -> list[str]:
    return [
        job_url(job),
        f"{job_url(job)}steps/",
        events_url(job),
        order_url(orders["top"]),
        order_url(orders["top"], "documents"),
        order_url(orders["sub"]),
        order_url(orders["plating"]),
    ]


@pytest.mark.parametrize("who", ["staff", "stranger_owner"])
def test_district_staff_and_outsiders_get_404_on_every_detail_and_nothing_in_lists(
    chain, routed_job, who
):
    job, steps, orders = routed_job
    client = client_for(getattr(chain, who))

    for url in _detail_urls(job, steps, orders):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "シャフト" not in response.content.decode()
    assert client.get(JOBS).json()["results"] == []
    assert client.get(ORDERS).json()["results"] == []


def test_it_answers_404_for_unknown_objects(chain, routed_job):
    client = client_for(chain.hub_owner)
    unknown = "00000000-0000-4000-8000-000000000000"

    for url in (
        f"{JOBS}{unknown}/",
        f"{JOBS}{unknown}/events",
        f"{ORDERS}{unknown}/",
        f"/api/v1/steps/{unknown}/start/",
        f"/api/v1/handoffs/{unknown}/receive/",
    ):
        method = client.post if url.endswith(("start/", "receive/")) else client.get
        assert method(url, content_type="application/json").status_code == 404, url


# --- events -------------------------------------------------------------------------------------


def _events(user, job, after=None) -> dict:
    response = client_for(user).get(events_url(job, after))
    assert response.status_code == 200, response.content
    return response.json()


def test_it_gives_the_hub_the_whole_event_log_in_order(chain, routed_job):
    job, steps, orders = routed_job

    page = _events(chain.hub_owner, job)

    expected = list(ProgressEvent.objects.filter(job=job).order_by("seq"))
    assert [e["seq"] for e in page["results"]] == [e.seq for e in expected]
    assert [e["seq"] for e in page["results"]] == list(range(1, len(expected) + 1))
    assert page["next_after"] is None
    accepted = next(
        e
        for e in page["results"]
        if e["kind"] == "order.accepted" and e["order"] == str(orders["sub"].uuid)
    )
    assert accepted["actor"] == "松本研削 社長"
    assert accepted["workshop"] == str(chain.grinder.uuid)
    assert accepted["step"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00", accepted["at"])
    added = next(e for e in page["results"] if e["kind"] == "step.added")
    assert added["step"] == str(steps["L"].uuid)
    assert added["data"] == {
        "process": "L",
        "part": str(steps["L"].part.uuid),
        "after": [],
    }


def test_events_after_a_seq_replay_exactly_the_missed_ones_in_order(chain, routed_job):
    job, steps, orders = routed_job
    seen = _events(chain.turner_owner, job)["results"]
    last = seen[-1]["seq"]

    # While the turner is away: its own work, the grinder's, and the plater's (not its business).
    _done(steps["L"], chain.turner_floor, good=100)
    handoff = handoff_ship(step=steps["L"], actor=chain.turner_floor, quantity=100)
    handoff_receive(handoff=handoff, actor=chain.grinder_floor, quantity=100)
    step_hold(step=steps["PLT"], actor=chain.plater_owner, reason="material")
    step_start(step=steps["G"], actor=chain.grinder_floor)

    page = _events(chain.turner_owner, job, after=last)

    visible = {steps["L"].pk, steps["G"].pk}
    expected = [
        e
        for e in ProgressEvent.objects.filter(job=job, seq__gt=last).order_by("seq")
        if e.step_id in visible
        or e.order_id in {orders["top"].pk, orders["sub"].pk}
        or (e.step_id is None and e.order_id is None and e.kind.startswith("job."))
    ]
    assert [(e["seq"], e["kind"]) for e in page["results"]] == [(e.seq, e.kind) for e in expected]
    assert [e["kind"] for e in page["results"]] == [
        "step.started",
        "step.done",
        "handoff.shipped",
        "handoff.received",
        "step.ready",
        "step.started",
    ]
    assert all(e["step"] != str(steps["PLT"].uuid) for e in page["results"])
    assert _events(chain.turner_owner, job, after=page["results"][-1]["seq"])["results"] == []


def test_events_come_in_pages_of_at_most_the_limit_with_a_cursor(chain, routed_job, monkeypatch):
    job, _steps, _orders = routed_job
    monkeypatch.setattr(orders_api.jobs, "EVENTS_PAGE", 4)
    total = refreshed(job).last_seq

    seqs, after = [], 0
    while after is not None:
        page = _events(chain.hub_owner, job, after=after)
        assert len(page["results"]) <= 4
        seqs += [e["seq"] for e in page["results"]]
        after = page["next_after"]
        assert after is None or after == page["results"][-1]["seq"]

    assert seqs == list(range(1, total + 1))


@pytest.mark.parametrize(
    ("after", "code"),
    [
        ("-1", "min_value"),
        ("abc", "invalid"),
        ("1.5", "invalid"),
        ("1e3", "invalid"),
        (str(2**64), "max_value"),
    ],
)
def test_it_refuses_an_after_that_is_not_a_non_negative_integer(chain, routed_job, after, code):
    job, _steps, _orders = routed_job

    response = _english(chain.hub_owner).get(f"{events_url(job)}?after={after}")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert list(response.json()["fields"]) == ["after"]
    assert response.json()["detail"] == response.json()["fields"]["after"][0] != ""


def test_a_blank_after_means_from_the_start(chain, routed_job):
    job, _steps, _orders = routed_job

    assert _events(chain.hub_owner, job, after="") == _events(chain.hub_owner, job)


def test_it_gives_the_after_message_in_japanese_by_default(chain, routed_job):
    job, _steps, _orders = routed_job

    response = client_for(chain.hub_owner).get(events_url(job, "x"))

    assert response.json() == {
        "detail": "有効な整数を入力してください。",
        "code": "invalid",
        "fields": {"after": ["有効な整数を入力してください。"]},
    }


def test_the_receiving_shop_sees_the_shipped_event_of_parts_coming_to_it(chain, shipped):
    job, _steps, _orders, handoff = shipped

    kinds = [e["kind"] for e in _events(chain.grinder_owner, job)["results"]]
    [row] = _detail(chain.grinder_owner, job)["handoffs"]

    assert row["id"] == str(handoff.uuid)  # the hand-off itself is visible
    assert "handoff.shipped" in kinds


# --- step transitions ---------------------------------------------------------------------------


def test_it_starts_a_step_and_logs_one_event(chain, routed_job):
    job, steps, _orders = routed_job
    before = refreshed(job).last_seq

    response = _post(client_for(chain.turner_floor), step_url(steps["L"], "start"))

    assert response.status_code == 200
    assert response.json()["id"] == str(steps["L"].uuid)
    assert response.json()["status"] == "in_progress"
    assert response.json()["started_at"]
    assert refreshed(steps["L"]).status == StepStatus.IN_PROGRESS
    assert list(
        ProgressEvent.objects.filter(job=job, seq__gt=before).values_list("kind", flat=True)
    ) == ["step.started"]


def test_it_marks_a_step_done_with_good_and_scrap(chain, routed_job):
    _job, steps, _orders = routed_job
    step_start(step=steps["L"], actor=chain.turner_floor)

    response = _post(
        client_for(chain.turner_floor), step_url(steps["L"], "done"), {"good": 97, "scrap": 3}
    )

    assert response.status_code == 200
    assert (
        response.json()["status"],
        response.json()["good_qty"],
        response.json()["scrap_qty"],
    ) == ("done", 97, 3)
    step = refreshed(steps["L"])
    assert (step.status, step.good_qty, step.scrap_qty) == (StepStatus.DONE, 97, 3)


def test_a_held_step_reads_its_reason_label_in_the_callers_language(chain, routed_job):
    job, steps, _orders = routed_job
    step_start(step=steps["L"], actor=chain.turner_floor)
    _post(client_for(chain.turner_floor), step_url(steps["L"], "hold"), {"reason": "quality"})

    url = f"{JOBS}{job.uuid}/steps/"
    held = str(steps["L"].uuid)
    [ja] = [s for s in client_for(chain.hub_owner).get(url).json() if s["id"] == held]
    [en] = [s for s in _english(chain.hub_owner).get(url).json() if s["id"] == held]

    assert (ja["hold_reason"], ja["hold_reason_label"], ja["hold_note"]) == (
        "quality",
        "品質問題",
        "",
    )
    assert (en["hold_reason"], en["hold_reason_label"]) == ("quality", "Quality problem")


def test_it_holds_and_resumes_a_step(chain, routed_job):
    _job, steps, _orders = routed_job
    client = client_for(chain.turner_floor)
    step_start(step=steps["L"], actor=chain.turner_floor)

    held = _post(client, step_url(steps["L"], "hold"), {"reason": "machine", "note": "主軸異音"})
    assert held.status_code == 200
    assert (held.json()["status"], held.json()["hold_reason"]) == ("on_hold", "machine")
    assert (held.json()["hold_reason_label"], held.json()["hold_note"]) == ("設備故障", "主軸異音")

    resumed = _post(client, step_url(steps["L"], "resume"))
    assert resumed.status_code == 200
    assert (resumed.json()["status"], resumed.json()["hold_reason"]) == ("in_progress", "")


def test_the_hub_cancels_a_step(chain, routed_job):
    job, steps, _orders = routed_job

    response = _post(
        client_for(chain.hub_owner), step_url(steps["INS"], "cancel"), {"reason": "検査は顧客側で"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert refreshed(steps["INS"]).status == StepStatus.CANCELLED
    event = ProgressEvent.objects.filter(job=job).get(kind="step.cancelled")
    assert (event.step_id, event.data) == (steps["INS"].pk, {"reason": "検査は顧客側で"})


def test_it_ships_parts_and_the_next_shop_receives_them(chain, routed_job):
    job, steps, _orders = routed_job
    _done(steps["L"], chain.turner_floor, good=98, scrap=2)

    shipped = _post(
        client_for(chain.turner_floor),
        step_url(steps["L"], "ship"),
        {"quantity": 98, "to_step": str(steps["G"].uuid), "note": "箱2つ"},
    )

    assert shipped.status_code == 200
    handoff = HandOff.objects.get(job=job)
    assert shipped.json()["id"] == str(handoff.uuid)
    assert shipped.json()["status"] == "shipped"
    assert (shipped.json()["quantity_shipped"], shipped.json()["quantity_received"]) == (98, None)
    assert shipped.json()["to_workshop"]["id"] == str(chain.grinder.uuid)
    assert shipped.json()["note"] == "箱2つ"

    received = _post(
        client_for(chain.grinder_floor), handoff_url(handoff), {"quantity": 96, "note": "2個 打痕"}
    )

    assert received.status_code == 200
    assert (
        received.json()["status"],
        received.json()["quantity_received"],
        received.json()["shortfall"],
    ) == ("received", 96, 2)
    assert refreshed(handoff).status == HandOffStatus.RECEIVED
    assert refreshed(steps["G"]).status == StepStatus.READY


def test_the_last_parts_of_a_sub_order_go_straight_to_the_hub_and_settle_both_orders(chain):
    job = post_job(chain)
    turn = add(job, chain, "L", 2)
    grind = add(job, chain, "G", 2, after=[turn])
    top = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn, grind], terms=terms()
    )
    order_accept(order=top, actor=chain.turner_owner)
    sub = order_request(
        job=job,
        actor=chain.turner_owner,
        supplier=chain.grinder,
        steps=[grind],
        terms=terms(price=30000),
        parent=top,
    )
    order_accept(order=sub, actor=chain.grinder_owner)
    _done(turn, chain.turner_floor)
    to_grinder = handoff_ship(step=turn, actor=chain.turner_floor, quantity=100)
    handoff_receive(handoff=to_grinder, actor=chain.grinder_floor, quantity=100)
    _done(grind, chain.grinder_floor)
    # The grinder does the last step of both orders: the parts go where they are owed, the
    # hub, not back to the turner, who could not pass them on (it does not perform grinding).
    out = _post(client_for(chain.grinder_floor), step_url(grind, "ship"), {"quantity": 100})
    assert out.json()["to_workshop"]["id"] == str(chain.hub.uuid)
    assert refreshed(top).status == OrderStatus.ACCEPTED  # shipped, not yet received

    # The turner sees the hand-off (grinding is in its order) but cannot receive it for the hub.
    assert (
        _post(
            client_for(chain.turner_owner),
            f"/api/v1/handoffs/{out.json()['id']}/receive/",
            {"quantity": 100},
        ).status_code
        == 400
    )
    response = _post(
        client_for(chain.hub_owner),
        f"/api/v1/handoffs/{out.json()['id']}/receive/",
        {"quantity": 100},
    )

    assert response.status_code == 200
    assert refreshed(sub).status == OrderStatus.DELIVERED
    assert refreshed(top).status == OrderStatus.DELIVERED


def test_it_ships_to_the_usual_destination_when_no_step_is_named(chain, routed_job):
    _job, steps, _orders = routed_job
    _done(steps["L"], chain.turner_floor)

    response = _post(client_for(chain.turner_floor), step_url(steps["L"], "ship"), {"quantity": 10})

    assert response.status_code == 200
    assert response.json()["to_step"] == str(steps["G"].uuid)


def test_it_refuses_to_ship_to_a_step_that_does_not_follow(chain, routed_job):
    _job, steps, _orders = routed_job
    _done(steps["L"], chain.turner_floor)
    before = _snapshot()

    response = _post(
        _english(chain.turner_floor),
        step_url(steps["L"], "ship"),
        {"quantity": 10, "to_step": str(steps["ASM"].uuid)},
    )

    assert response.status_code == 400
    message = "This step does not pass its parts on to that step."
    assert response.json() == {
        "detail": message,
        "code": "not_a_successor",
        "fields": {"to_step": [message]},
    }
    assert _snapshot() == before


def test_it_accepts_a_token_for_reads_and_writes(chain, routed_job):
    job, steps, _orders = routed_job
    client = _token_client(chain.turner_floor)

    assert client.get(job_url(job)).status_code == 200
    response = _post(client, step_url(steps["L"], "start"))

    assert response.status_code == 200
    started = ProgressEvent.objects.filter(job=job, kind="step.started").get()
    assert started.actor == chain.turner_floor


def test_it_refuses_an_anonymous_caller_with_403(chain, routed_job):
    job, steps, orders = routed_job
    before = _snapshot()

    for url in [*_detail_urls(job, steps, orders), JOBS, ORDERS]:
        assert client_for(None).get(url).status_code == 403, url
    assert _post(client_for(None), step_url(steps["L"], "start")).status_code == 403
    assert _snapshot() == before


def test_it_takes_json_only(chain, routed_job):
    _job, steps, _orders = routed_job
    step_start(step=steps["L"], actor=chain.turner_floor)
    before = _snapshot()

    response = client_for(chain.turner_floor).post(step_url(steps["L"], "done"), {"good": 100})

    assert response.status_code == 415
    assert _snapshot() == before


# --- idempotency --------------------------------------------------------------------------------


def test_the_same_idempotency_key_twice_applies_once_and_answers_200_both_times(chain, routed_job):
    job, steps, _orders = routed_job
    client = client_for(chain.turner_floor)
    step_start(step=steps["L"], actor=chain.turner_floor)
    before = refreshed(job).last_seq

    first = _post(client, step_url(steps["L"], "done"), {"good": 90, "scrap": 1}, key="tap-1")
    again = _post(client, step_url(steps["L"], "done"), {"good": 90, "scrap": 1}, key="tap-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert ProgressEvent.objects.filter(job=job, seq__gt=before, kind="step.done").count() == 1
    assert IdempotencyKey.objects.filter(user=chain.turner_floor, key="tap-1").count() == 1


def test_a_replayed_ship_creates_no_second_hand_off(chain, routed_job):
    job, steps, _orders = routed_job
    _done(steps["L"], chain.turner_floor)
    client = client_for(chain.turner_floor)

    first = _post(client, step_url(steps["L"], "ship"), {"quantity": 40}, key="ship-1")
    again = _post(client, step_url(steps["L"], "ship"), {"quantity": 40}, key="ship-1")

    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert HandOff.objects.filter(job=job).count() == 1
    assert ProgressEvent.objects.filter(job=job, kind="handoff.shipped").count() == 1


def test_it_refuses_an_idempotency_key_reused_for_another_action(chain, routed_job):
    _job, steps, _orders = routed_job
    client = _english(chain.turner_floor)
    _post(client, step_url(steps["L"], "start"), key="k-1")
    before = _snapshot()

    response = _post(client, step_url(steps["L"], "hold"), {"reason": "tooling"}, key="k-1")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This idempotency key was already used for another request.",
        "code": "key_reused",
        "fields": {},
    }
    assert _snapshot() == before


def test_a_key_reused_for_the_same_action_on_another_step_is_refused(chain):
    first, second = post_job(chain), post_job(chain, part_name="カラー")
    step_a, step_b = add(first, chain, "ASM", 1), add(second, chain, "ASM", 1)
    client = client_for(chain.hub_floor)
    assert _post(client, step_url(step_a, "start"), key="tap").status_code == 200

    response = _post(client, step_url(step_b, "start"), key="tap")

    assert refreshed(step_b).status == StepStatus.READY  # nothing happened to it
    assert response.status_code == 400


def test_it_refuses_an_idempotency_key_longer_than_64_characters(chain, routed_job):
    _job, steps, _orders = routed_job
    before = _snapshot()

    response = _post(_english(chain.turner_floor), step_url(steps["L"], "start"), key="k" * 65)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The idempotency key is too long (64 characters at most).",
        "code": "key_too_long",
        "fields": {},
    }
    assert _snapshot() == before


# --- refusals -----------------------------------------------------------------------------------


def test_done_on_a_step_not_started_is_refused_with_a_message_and_writes_nothing(chain, routed_job):
    _job, steps, _orders = routed_job
    before = _snapshot()

    response = _post(
        _english(chain.turner_floor), step_url(steps["L"], "done"), {"good": 100}, key="done-early"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Only a step in progress can be marked done; this one is Ready.",
        "code": "bad_state_done",
        "fields": {},
    }
    assert _snapshot() == before


def test_receiving_more_than_was_shipped_is_refused_and_writes_nothing(chain, shipped):
    _job, _steps, _orders, handoff = shipped
    before = _snapshot()

    response = _post(_english(chain.grinder_floor), handoff_url(handoff), {"quantity": 101})

    assert response.status_code == 400
    message = "You cannot receive more than was shipped (100)."
    assert response.json() == {
        "detail": message,
        "code": "too_many",
        "fields": {"quantity": [message]},
    }
    assert _snapshot() == before


def test_accepting_a_declined_order_is_refused_and_writes_nothing(chain, requested):
    _job, _plate, order = requested
    order_decline(order=order, actor=chain.plater_owner, reason="手一杯")
    before = _snapshot()

    response = _post(_english(chain.plater_owner), order_url(order, "accept"))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This request was already Declined.",
        "code": "not_requested",
        "fields": {},
    }
    assert _snapshot() == before


def test_a_visible_step_of_another_shop_is_refused_with_400(chain, routed_job):
    # The hub sees the grinder's step but may not work it: a business refusal, not a 404.
    _job, steps, _orders = routed_job
    before = _snapshot()

    response = _post(_english(chain.hub_owner), step_url(steps["L"], "start"))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Only members of 田中旋盤 may do this.",
        "code": "not_allowed",
        "fields": {},
    }
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("action", "data", "errors", "code"),
    [
        ("done", {}, {"good"}, "required"),
        ("done", {"good": -1, "scrap": "x"}, {"good", "scrap"}, "invalid"),
        ("hold", {"reason": ""}, {"reason"}, "invalid_choice"),
        ("hold", {"reason": "Machine down"}, {"reason"}, "invalid_choice"),
        ("hold", {"reason": "machine", "note": "x" * 201}, {"note"}, "max_length"),
        ("ship", {"quantity": 0, "to_step": "nope"}, {"quantity", "to_step"}, "invalid"),
    ],
)
def test_it_refuses_bad_input_per_field_and_writes_nothing(
    chain, routed_job, action, data, errors, code
):
    _job, steps, _orders = routed_job
    step_start(step=steps["L"], actor=chain.turner_floor)
    before = _snapshot()

    response = _post(client_for(chain.turner_floor), step_url(steps["L"], action), data)

    assert response.status_code == 400
    assert (response.json()["code"], set(response.json()["fields"])) == (code, errors)
    assert response.json()["detail"] == next(iter(response.json()["fields"].values()))[0]
    assert _snapshot() == before


def test_a_refusal_speaks_the_users_language(chain, routed_job):
    _job, steps, _orders = routed_job

    response = _post(client_for(chain.turner_floor), step_url(steps["L"], "done"), {"good": -1})

    assert response.json() == {
        "detail": "この値は0以上にしてください。",
        "code": "min_value",
        "fields": {"good": ["この値は0以上にしてください。"]},
    }


def _writes(job, steps, orders, handoff) -> list[tuple[str, dict]]:
    return [
        (step_url(steps["L"], "start"), {}),
        (step_url(steps["L"], "done"), {"good": 1}),
        (step_url(steps["L"], "hold"), {"reason": "machine"}),
        (step_url(steps["L"], "resume"), {}),
        (step_url(steps["L"], "cancel"), {}),
        (step_url(steps["L"], "ship"), {"quantity": 1}),
        (handoff_url(handoff), {"quantity": 1}),
        (order_url(orders["top"], "accept"), {}),
        (order_url(orders["top"], "decline"), {"reason": "x"}),
        (order_url(orders["top"], "withdraw"), {}),
    ]


@pytest.mark.parametrize("who", ["staff", "stranger_owner", "plater_owner"])
def test_outsiders_get_404_on_every_write_and_nothing_is_written(chain, shipped, who):
    job, steps, orders, handoff = shipped
    client = client_for(getattr(chain, who))
    before = _snapshot()

    for url, data in _writes(job, steps, orders, handoff):
        assert _post(client, url, data, key="k").status_code == 404, url
    assert _snapshot() == before


def test_another_shops_object_is_a_404_that_says_nothing_about_it(chain, routed_job):
    _job, steps, orders = routed_job
    client = _english(chain.plater_owner)  # party to the job, not to the turning step's order

    for response in (
        client.get(order_url(orders["top"])),
        _post(client, step_url(steps["L"], "start")),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found", "fields": {}}


def test_a_wrong_method_answers_405_in_the_error_shape(chain, routed_job):
    _job, steps, _orders = routed_job

    response = _english(chain.turner_floor).get(step_url(steps["L"], "start"))

    assert response.status_code == 405
    assert response.json() == {
        "detail": 'Method "GET" not allowed.',
        "code": "method_not_allowed",
        "fields": {},
    }


def test_floor_staff_get_404_on_order_decisions(chain, requested):
    _job, _plate, order = requested
    before = _snapshot()

    response = _post(client_for(chain.hub_floor), order_url(order, "withdraw"))

    assert response.status_code == 404
    assert _snapshot() == before


# --- wrong methods ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_endpoints_refuse_writes_with_405(chain, routed_job, method):
    job, steps, orders = routed_job
    client = client_for(chain.hub_owner)
    before = _snapshot()

    # Posting a job, changing its header and adding a step are writes of these same URLs
    # (tests/orders/test_api_write.py).
    writable = {(JOBS, "post"), (job_url(job), "patch"), (f"{job_url(job)}steps/", "post")}
    for url in [JOBS, ORDERS, *_detail_urls(job, steps, orders)]:
        if (url, method) in writable:
            continue
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code == 405, url
    assert _snapshot() == before


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_write_endpoints_refuse_other_methods_with_405(chain, shipped, method):
    job, steps, orders, handoff = shipped
    client = client_for(chain.turner_owner)
    before = _snapshot()

    for url, _data in _writes(job, steps, orders, handoff):
        assert getattr(client, method)(url, content_type="application/json").status_code == 405, url
    assert _snapshot() == before


# --- orders -------------------------------------------------------------------------------------


def _orders(user, params=None) -> list[dict]:
    response = client_for(user).get(ORDERS, params or {})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_it_lists_the_orders_a_user_is_party_to_with_their_prices(chain, routed_job):
    _job, steps, orders = routed_job
    uuids = {name: str(o.uuid) for name, o in orders.items()}

    hub = {row["id"]: row for row in _orders(chain.hub_owner)}
    turner = {row["id"]: row for row in _orders(chain.turner_owner)}
    grinder = {row["id"]: row for row in _orders(chain.grinder_owner)}

    assert set(hub) == {uuids["top"], uuids["plating"]}  # not party to the sub-order
    assert {k: v["price"] for k, v in turner.items()} == {uuids["top"]: 120000, uuids["sub"]: 30000}
    assert {k: v["price"] for k, v in grinder.items()} == {uuids["sub"]: 30000}
    assert turner[uuids["sub"]]["parent"] == uuids["top"]
    assert grinder[uuids["sub"]]["parent"] is None
    assert turner[uuids["top"]]["steps"] == [str(steps["L"].uuid), str(steps["G"].uuid)]
    assert turner[uuids["top"]]["job"]["part_name"] == "シャフト"
    assert _orders(chain.turner_floor) == []


def test_it_filters_the_orders(chain, routed_job, requested):
    _job, _steps, orders = routed_job
    job2, _plate, request = requested

    def ids(user, params):
        return {row["id"] for row in _orders(user, params)}

    assert ids(chain.plater_owner, {"inbox": "true"}) == {str(request.uuid)}
    assert ids(chain.plater_owner, {"inbox": "1"}) == {str(request.uuid)}
    assert ids(chain.plater_owner, {"inbox": "false"}) == {str(orders["plating"].uuid)}
    assert ids(chain.hub_owner, {"inbox": "true"}) == set()  # the hub asked; it does not answer
    assert ids(chain.hub_owner, {"status": "requested"}) == {str(request.uuid)}
    assert ids(chain.turner_owner, {"role": "buyer"}) == {str(orders["sub"].uuid)}
    assert ids(chain.turner_owner, {"role": "supplier"}) == {str(orders["top"].uuid)}
    assert ids(chain.hub_owner, {"job": str(job2.uuid)}) == {str(request.uuid)}
    response = client_for(chain.hub_owner).get(
        ORDERS, {"inbox": "perhaps", "role": "hub", "job": "x", "status": "lost"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == {"inbox", "role", "job", "status"}


def test_an_order_shows_its_steps_and_documents_to_its_parties(chain, routed_job):
    _job, steps, orders = routed_job

    for user in (chain.turner_owner, chain.grinder_owner):
        response = client_for(user).get(order_url(orders["sub"]))
        assert response.status_code == 200
        data = response.json()
        assert data["order"]["price"] == 30000
        assert [s["id"] for s in data["steps"]] == [str(steps["G"].uuid)]
        [document] = data["documents"]
        assert document["version"] == 1
        assert document["content"]["price"] == 30000
        assert document["content"]["supplier"]["name"] == "松本研削"
        assert document["issued_at"] and document["reason"] == ""


def test_the_hub_sees_a_sub_order_without_price_or_documents(chain, routed_job):
    _job, _steps, orders = routed_job

    data = client_for(chain.hub_owner).get(order_url(orders["sub"])).json()
    documents = client_for(chain.hub_owner).get(order_url(orders["sub"], "documents"))

    assert data["order"]["status"] == "accepted"
    assert "price" not in data["order"]
    assert "documents" not in data
    assert "30000" not in str(data)
    assert documents.status_code == 200
    assert documents.json() == []


@pytest.mark.parametrize("who", ["grinder_owner", "hub_floor", "turner_floor", "plater_owner"])
def test_an_order_is_404_to_whoever_is_not_party_to_it(chain, routed_job, who):
    _job, _steps, orders = routed_job
    client = client_for(getattr(chain, who))

    assert client.get(order_url(orders["top"])).status_code == 404
    assert client.get(order_url(orders["top"], "documents")).status_code == 404


def test_it_lists_an_orders_documents_in_version_order(chain, routed_job):
    _job, _steps, orders = routed_job
    order_change_terms(
        order=orders["top"], actor=chain.hub_owner, terms={"price": 125000}, reason="材料高騰"
    )

    response = client_for(chain.turner_owner).get(order_url(orders["top"], "documents"))

    assert response.status_code == 200
    assert [(d["version"], d["reason"], d["content"]["price"]) for d in response.json()] == [
        (1, "", 120000),
        (2, "材料高騰", 125000),
    ]


def test_the_supplier_accepts_a_request(chain, requested):
    _job, plate, order = requested

    response = _post(client_for(chain.plater_owner), order_url(order, "accept"), key="acc-1")

    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["price"] == 8000
    assert refreshed(order).status == OrderStatus.ACCEPTED
    assert refreshed(plate).workshop == chain.plater
    assert OrderDocument.objects.filter(order=order).count() == 1


def test_the_supplier_declines_a_request_with_a_reason(chain, requested):
    _job, _plate, order = requested

    response = _post(
        client_for(chain.plater_owner), order_url(order, "decline"), {"reason": "設備点検中"}
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decline_reason"]) == (
        "declined",
        "設備点検中",
    )
    assert refreshed(order).status == OrderStatus.DECLINED


def test_declining_needs_a_reason(chain, requested):
    _job, _plate, order = requested
    before = _snapshot()

    response = _post(client_for(chain.plater_owner), order_url(order, "decline"), {})

    assert response.status_code == 400
    assert (response.json()["code"], set(response.json()["fields"])) == (
        "reason_required",
        {"reason"},
    )
    assert _snapshot() == before


def test_the_buyer_withdraws_a_request(chain, requested):
    _job, _plate, order = requested

    response = _post(client_for(chain.hub_owner), order_url(order, "withdraw"))

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert refreshed(order).status == OrderStatus.WITHDRAWN


def test_the_supplier_cannot_withdraw_the_buyers_request(chain, requested):
    _job, _plate, order = requested
    before = _snapshot()

    response = _post(_english(chain.plater_owner), order_url(order, "withdraw"))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Only an owner or manager of 丸山製作所 may do this.",
        "code": "not_allowed",
        "fields": {},
    }
    assert _snapshot() == before


# --- OpenAPI ------------------------------------------------------------------------------------


def _openapi_path(route: str) -> str:
    return "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_the_schema_documents_every_orders_path_and_validates_without_warnings(chain, tmp_path):
    schema = client_for(chain.hub_owner).get("/api/v1/schema/", {"format": "json"}).json()
    documented = {
        _openapi_path(str(p.pattern))
        for p in api_urls.urlpatterns
        if p.name not in ("api_schema", "api_docs")  # the schema and its page leave themselves out
    }

    assert documented == set(schema["paths"])
    assert {
        "/api/v1/jobs/",
        "/api/v1/jobs/{job_uuid}/",
        "/api/v1/jobs/{job_uuid}/events",
        "/api/v1/steps/{step_uuid}/done/",
        "/api/v1/handoffs/{handoff_uuid}/receive/",
        "/api/v1/orders/{order_uuid}/documents/",
    } <= documented
    done = schema["paths"]["/api/v1/steps/{step_uuid}/done/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in done["parameters"]}
    # The same check as `manage.py spectacular --validate --fail-on-warn`.
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "s.yml"),
        stdout=io.StringIO(),
    )


# --- query counts -------------------------------------------------------------------------------


def _long_job(chain, n: int) -> Job:
    """A chain of n steps: the first half ordered from the turner, who passes the first of them
    on to the grinder; a hand-off between every pair of steps (made directly: test data)."""
    job = post_job(chain)
    steps = []
    for i in range(n):
        code = "L" if i < n // 2 else "ASM"
        steps.append(add(job, chain, code, 1, after=steps[-1:], title=f"#{i}"))
    top = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=steps[: n // 2], terms=terms()
    )
    order_accept(order=top, actor=chain.turner_owner)
    HandOff.objects.bulk_create(
        [
            HandOff(
                job=job,
                part_id=a.part_id,
                from_step=a,
                to_step=b,
                from_workshop=chain.hub,
                to_workshop=chain.hub,
                status=HandOffStatus.SHIPPED,
                quantity_shipped=1,
            )
            for a, b in itertools.pairwise(steps)
        ]
    )
    return job


@pytest.mark.parametrize("n", [5, 40])
def test_the_job_detail_takes_a_fixed_number_of_queries(chain, django_assert_num_queries, n):
    job = _long_job(chain, n)
    client = _token_client(chain.hub_owner)

    # 1. the token with its user
    # 2. the job with its hub and material  3. the caller's memberships
    # 4. the job's orders with buyers and suppliers  5. which steps each order covers
    # 6. the job's steps (id, workshop) – 2 to 6 are get_job_for
    # 7. the visible steps with process and workshop  8. their links to visible predecessors
    # 9. the visible orders' steps  10. the hand-offs with their steps, workshops and parts
    # 11. the visible steps' inputs  12. the parts  13. the orders' items with their parts
    with django_assert_num_queries(13):
        response = client.get(job_url(job))

    assert response.status_code == 200
    assert len(response.json()["steps"]) == n
    assert len(response.json()["handoffs"]) == n - 1


@pytest.mark.parametrize("n", [5, 30])
def test_the_job_list_takes_a_fixed_number_of_queries(chain, django_assert_num_queries, n):
    for i in range(n):
        add(post_job(chain, part_name=f"部品{i}"), chain, "ASM", 1)
    client = _token_client(chain.hub_owner)

    # 1. the token with its user  2. the caller's memberships (jobs_visible_to)
    # 3. COUNT of the visible jobs (paginator)
    # 4. the page of jobs with hub and material, and whether the caller manages the hub
    with django_assert_num_queries(4):
        response = client.get(JOBS)

    assert response.status_code == 200
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [10, 200])
def test_the_events_take_a_fixed_number_of_queries(chain, django_assert_num_queries, n):
    job = post_job(chain)
    step = add(job, chain, "ASM", 1)
    while refreshed(job).last_seq < n:
        step_hold(step=step, actor=chain.hub_floor, reason="material")
        step_resume(step=step, actor=chain.hub_floor)
    total = refreshed(job).last_seq
    client = _token_client(chain.hub_floor)

    # 1. the token with its user
    # 2.–6. get_job_for: job, memberships, orders, order steps, steps
    # 7. the events after `after`, with actor, workshop, step and order ids
    with django_assert_num_queries(7):
        response = client.get(events_url(job, 0))

    assert response.status_code == 200
    assert len(response.json()["results"]) == total


# --- ending a job ------------------------------------------------------------------------------


def test_the_hub_cancels_a_job_once_whatever_the_retries(chain, routed_job):
    job, _steps, orders = routed_job
    client = _token_client(chain.hub_owner)
    body = {"reason": "customer_cancelled", "note": "先方都合", "suppliers_agreed": True}

    first = _post(client, f"{job_url(job)}cancel/", body, key="end-1")
    again = _post(client, f"{job_url(job)}cancel/", body, key="end-1")

    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "cancelled" and first.json()["id"] == str(job.uuid)
    assert again["Idempotent-Replayed"] == "true"
    assert ProgressEvent.objects.filter(job=job, kind="job.cancelled").count() == 1
    assert refreshed(orders["plating"]).status == OrderStatus.CANCELLED


def test_a_job_end_without_the_suppliers_agreement_is_a_400_naming_the_field(chain, routed_job):
    job, _steps, _orders = routed_job
    before = refreshed(job).last_seq
    response = _post(_english(chain.hub_owner), f"{job_url(job)}cancel/", {"reason": "other"})
    assert response.status_code == 400
    assert "suppliers_agreed" in response.json()["fields"]
    assert refreshed(job).last_seq == before


def test_a_reason_of_the_other_action_is_refused(chain, routed_job):
    job, _steps, _orders = routed_job
    response = _post(
        client_for(chain.hub_owner), f"{job_url(job)}cancel/", {"reason": "delivered_as_made"}
    )
    assert response.status_code == 400 and "reason" in response.json()["fields"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("turner_owner", 400), ("grinder_floor", 400), ("hub_floor", 400), ("stranger_owner", 404)],
)
def test_only_the_hub_ends_a_job_and_outsiders_do_not_learn_it_exists(
    chain, routed_job, who, status
):
    job, _steps, _orders = routed_job
    before = refreshed(job).last_seq
    response = _post(
        _english(getattr(chain, who)),
        f"{job_url(job)}cancel/",
        {"reason": "customer_cancelled", "suppliers_agreed": True},
    )
    assert response.status_code == status
    if status == 400:
        assert "owner or manager" in str(response.json())
    assert refreshed(job).last_seq == before
    assert refreshed(job).status == "open"


def test_the_schema_documents_the_job_end_inputs(chain):
    schema = client_for(chain.hub_owner).get("/api/v1/schema/", {"format": "json"}).json()
    for action, reason in (("cancel", "customer_cancelled"), ("close", "delivered_as_made")):
        post = schema["paths"][f"/api/v1/jobs/{{job_uuid}}/{action}/"]["post"]
        assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
        ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert {"reason", "note", "suppliers_agreed"} <= set(component["properties"])
        assert reason in str(schema["components"]["schemas"])


def test_the_api_declines_with_a_code_and_a_note(chain, requested):
    _job, _plate, order = requested
    response = _post(
        client_for(chain.plater_owner),
        order_url(order, "decline"),
        {"code": "due_date", "reason": "3日後なら"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["decline_code"], body["decline_reason"]) == ("due_date", "3日後なら")
    assert refreshed(order).decline_code == "due_date"


def test_the_api_refuses_an_unknown_code_and_other_without_a_note(chain, requested):
    _job, _plate, order = requested
    before = _snapshot()
    client = client_for(chain.plater_owner)
    unknown = _post(client, order_url(order, "decline"), {"code": "bored"})
    assert unknown.status_code == 400 and set(unknown.json()["fields"]) == {"code"}
    other = _post(client, order_url(order, "decline"), {"code": "other"})
    assert other.status_code == 400 and set(other.json()["fields"]) == {"reason"}
    assert _snapshot() == before
