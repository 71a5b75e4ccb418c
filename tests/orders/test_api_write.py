"""The write API an integrator needs (a hub's production system): jobs, parts, steps, links,
assemblies, order requests and answers, shipping, receiving, inspection, returns, rework and
supplied material; through the services, with idempotency keys, refusals with their codes."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from core.models import IdempotencyKey
from orders.models import (
    HandOff,
    HandOffKind,
    Job,
    Order,
    OrderStatus,
    Part,
    ProgressEvent,
    Step,
    StepInput,
    StepLink,
    StepStatus,
)
from orders.services.handoffs import handoff_receive, handoff_ship
from orders.services.progress import step_done, step_start
from orders.services.routing import order_accept
from tests.orders.conftest import in_days, post_job, refreshed

API = "/api/v1"


def _client(user) -> Client:
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def _send(client, method: str, url: str, data=None, *, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return getattr(client, method)(
        url, data if data is not None else {}, content_type="application/json", headers=headers
    )


def _snapshot() -> tuple:
    """Everything these writes could touch."""
    return (
        ProgressEvent.objects.count(),
        IdempotencyKey.objects.count(),
        Job.objects.count(),
        Part.objects.count(),
        HandOff.objects.count(),
        StepInput.objects.count(),
        StepLink.objects.count(),
        sorted(Step.objects.values_list("pk", "status", "quantity", "good_qty")),
        sorted(Order.objects.values_list("pk", "status")),
        sorted(
            HandOff.objects.values_list("pk", "quantity_received", "quantity_accepted", "status")
        ),
    )


def _refused(response, code: str, field: str | None = None) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code, body
    if field:
        assert field in body["fields"], body
    return body


def _terms(**overrides) -> dict:
    base = {
        "price": 120000,
        "due_date": str(in_days(10)),
        "delivery_place": "丸山製作所 本社工場",
        "payment_due_date": str(in_days(40)),
        "payment_method": "bank_transfer",
    }
    base.update(overrides)
    return base


# --- building a job of many parts through the API ------------------------------------------------


@pytest.fixture
def built(chain):
    """A gear unit of 19, built through the API by the hub: two parts turned and ground, an
    assembly that joins them."""
    hub = _client(chain.hub_owner)
    response = _send(
        hub,
        "post",
        f"{API}/jobs/",
        {
            "workshop": str(chain.hub.uuid),
            "part_name": "ギアユニット",
            "drawing_number": "GU-19",
            "quantity": 19,
            "due_date": str(in_days(30)),
            "customer_name": "株式会社 秘密顧客",
            "material": "S45C",
        },
    )
    assert response.status_code == 201, response.content
    job = Job.objects.get(uuid=response.json()["id"])
    unit = Part.objects.get(job=job)
    shaft = _send(
        hub, "post", f"{API}/jobs/{job.uuid}/parts/", {"name": "シャフト", "quantity": 19}
    )
    assert shaft.status_code == 201, shaft.content
    shaft = Part.objects.get(uuid=shaft.json()["id"])
    turn = _send(
        hub,
        "post",
        f"{API}/jobs/{job.uuid}/steps/",
        {"process": "L", "planned_hours": "3", "part": str(shaft.uuid)},
    )
    assert turn.status_code == 201, turn.content
    assert turn.json()["part"] == str(shaft.uuid)
    assert turn.json()["quantity"] == 19  # the part's
    turn = Step.objects.get(uuid=turn.json()["id"])
    grind = _send(
        hub,
        "post",
        f"{API}/jobs/{job.uuid}/steps/",
        {"process": "G", "planned_hours": "2", "part": str(shaft.uuid), "after": [str(turn.uuid)]},
    )
    grind = Step.objects.get(uuid=grind.json()["id"])
    assemble = _send(
        hub,
        "post",
        f"{API}/jobs/{job.uuid}/steps/",
        {"process": "ASM", "planned_hours": "1"},
    )
    assemble = Step.objects.get(uuid=assemble.json()["id"])
    return {"job": job, "unit": unit, "shaft": shaft, "L": turn, "G": grind, "ASM": assemble}


def test_the_hub_builds_a_job_of_parts_and_an_assembly_through_the_api(chain, built):
    hub = _client(chain.hub_owner)
    job, shaft, assemble = built["job"], built["shaft"], built["ASM"]
    assert job.owner == chain.hub and job.material.code == "S45C"
    assert built["unit"].name == "ギアユニット"
    assert list(built["G"].predecessors.all()) == [built["L"]]

    response = _send(
        hub,
        "put",
        f"{API}/steps/{assemble.uuid}/inputs/",
        {"inputs": [{"part": str(shaft.uuid), "per_unit": 1}]},
    )
    assert response.status_code == 200, response.content
    assert response.json() == [{"step": str(assemble.uuid), "part": str(shaft.uuid), "per_unit": 1}]
    # The assembly now waits for the shaft's last step.
    assert StepLink.objects.filter(predecessor=built["G"], successor=assemble).exists()

    detail = hub.get(f"{API}/jobs/{job.uuid}/").json()
    assert [p["name"] for p in detail["parts"]] == ["ギアユニット", "シャフト"]
    assert detail["inputs"] == [
        {"step": str(assemble.uuid), "part": str(shaft.uuid), "per_unit": 1}
    ]
    steps = {s["id"]: s for s in detail["steps"]}
    assert steps[str(built["L"].uuid)]["part"] == str(shaft.uuid)
    assert steps[str(assemble.uuid)]["part"] == str(built["unit"].uuid)
    assert steps[str(assemble.uuid)]["rework_of"] is None
    kinds = set(job.events.values_list("kind", flat=True))
    assert {"job.posted", "part.added", "step.added", "step.inputs_set"} <= kinds


def test_the_hub_edits_and_removes_jobs_parts_steps_and_links(chain, built):
    hub = _client(chain.hub_owner)
    job, shaft = built["job"], built["shaft"]

    response = _send(hub, "patch", f"{API}/jobs/{job.uuid}/", {"priority": 2, "notes": "急ぎ"})
    assert response.status_code == 200, response.content
    assert (response.json()["priority"], response.json()["notes"]) == (2, "急ぎ")

    response = _send(hub, "patch", f"{API}/parts/{shaft.uuid}/", {"revision": "B"})
    assert response.status_code == 200, response.content
    assert response.json()["revision"] == "B"
    assert refreshed(shaft).revision == "B"

    response = _send(
        hub, "patch", f"{API}/steps/{built['G'].uuid}/", {"planned_hours": "4.5", "title": "仕上"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "仕上"
    assert str(refreshed(built["G"]).planned_hours) == "4.50"

    # Link, then unlink: the grinding step waits for the assembly's... no, the other way.
    insp = _send(
        hub, "post", f"{API}/jobs/{job.uuid}/steps/", {"process": "INS", "planned_hours": 1}
    )
    insp = Step.objects.get(uuid=insp.json()["id"])
    response = _send(
        hub, "post", f"{API}/steps/{insp.uuid}/links/", {"predecessor": str(built["ASM"].uuid)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["predecessors"] == [str(built["ASM"].uuid)]
    response = _send(hub, "delete", f"{API}/steps/{insp.uuid}/links/{built['ASM'].uuid}/")
    assert response.status_code == 200, response.content
    assert response.json()["predecessors"] == []

    response = _send(hub, "delete", f"{API}/steps/{insp.uuid}/")
    assert response.status_code == 204
    assert not Step.objects.filter(pk=insp.pk).exists()

    spare = _send(hub, "post", f"{API}/jobs/{job.uuid}/parts/", {"name": "予備", "quantity": 1})
    spare_uuid = spare.json()["id"]
    assert _send(hub, "delete", f"{API}/parts/{spare_uuid}/").status_code == 204
    assert not Part.objects.filter(uuid=spare_uuid).exists()
    # A part with steps stays.
    _refused(_send(hub, "delete", f"{API}/parts/{shaft.uuid}/"), "part_in_use")
    kinds = set(job.events.values_list("kind", flat=True))
    assert {
        "job.updated",
        "part.updated",
        "step.updated",
        "step.linked",
        "step.unlinked",
        "step.removed",
        "part.removed",
    } <= kinds


# --- bad input: a 400 with the code, nothing written ---------------------------------------------


def test_an_assembly_of_a_part_no_step_makes_or_in_a_loop_is_refused(chain, built):
    hub = _client(chain.hub_owner)
    job, assemble = built["job"], built["ASM"]
    pin = _send(hub, "post", f"{API}/jobs/{job.uuid}/parts/", {"name": "ピン", "quantity": 4})
    pin = pin.json()["id"]
    url = f"{API}/steps/{assemble.uuid}/inputs/"
    before = _snapshot()
    body = _refused(
        _send(hub, "put", url, {"inputs": [{"part": pin, "per_unit": 2}]}), "not_made", "inputs"
    )
    assert "ピン" in body["fields"]["inputs"][0]
    assert _snapshot() == before

    # A step after the assembly makes the shaft: consuming it there would be a loop.
    _send(hub, "post", f"{API}/steps/{built['L'].uuid}/links/", {"predecessor": str(assemble.uuid)})
    before = _snapshot()
    _refused(
        _send(hub, "put", url, {"inputs": [{"part": str(built["shaft"].uuid), "per_unit": 1}]}),
        "cycle",
    )
    # A link that closes a loop is refused the same way.
    _refused(
        _send(
            hub,
            "post",
            f"{API}/steps/{assemble.uuid}/links/",
            {"predecessor": str(built["G"].uuid)},
        ),
        "cycle",
    )
    assert _snapshot() == before


def test_bad_job_part_and_step_values_are_refused_all_at_once(chain, built):
    hub = _client(chain.hub_owner)
    job = built["job"]
    before = _snapshot()
    body = _refused(
        _send(
            hub,
            "post",
            f"{API}/jobs/",
            {"workshop": str(chain.hub.uuid), "part_name": "", "quantity": 0, "due_date": "x"},
        ),
        "invalid",
    )
    assert {"part_name", "quantity", "due_date"} <= set(body["fields"])
    _refused(
        _send(
            hub,
            "post",
            f"{API}/jobs/",
            {
                "workshop": str(chain.hub.uuid),
                "part_name": "軸",
                "quantity": 1,
                "due_date": str(in_days(-1)),
            },
        ),
        "date_past",
        "due_date",
    )
    _refused(
        _send(
            hub, "post", f"{API}/jobs/{job.uuid}/steps/", {"process": "NOPE", "planned_hours": 1}
        ),
        "process_unknown",
        "process",
    )
    _refused(
        _send(
            hub,
            "post",
            f"{API}/jobs/{job.uuid}/steps/",
            {"process": "L", "planned_hours": 1, "after": [str(built["L"].uuid), "0" * 32]},
        ),
        "step_unknown",
        "after",
    )
    _refused(
        _send(hub, "patch", f"{API}/jobs/{job.uuid}/", {"material": "UNOBTAINIUM"}),
        "material_unknown",
        "material",
    )
    assert _snapshot() == before


@pytest.fixture
def made(chain, routed_job):
    """The turner has turned 100 and shipped them to the grinder, who received them all."""
    job, steps, orders = routed_job
    step_start(step=steps["L"], actor=chain.turner_floor)
    step_done(step=steps["L"], actor=chain.turner_floor, good=100)
    return job, steps, orders


def test_shipping_more_than_was_made_is_refused(chain, made):
    _job, steps, _orders = made
    before = _snapshot()
    _refused(
        _send(
            _client(chain.turner_floor),
            "post",
            f"{API}/steps/{steps['L'].uuid}/ship/",
            {"quantity": 101, "to_step": str(steps["G"].uuid)},
        ),
        "too_many",
    )
    assert _snapshot() == before


def test_receiving_more_than_shipped_then_rejects_with_a_cause(chain, made):
    _job, steps, _orders = made
    shipped = handoff_ship(step=steps["L"], actor=chain.turner_floor, quantity=100)
    floor = _client(chain.grinder_floor)
    url = f"{API}/handoffs/{shipped.uuid}/receive/"
    before = _snapshot()
    _refused(_send(floor, "post", url, {"quantity": 101}), "too_many", "quantity")
    _refused(_send(floor, "post", url, {"quantity": 100, "rejected": 2}), "cause_required", "cause")
    assert _snapshot() == before
    response = _send(floor, "post", url, {"quantity": 100, "rejected": 2, "cause": "dimension"})
    # The floor received; inspecting binds the company: for its owners and managers.
    before = _snapshot()
    _refused(
        _send(floor, "post", f"{API}/handoffs/{shipped.uuid}/inspect/", {"accepted": 98}),
        "not_allowed",
    )
    assert _snapshot() == before
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["quantity_received"], data["quantity_accepted"], data["quantity_rejected"]) == (
        100,
        98,
        2,
    )
    assert (data["kind"], data["defect_cause"], data["part"]) == (
        "ship",
        "dimension",
        str(steps["L"].part.uuid),
    )


@pytest.fixture
def delivered(chain):
    """A one-step order to the turner with an inspection date: 10 turned, delivered to the hub
    and received there, awaiting inspection (検収)."""
    from orders.services.jobs import step_add
    from orders.services.routing import order_request
    from tests.orders.conftest import terms
    from workshops.models import Process

    job = post_job(chain, quantity=10)
    turn = step_add(
        job=job, actor=chain.hub_owner, process=Process.objects.get(code="L"), planned_hours=2
    )
    order = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[turn],
        terms=terms(inspection_due_date=in_days(12)),
    )
    order_accept(order=order, actor=chain.turner_owner)
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=10)
    delivery = handoff_ship(step=turn, actor=chain.turner_floor, quantity=10)
    handoff_receive(handoff=delivery, actor=chain.hub_owner, quantity=10)
    return job, turn, order, delivery


def test_inspection_return_rework_through_the_api(chain, delivered):
    job, turn, _order, delivery = delivered
    hub = _client(chain.hub_owner)
    inspect = f"{API}/handoffs/{delivery.uuid}/inspect/"
    before = _snapshot()
    _refused(_send(hub, "post", inspect, {"accepted": 11}), "counts_mismatch", "accepted")
    # A return of parts never rejected.
    _refused(
        _send(
            hub,
            "post",
            f"{API}/handoffs/{delivery.uuid}/return/",
            {"quantity": 1, "cause": "other"},
        ),
        "nothing_to_return",
        "quantity",
    )
    # Floor staff do not inspect: that binds the company (the hub's floor does not even see a
    # delivery from another shop's step).
    assert _send(_client(chain.hub_floor), "post", inspect, {"accepted": 10}).status_code == 404
    assert _snapshot() == before

    response = _send(
        hub,
        "post",
        inspect,
        {"accepted": 8, "rejected": 2, "cause": "appearance", "reject_action": "return"},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["quantity_accepted"], data["quantity_rejected"], data["reject_action"]) == (
        8,
        2,
        "return",
    )
    assert data["inspected_on"] is not None

    response = _send(
        hub,
        "post",
        f"{API}/handoffs/{delivery.uuid}/return/",
        {"quantity": 2, "cause": "appearance", "note": "傷"},
    )
    assert response.status_code == 201, response.content
    back = response.json()
    assert (back["kind"], back["return_of"], back["to_step"], back["defect_cause"]) == (
        "return",
        str(delivery.uuid),
        str(turn.uuid),
        "appearance",
    )
    back = HandOff.objects.get(uuid=back["id"])
    turner = _client(chain.turner_owner)
    response = _send(turner, "post", f"{API}/handoffs/{back.uuid}/receive/", {"quantity": 2})
    assert response.status_code == 200, response.content
    response = _send(turner, "post", f"{API}/handoffs/{back.uuid}/rework/", {"action": "rework"})
    assert response.status_code == 201, response.content
    rework = response.json()
    assert (rework["rework_of"], rework["quantity"], rework["status"]) == (
        str(turn.uuid),
        2,
        StepStatus.READY,
    )
    # Dealt with once.
    _refused(
        _send(turner, "post", f"{API}/handoffs/{back.uuid}/rework/", {"action": "replace"}),
        "resolved",
    )
    detail = hub.get(f"{API}/jobs/{job.uuid}/").json()
    returned = next(h for h in detail["handoffs"] if h["id"] == str(back.uuid))
    assert returned["resolved_by_step"] == rework["id"]
    kinds = set(job.events.values_list("kind", flat=True))
    assert {"handoff.inspected", "handoff.returned", "step.rework_opened"} <= kinds


# --- orders: request (with supplied material), answer, send the material -------------------------


def test_the_hub_requests_an_order_with_supplied_material_and_sends_it(chain, built):
    hub = _client(chain.hub_owner)
    job, turn = built["job"], built["L"]
    url = f"{API}/jobs/{job.uuid}/orders/"
    base = {"supplier": str(chain.turner.uuid), "steps": [str(turn.uuid)]}
    before = _snapshot()
    _refused(
        _send(hub, "post", url, {**base, **_terms(material_supply="paid", supply_note="丸棒")}),
        "terms",
        "supply_price",
    )
    assert _snapshot() == before
    response = _send(
        hub,
        "post",
        url,
        {
            **base,
            **_terms(
                material_supply="paid",
                supply_note="S45C 丸棒 φ40 19本",
                supply_price=30000,
                supply_settlement_date=str(in_days(45)),
            ),
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["material_supply"], data["supply_price"]) == (
        OrderStatus.REQUESTED,
        "paid",
        30000,
    )
    # One part priced as a whole: its line carries the price (¥120,000 / 19 has no exact unit
    # price to the sen, so none is stated).
    assert data["items"] == [
        {
            "part": str(built["shaft"].uuid),
            "part_name": "シャフト",
            "quantity": 19,
            "unit_price": None,
            "amount": 120000,
        }
    ]
    order = Order.objects.get(uuid=data["id"])

    turner = _client(chain.turner_owner)
    response = _send(turner, "post", f"{API}/orders/{order.uuid}/accept/")
    assert response.status_code == 200, response.content
    # The supplier's view: items and supply terms, with prices (a party).
    seen = turner.get(f"{API}/orders/{order.uuid}/").json()["order"]
    assert (seen["supply_note"], seen["supply_settlement_date"]) == (
        "S45C 丸棒 φ40 19本",
        str(in_days(45)),
    )

    response = _send(hub, "post", f"{API}/orders/{order.uuid}/supply/", {"quantity": 19})
    assert response.status_code == 201, response.content
    material = response.json()
    assert (material["kind"], material["from_step"], material["to_step"]) == (
        "supply",
        None,
        str(turn.uuid),
    )
    response = _send(
        _client(chain.turner_floor),
        "post",
        f"{API}/handoffs/{material['id']}/receive/",
        {"quantity": 19},
    )
    assert response.status_code == 200, response.content
    assert refreshed(turn).status == StepStatus.READY


def test_prices_of_supplied_material_only_for_the_two_parties(chain, routed_job):
    _job, _steps, orders = routed_job
    Order.objects.filter(pk=orders["sub"].pk).update(
        material_supply="paid",
        supply_note="研削砥石",
        supply_price=5000,
        supply_settlement_date=in_days(40),
    )
    hub = _client(chain.hub_owner).get(f"{API}/jobs/{routed_job[0].uuid}/").json()
    sub = next(o for o in hub["orders"] if o["id"] == str(orders["sub"].uuid))
    assert sub["material_supply"] == "paid" and sub["supply_note"] == "研削砥石"
    assert "supply_price" not in sub and "supply_settlement_date" not in sub
    grinder = _client(chain.grinder_owner).get(f"{API}/orders/{orders['sub'].uuid}/").json()
    assert grinder["order"]["supply_price"] == 5000


def test_the_supplier_declines_and_the_hub_withdraws(chain, built):
    hub = _client(chain.hub_owner)
    url = f"{API}/jobs/{built['job'].uuid}/orders/"
    first = _send(
        hub,
        "post",
        url,
        {"supplier": str(chain.turner.uuid), "steps": [str(built["L"].uuid)], **_terms()},
    ).json()
    response = _send(
        _client(chain.turner_owner),
        "post",
        f"{API}/orders/{first['id']}/decline/",
        {"code": "fully_booked"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == OrderStatus.DECLINED
    second = _send(
        hub,
        "post",
        url,
        {"supplier": str(chain.turner.uuid), "steps": [str(built["L"].uuid)], **_terms()},
    ).json()
    response = _send(hub, "post", f"{API}/orders/{second['id']}/withdraw/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == OrderStatus.WITHDRAWN


# --- who may: outsiders get 404, floor staff no manager-only writes ------------------------------


def _new_routes(objects) -> list[tuple[str, str, dict]]:
    job, step, part, handoff, order = (
        objects["job"],
        objects["step"],
        objects["part"],
        objects["handoff"],
        objects["order"],
    )
    return [
        ("patch", f"{API}/jobs/{job.uuid}/", {"priority": 2}),
        ("post", f"{API}/jobs/{job.uuid}/parts/", {"name": "x", "quantity": 1}),
        ("post", f"{API}/jobs/{job.uuid}/steps/", {"process": "L", "planned_hours": 1}),
        ("post", f"{API}/jobs/{job.uuid}/orders/", {}),
        ("patch", f"{API}/parts/{part.uuid}/", {"name": "y"}),
        ("delete", f"{API}/parts/{part.uuid}/", None),
        ("patch", f"{API}/steps/{step.uuid}/", {"title": "t"}),
        ("delete", f"{API}/steps/{step.uuid}/", None),
        ("post", f"{API}/steps/{step.uuid}/links/", {"predecessor": str(step.uuid)}),
        ("delete", f"{API}/steps/{step.uuid}/links/{step.uuid}/", None),
        ("put", f"{API}/steps/{step.uuid}/inputs/", {"inputs": []}),
        ("post", f"{API}/handoffs/{handoff.uuid}/inspect/", {"accepted": 1}),
        ("post", f"{API}/handoffs/{handoff.uuid}/return/", {"quantity": 1, "cause": "other"}),
        ("post", f"{API}/handoffs/{handoff.uuid}/rework/", {"action": "rework"}),
        ("post", f"{API}/orders/{order.uuid}/supply/", {"quantity": 1}),
    ]


@pytest.mark.parametrize("who", ["stranger_owner", "staff"])
def test_outsiders_get_404_on_every_new_route_and_change_nothing(chain, delivered, who):
    job, turn, order, delivery = delivered
    objects = {"job": job, "step": turn, "part": turn.part, "handoff": delivery, "order": order}
    client = _client(getattr(chain, who))
    before = _snapshot()
    for method, url, data in _new_routes(objects):
        response = _send(client, method, url, data)
        assert response.status_code == 404, (method, url, response.content)
    assert _send(client, "post", f"{API}/jobs/", {"workshop": str(chain.hub.uuid)}).status_code in (
        400,
        404,
    )
    assert _snapshot() == before


def test_floor_staff_cannot_create_jobs_or_shape_them(chain, built):
    floor = _client(chain.hub_floor)
    job = built["job"]
    before = _snapshot()
    response = _send(
        floor,
        "post",
        f"{API}/jobs/",
        {
            "workshop": str(chain.hub.uuid),
            "part_name": "軸",
            "quantity": 1,
            "due_date": str(in_days(5)),
        },
    )
    assert response.status_code == 404  # not a workshop the caller manages
    for method, url, data in [
        ("patch", f"{API}/jobs/{job.uuid}/", {"priority": 2}),
        ("post", f"{API}/jobs/{job.uuid}/parts/", {"name": "x", "quantity": 1}),
        ("post", f"{API}/jobs/{job.uuid}/steps/", {"process": "L", "planned_hours": 1}),
        ("delete", f"{API}/steps/{built['ASM'].uuid}/", None),
    ]:
        _refused(_send(floor, method, url, data), "not_allowed")
    assert _snapshot() == before


# --- idempotency: a repeat is the same object, written once --------------------------------------


def test_a_repeated_create_answers_the_same_object_once(chain, built):
    hub = _client(chain.hub_owner)
    job = built["job"]
    url = f"{API}/jobs/{job.uuid}/parts/"
    first = _send(hub, "post", url, {"name": "カラー", "quantity": 5}, key="part-1")
    again = _send(hub, "post", url, {"name": "カラー", "quantity": 5}, key="part-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert Part.objects.filter(job=job, name="カラー").count() == 1

    body = {
        "workshop": str(chain.hub.uuid),
        "part_name": "軸",
        "quantity": 3,
        "due_date": str(in_days(9)),
    }
    first = _send(hub, "post", f"{API}/jobs/", body, key="job-1")
    again = _send(hub, "post", f"{API}/jobs/", body, key="job-1")
    assert first.json()["id"] == again.json()["id"]
    assert Job.objects.filter(part_name="軸").count() == 1

    body = {"process": "L", "planned_hours": 1}
    first = _send(hub, "post", f"{API}/jobs/{job.uuid}/steps/", body, key="step-1")
    again = _send(hub, "post", f"{API}/jobs/{job.uuid}/steps/", body, key="step-1")
    assert first.json()["id"] == again.json()["id"]

    order_body = {"supplier": str(chain.turner.uuid), "steps": [str(built["L"].uuid)], **_terms()}
    first = _send(hub, "post", f"{API}/jobs/{job.uuid}/orders/", order_body, key="order-1")
    again = _send(hub, "post", f"{API}/jobs/{job.uuid}/orders/", order_body, key="order-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Order.objects.filter(job=job).count() == 1


def test_a_repeated_removal_link_or_inspection_is_applied_once(chain, built, delivered):
    hub = _client(chain.hub_owner)
    insp = _send(
        hub,
        "post",
        f"{API}/jobs/{built['job'].uuid}/steps/",
        {"process": "INS", "planned_hours": 1},
    ).json()["id"]
    link = {"predecessor": str(built["ASM"].uuid)}
    assert _send(hub, "post", f"{API}/steps/{insp}/links/", link, key="l").status_code == 200
    seq = refreshed(built["job"]).last_seq
    again = _send(hub, "post", f"{API}/steps/{insp}/links/", link, key="l")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert refreshed(built["job"]).last_seq == seq

    assert _send(hub, "delete", f"{API}/steps/{insp}/", key="rm").status_code == 204
    again = _send(hub, "delete", f"{API}/steps/{insp}/", key="rm")
    assert again.status_code == 204 and again["Idempotent-Replayed"] == "true"
    # Without the key, the step is simply gone.
    assert _send(hub, "delete", f"{API}/steps/{insp}/").status_code == 404

    _job, _turn, _order, delivery = delivered
    url = f"{API}/handoffs/{delivery.uuid}/inspect/"
    first = _send(hub, "post", url, {"accepted": 10}, key="insp")
    again = _send(hub, "post", url, {"accepted": 10}, key="insp")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert ProgressEvent.objects.filter(kind="handoff.inspected", handoff=delivery).count() == 1


@pytest.mark.parametrize("parts", [1, 30])
def test_the_job_detail_of_many_parts_takes_a_fixed_number_of_queries(
    chain, django_assert_num_queries, parts
):
    from orders.services.jobs import step_add
    from orders.services.parts import part_add, step_inputs_set
    from workshops.models import Process

    job = post_job(chain, quantity=2)
    lathe, assembly = Process.objects.get(code="L"), Process.objects.get(code="ASM")
    made = []
    for n in range(parts - 1):
        part = part_add(job=job, actor=chain.hub_owner, data={"name": f"部品{n}", "quantity": 2})
        step_add(job=job, actor=chain.hub_owner, process=lathe, planned_hours=1, part=part)
        made.append(part)
    join = step_add(job=job, actor=chain.hub_owner, process=assembly, planned_hours=1)
    if made:
        step_inputs_set(step=join, actor=chain.hub_owner, inputs=[(p, 1) for p in made])
    client = _client(chain.hub_owner)
    # The token, get_job_for, the steps, their links, the hand-offs, the inputs, the parts
    # (no orders: nothing read for them): as many for 30 parts as for one.
    with django_assert_num_queries(11):
        response = client.get(f"{API}/jobs/{job.uuid}/")
    assert len(response.json()["parts"]) == parts
    assert len(response.json()["inputs"]) == parts - 1


def test_a_job_detail_of_many_parts_lists_them_all(chain):
    job = post_job(chain)
    hub = _client(chain.hub_owner)
    for n in range(5):
        _send(hub, "post", f"{API}/jobs/{job.uuid}/parts/", {"name": f"部品{n}", "quantity": 2})
    detail = hub.get(f"{API}/jobs/{job.uuid}/").json()
    assert [p["name"] for p in detail["parts"]] == ["シャフト", *[f"部品{n}" for n in range(5)]]
    # A supplier sees only the parts of its steps (here: none routed to it).
    assert _client(chain.turner_owner).get(f"{API}/jobs/{job.uuid}/").status_code == 404
    assert HandOffKind.SHIP == "ship"
