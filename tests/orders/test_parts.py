"""Jobs of many parts, and hand-offs per part and destination: shipping down each branch,
partial deliveries (分納), acceptance inspection (検収), returns and rework, supplied material."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.services import Refused
from orders.models import (
    HandOff,
    HandOffKind,
    Job,
    JobStatus,
    Order,
    OrderStatus,
    Part,
    Step,
    StepInput,
    StepLink,
    StepStatus,
)
from orders.selectors import parts_available, ship_plan
from orders.services.handoffs import (
    handoff_inspect,
    handoff_receive,
    handoff_return,
    handoff_ship,
    return_resolve,
    supply_ship,
)
from orders.services.jobs import step_add
from orders.services.parts import part_add, part_remove, part_update, step_inputs_set
from orders.services.progress import step_done, step_start
from orders.services.routing import order_accept, order_request
from tests.orders.conftest import in_days, post_job, refreshed, terms
from workshops.models import Process


def _step(job, chain, code, part, quantity, after=(), hours=2):
    return step_add(
        job=job,
        actor=chain.hub_owner,
        process=Process.objects.get(code=code),
        planned_hours=hours,
        quantity=quantity,
        after=after,
        part=part,
    )


@pytest.fixture
def branched(chain):
    """A gear unit of 19: 38 blanks turned at the turner (ordered), then 19 milled into
    brackets and 19 ground into shafts at the hub, and an assembly that joins one of each."""
    job = post_job(chain, part_name="ギアユニット", quantity=19)
    unit = Part.objects.get(job=job)
    blank = part_add(job=job, actor=chain.hub_owner, data={"name": "素材", "quantity": 38})
    bracket = part_add(
        job=job,
        actor=chain.hub_owner,
        data={"name": "ブラケット", "quantity": 19, "drawing_number": "MR-2002"},
    )
    shaft = part_add(job=job, actor=chain.hub_owner, data={"name": "シャフト", "quantity": 19})
    turn = _step(job, chain, "L", blank, 38)
    mill = _step(job, chain, "M", bracket, 19, after=[turn])
    grind = _step(job, chain, "G", shaft, 19, after=[turn])
    assemble = _step(job, chain, "ASM", unit, 19)
    step_inputs_set(step=assemble, actor=chain.hub_owner, inputs=[(bracket, 1), (shaft, 1)])
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    return {
        "job": job,
        "order": order,
        "parts": {"unit": unit, "blank": blank, "bracket": bracket, "shaft": shaft},
        "steps": {"turn": turn, "mill": mill, "grind": grind, "assemble": assemble},
    }


def _seq(job) -> int:
    return Job.objects.values_list("last_seq", flat=True).get(pk=job.pk)


def test_an_assembly_joins_the_last_steps_of_the_parts_it_consumes(branched):
    s = branched["steps"]
    preds = set(
        StepLink.objects.filter(successor=s["assemble"]).values_list("predecessor_id", flat=True)
    )
    assert preds == {s["mill"].pk, s["grind"].pk}
    assert {(i.part.name, i.per_unit) for i in StepInput.objects.filter(step=s["assemble"])} == {
        ("ブラケット", 1),
        ("シャフト", 1),
    }
    # The order owes what its step makes: 38 blanks.
    assert [(i.part.name, i.quantity) for i in branched["order"].items.all()] == [("素材", 38)]


def test_a_two_branch_job_whose_first_step_is_ordered_ships_each_branch_and_finishes(
    chain, branched
):
    job, order, s = branched["job"], branched["order"], branched["steps"]
    step_start(step=s["turn"], actor=chain.turner_floor)
    step_done(step=s["turn"], actor=chain.turner_floor, good=38)

    # Two destinations at one shop, each named by part and step, each owed 19.
    plan = ship_plan([refreshed(s["turn"])])[s["turn"].pk]
    assert [(d.step.pk, d.shop.pk, d.part_name, d.left) for d in plan] == [
        (s["mill"].pk, chain.hub.pk, "素材", 19),
        (s["grind"].pk, chain.hub.pk, "素材", 19),
    ]
    to_mill = handoff_ship(step=s["turn"], actor=chain.turner_floor, quantity=19, to_step=s["mill"])
    # The first branch's 19 do not use up the lot: the second is still owed its 19.
    with pytest.raises(Refused) as refused:
        handoff_ship(step=s["turn"], actor=chain.turner_floor, quantity=1, to_step=s["mill"])
    assert refused.value.code == "too_many"
    to_grind = handoff_ship(
        step=s["turn"], actor=chain.turner_floor, quantity=19, to_step=s["grind"]
    )
    assert to_mill.part == to_grind.part == branched["parts"]["blank"]

    handoff_receive(handoff=to_mill, actor=chain.hub_floor, quantity=19)
    # One blank of the second branch is out of tolerance: rejected at receipt.
    received = handoff_receive(
        handoff=to_grind, actor=chain.hub_floor, quantity=19, rejected=1, cause="dimension"
    )
    assert (received.quantity_accepted, received.quantity_rejected) == (18, 1)
    # 37 of 38 accepted: not delivered (分納 is not 納品済み).
    assert refreshed(order).status == OrderStatus.ACCEPTED
    assert refreshed(s["mill"]).status == StepStatus.READY
    assert refreshed(s["grind"]).status == StepStatus.READY
    assert parts_available([refreshed(s["grind"])])[s["grind"].pk] == 18

    back = handoff_return(handoff=to_grind, actor=chain.hub_owner, quantity=1, cause="dimension")
    assert (back.kind, back.to_workshop, back.to_step) == (
        HandOffKind.RETURN,
        chain.turner,
        s["turn"],
    )
    handoff_receive(handoff=back, actor=chain.turner_floor, quantity=1)
    rework = return_resolve(handoff=back, actor=chain.turner_owner, action="rework")
    assert (rework.status, rework.workshop, rework.quantity, rework.rework_of_id) == (
        StepStatus.READY,
        chain.turner,
        1,
        s["turn"].pk,
    )
    assert order.steps.filter(pk=rework.pk).exists()
    step_start(step=rework, actor=chain.turner_floor)
    step_done(step=rework, actor=chain.turner_floor, good=1)
    plan = ship_plan([refreshed(rework)])[rework.pk]
    assert [(d.step.pk, d.left) for d in plan] == [(s["mill"].pk, 0), (s["grind"].pk, 1)]
    again = handoff_ship(step=rework, actor=chain.turner_floor, quantity=1, to_step=s["grind"])
    handoff_receive(handoff=again, actor=chain.hub_floor, quantity=1)
    assert refreshed(order).status == OrderStatus.DELIVERED
    assert parts_available([refreshed(s["grind"])])[s["grind"].pk] == 19

    for key in ("mill", "grind"):
        step_start(step=s[key], actor=chain.hub_floor)
        step_done(step=s[key], actor=chain.hub_floor, good=19)
    assemble = refreshed(s["assemble"])
    assert assemble.status == StepStatus.READY
    assert parts_available([assemble])[assemble.pk] == 19
    step_start(step=assemble, actor=chain.hub_floor)
    step_done(step=assemble, actor=chain.hub_floor, good=19)
    assert refreshed(job).status == JobStatus.DONE
    kinds = list(job.events.order_by("seq").values_list("kind", flat=True))
    for kind in ("handoff.returned", "step.rework_opened", "order.delivered", "job.completed"):
        assert kind in kinds
    seqs = list(job.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_an_assembly_needs_its_parts_per_unit(chain):
    job = post_job(chain, part_name="フレーム", quantity=5)
    frame = Part.objects.get(job=job)
    bolt = part_add(job=job, actor=chain.hub_owner, data={"name": "ボルト", "quantity": 20})
    make = _step(job, chain, "L", bolt, 20)
    join = _step(job, chain, "ASM", frame, 5)
    step_inputs_set(step=join, actor=chain.hub_owner, inputs=[(bolt, 4)])
    step_start(step=make, actor=chain.hub_floor)
    step_done(step=make, actor=chain.hub_floor, good=18, scrap=2, scrap_cause="machining")
    assert refreshed(make).scrap_cause == "machining"
    # 18 bolts, 4 per frame: 4 frames can be assembled.
    assert parts_available([refreshed(join)])[join.pk] == 4


# --- bad input: a clear message, nothing written, no event --------------------------------------


def _refused(call, code=None, field=None):
    with pytest.raises(Refused) as refused:
        call()
    if code:
        assert refused.value.code == code
    if field:
        assert field in refused.value.message_dict
    return refused.value


def test_shipping_more_than_was_made_is_refused(chain, branched):
    s = branched["steps"]
    step_start(step=s["turn"], actor=chain.turner_floor)
    step_done(step=s["turn"], actor=chain.turner_floor, good=30, scrap=8, scrap_cause="machining")
    handoff_ship(step=s["turn"], actor=chain.turner_floor, quantity=19, to_step=s["mill"])
    seq, count = _seq(branched["job"]), HandOff.objects.count()
    # 11 left of 30 made good, though the grinder is owed 19.
    _refused(
        lambda: handoff_ship(
            step=s["turn"], actor=chain.turner_floor, quantity=12, to_step=s["grind"]
        ),
        code="too_many",
        field="quantity",
    )
    assert (_seq(branched["job"]), HandOff.objects.count()) == (seq, count)


def test_receiving_more_than_shipped_and_accepting_more_than_received_are_refused(
    chain, routed_job
):
    job, steps = routed_job[0], routed_job[1]
    Order.objects.filter(pk=routed_job[2]["top"].pk).update(inspection_due_date=in_days(20))
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    grind = refreshed(steps["G"])
    shipped = handoff_ship(step=turn, actor=chain.turner_floor, quantity=100, to_step=grind)
    seq = _seq(job)
    _refused(
        lambda: handoff_receive(handoff=shipped, actor=chain.grinder_floor, quantity=101),
        code="too_many",
        field="quantity",
    )
    _refused(
        lambda: handoff_receive(
            handoff=shipped, actor=chain.grinder_floor, quantity=100, rejected=3
        ),
        field="cause",
    )
    assert _seq(job) == seq
    assert refreshed(shipped).quantity_received is None


def test_inspection_after_receipt_delivers_the_order_only_when_recorded(chain):
    job = post_job(chain, quantity=10)
    turn = _step(job, chain, "L", None, 10)
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
    assert delivery.to_step is None and delivery.order == order
    handoff_receive(handoff=delivery, actor=chain.hub_owner, quantity=10)
    delivery = refreshed(delivery)
    assert not delivery.inspected
    assert refreshed(order).status == OrderStatus.ACCEPTED
    seq = _seq(job)
    _refused(
        lambda: handoff_inspect(handoff=delivery, actor=chain.hub_owner, accepted=11),
        code="counts_mismatch",
        field="accepted",
    )
    _refused(
        lambda: handoff_inspect(
            handoff=delivery, actor=chain.hub_owner, accepted=8, rejected=2, cause="appearance"
        ),
        field="reject_action",
    )
    # Floor staff do not inspect: that binds the company.
    with pytest.raises(Exception):  # noqa: B017 (PermissionDenied or Refused: never a write)
        handoff_inspect(handoff=delivery, actor=chain.hub_floor, accepted=10)
    assert _seq(job) == seq
    handoff_inspect(
        handoff=delivery,
        actor=chain.hub_owner,
        accepted=8,
        rejected=2,
        cause="appearance",
        reject_action="return",
    )
    assert refreshed(order).status == OrderStatus.ACCEPTED  # 8 of 10
    # A return of more than was rejected, or of parts never rejected, is refused.
    _refused(
        lambda: handoff_return(handoff=delivery, actor=chain.hub_owner, quantity=3, cause="other"),
        field="quantity",
    )
    handoff_return(handoff=delivery, actor=chain.hub_owner, quantity=2, cause="appearance")
    _refused(
        lambda: handoff_return(handoff=delivery, actor=chain.hub_owner, quantity=1, cause="other"),
        field="quantity",
    )


def test_a_return_of_parts_never_rejected_is_refused(chain, routed_job):
    turn = routed_job[1]["L"]
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    shipped = handoff_ship(
        step=turn, actor=chain.turner_floor, quantity=100, to_step=routed_job[1]["G"]
    )
    handoff_receive(handoff=shipped, actor=chain.grinder_floor, quantity=100)
    seq = _seq(routed_job[0])
    with translation.override("en"):  # the message in the reader's language
        error = _refused(
            lambda: handoff_return(
                handoff=shipped, actor=chain.grinder_floor, quantity=1, cause="machining"
            ),
            code="nothing_to_return",
        )
    assert "nothing to return" in " ".join(error.messages)
    assert _seq(routed_job[0]) == seq


def test_rejects_the_buyer_scrapped_cannot_also_be_returned(chain):
    """Scrapped rejects are no longer owed (the order is delivered without them): sending them
    back too would let the supplier ship them again to an order already delivered."""
    job = post_job(chain, quantity=2)
    turn = _step(job, chain, "L", None, 2)
    order = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[turn],
        terms=terms(inspection_due_date=in_days(12)),
    )
    order_accept(order=order, actor=chain.turner_owner)
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=2)
    delivery = handoff_ship(step=turn, actor=chain.turner_floor, quantity=2)
    handoff_receive(handoff=delivery, actor=chain.hub_owner, quantity=2)
    handoff_inspect(
        handoff=delivery,
        actor=chain.hub_owner,
        accepted=1,
        rejected=1,
        cause="dimension",
        reject_action="scrap",
    )
    assert refreshed(order).status == OrderStatus.DELIVERED
    assert refreshed(delivery).returnable == 0
    seq, handoffs = _seq(job), HandOff.objects.filter(job=job).count()
    _refused(
        lambda: handoff_return(
            handoff=delivery, actor=chain.hub_owner, quantity=1, cause="dimension"
        ),
        code="rejects_scrapped",
    )
    assert (_seq(job), HandOff.objects.filter(job=job).count()) == (seq, handoffs)
    assert ship_plan([refreshed(turn)])[turn.pk][0].left == 0


def test_an_assembly_of_a_part_no_step_makes_and_a_loop_across_parts_are_refused(chain):
    job = post_job(chain, part_name="ユニット", quantity=2)
    unit = Part.objects.get(job=job)
    pin = part_add(job=job, actor=chain.hub_owner, data={"name": "ピン", "quantity": 4})
    cover = part_add(job=job, actor=chain.hub_owner, data={"name": "カバー", "quantity": 2})
    join = _step(job, chain, "ASM", unit, 2)
    seq = _seq(job)
    error = _refused(
        lambda: step_inputs_set(step=join, actor=chain.hub_owner, inputs=[(pin, 2)]),
        code="not_made",
        field="inputs",
    )
    assert "ピン" in " ".join(error.messages)
    # The cover is made after the assembly: consuming it there would be a loop.
    _step(job, chain, "INS", cover, 2, after=[join])
    seq = _seq(job)
    _refused(
        lambda: step_inputs_set(step=join, actor=chain.hub_owner, inputs=[(cover, 1)]),
        code="cycle",
    )
    _refused(
        lambda: step_inputs_set(step=join, actor=chain.hub_owner, inputs=[(unit, 1)]),
        code="own_part",
    )
    assert _seq(job) == seq
    assert not StepInput.objects.filter(step=join).exists()


def test_parts_are_edited_and_removed_only_when_unused(chain):
    job = post_job(chain)
    extra = part_add(job=job, actor=chain.hub_owner, data={"name": "カラー", "quantity": 100})
    part_update(part=extra, actor=chain.hub_owner, data={"revision": "B", "quantity": 120})
    assert (refreshed(extra).revision, refreshed(extra).quantity) == ("B", 120)
    _refused(
        lambda: part_add(
            job=job, actor=chain.hub_owner, data={"name": "", "quantity": 99_999_999_999}
        ),
        field="quantity",
    )
    with pytest.raises(Refused) as refused:
        part_add(job=job, actor=chain.hub_owner, data={"name": "", "quantity": 0})
    assert set(refused.value.message_dict) == {"name", "quantity"}  # all at once
    _step(job, chain, "L", extra, 120)
    _refused(lambda: part_remove(part=extra, actor=chain.hub_owner), code="part_in_use")
    spare = part_add(job=job, actor=chain.hub_owner, data={"name": "予備", "quantity": 1})
    part_remove(part=spare, actor=chain.hub_owner)
    assert not Part.objects.filter(pk=spare.pk).exists()
    assert "part.removed" in set(job.events.values_list("kind", flat=True))


def test_outsiders_cannot_add_parts(chain):
    job = post_job(chain)
    with pytest.raises(Exception):  # noqa: B017
        part_add(job=job, actor=chain.stranger_owner, data={"name": "x", "quantity": 1})
    assert job.parts.count() == 1


# --- material the buyer supplies ---------------------------------------------------------------


def test_supplied_material_must_arrive_before_the_step_is_ready(chain):
    job = post_job(chain, quantity=10)
    turn = _step(job, chain, "L", None, 10)
    _refused(
        lambda: order_request(
            job=job,
            actor=chain.hub_owner,
            supplier=chain.turner,
            steps=[turn],
            terms=terms(material_supply="paid", supply_note="S45C 丸棒"),
        ),
        field="supply_price",
    )
    order = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[turn],
        terms=terms(
            material_supply="paid",
            supply_note="S45C 丸棒 φ40×900 10本",
            supply_price=30000,
            supply_settlement_date=in_days(45),
        ),
    )
    order_accept(order=order, actor=chain.turner_owner)
    assert refreshed(turn).status == StepStatus.PLANNED  # waits for the material
    document = order.documents.order_by("-version").first()
    assert document.content["supplied_materials"]["kind_ja"] == "有償支給"
    assert document.content["supplied_materials"]["price"] == 30000
    material = supply_ship(order=order, actor=chain.hub_owner, quantity=10)
    assert (material.kind, material.from_step, material.to_step) == (
        HandOffKind.SUPPLY,
        None,
        turn,
    )
    assert refreshed(turn).status == StepStatus.PLANNED  # on its way, not yet here
    handoff_receive(handoff=material, actor=chain.turner_floor, quantity=10)
    assert refreshed(turn).status == StepStatus.READY
    assert "handoff.supplied" in set(job.events.values_list("kind", flat=True))


def test_an_order_without_supply_refuses_supplied_material(chain, routed_job):
    with pytest.raises(Refused) as refused:
        supply_ship(order=routed_job[2]["top"], actor=chain.hub_owner, quantity=1)
    assert refused.value.code == "no_supply"


def test_a_step_stays_on_its_part_and_a_job_copy_keeps_the_parts(chain, branched):
    from orders.services.jobs import job_copy

    copy = job_copy(job=branched["job"], actor=chain.hub_owner, due_date=in_days(50))
    assert list(copy.parts.values_list("name", flat=True)) == [
        "ギアユニット",
        "素材",
        "ブラケット",
        "シャフト",
    ]
    assert {(s.process.code, s.part.name) for s in Step.objects.filter(job=copy)} == {
        ("L", "素材"),
        ("M", "ブラケット"),
        ("G", "シャフト"),
        ("ASM", "ギアユニット"),
    }
    assert StepInput.objects.filter(step__job=copy).count() == 2


def parts_scenario(chain) -> list[Job]:
    """Every event the parts bring, for the every-kind tests: parts added, changed and removed,
    an assembly's inputs, supplied material, an inspection after receipt, a return, a rework
    that reopens a finished job."""
    job = post_job(chain, part_name="ユニット", quantity=2)
    unit = Part.objects.get(job=job)
    pin = part_add(job=job, actor=chain.hub_owner, data={"name": "ピン", "quantity": 4})
    part_update(part=pin, actor=chain.hub_owner, data={"revision": "B"})
    spare = part_add(job=job, actor=chain.hub_owner, data={"name": "予備", "quantity": 1})
    part_remove(part=spare, actor=chain.hub_owner)
    _step(job, chain, "L", pin, 4)
    join = _step(job, chain, "ASM", unit, 2)
    step_inputs_set(step=join, actor=chain.hub_owner, inputs=[(pin, 2)])

    supplied = post_job(chain, part_name="カラー", quantity=10)
    turn = _step(supplied, chain, "L", None, 10)
    order = order_request(
        job=supplied,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[turn],
        terms=terms(
            inspection_due_date=in_days(12), material_supply="free", supply_note="SUS304 丸棒"
        ),
    )
    order_accept(order=order, actor=chain.turner_owner)
    material = supply_ship(order=order, actor=chain.hub_owner, quantity=10)
    handoff_receive(handoff=material, actor=chain.turner_floor, quantity=10)
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=10)
    delivery = handoff_ship(step=turn, actor=chain.turner_floor, quantity=10)
    handoff_receive(handoff=delivery, actor=chain.hub_owner, quantity=10)
    handoff_inspect(
        handoff=delivery,
        actor=chain.hub_owner,
        accepted=9,
        rejected=1,
        cause="appearance",
        reject_action="return",
    )
    back = handoff_return(handoff=delivery, actor=chain.hub_owner, quantity=1, cause="appearance")
    handoff_receive(handoff=back, actor=chain.turner_owner, quantity=1)
    rework = return_resolve(handoff=back, actor=chain.turner_owner, action="replace")
    step_start(step=rework, actor=chain.turner_floor)
    step_done(step=rework, actor=chain.turner_floor, good=1)
    again = handoff_ship(step=rework, actor=chain.turner_floor, quantity=1)
    handoff_receive(handoff=again, actor=chain.hub_owner, quantity=1)
    handoff_inspect(handoff=again, actor=chain.hub_owner, accepted=1)
    assert refreshed(order).status == OrderStatus.DELIVERED
    return [job, supplied]


def test_the_parts_scenario_reopens_and_finishes_the_job_and_delivers_the_order(chain):
    _job, supplied = parts_scenario(chain)
    kinds = list(supplied.events.order_by("seq").values_list("kind", flat=True))
    assert kinds.count("job.completed") == 2
    assert "job.reopened" in kinds
    assert refreshed(supplied).status == JobStatus.DONE


def test_a_received_return_keeps_why_it_was_sent_back(chain, routed_job):
    turn = routed_job[1]["L"]
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    shipped = handoff_ship(
        step=turn, actor=chain.turner_floor, quantity=100, to_step=routed_job[1]["G"]
    )
    handoff_receive(
        handoff=shipped, actor=chain.grinder_floor, quantity=100, rejected=2, cause="machining"
    )
    back = handoff_return(handoff=shipped, actor=chain.grinder_owner, quantity=2, cause="dimension")
    handoff_receive(handoff=back, actor=chain.turner_floor, quantity=2)
    assert refreshed(back).defect_cause == "dimension"


def test_a_rework_step_ships_to_the_next_shop_from_its_page(chain, branched):
    """The floor's ship form names the destination step: for a rework, one of the steps the
    redone step feeds (it has no successors of its own)."""
    from tests.conftest import client_for

    s = branched["steps"]
    step_start(step=s["turn"], actor=chain.turner_floor)
    step_done(step=s["turn"], actor=chain.turner_floor, good=38)
    to_grind = handoff_ship(
        step=s["turn"], actor=chain.turner_floor, quantity=19, to_step=s["grind"]
    )
    handoff_receive(
        handoff=to_grind, actor=chain.hub_floor, quantity=19, rejected=2, cause="dimension"
    )
    back = handoff_return(handoff=to_grind, actor=chain.hub_owner, quantity=2, cause="dimension")
    handoff_receive(handoff=back, actor=chain.turner_floor, quantity=2)
    rework = return_resolve(handoff=back, actor=chain.turner_owner, action="rework")
    step_start(step=rework, actor=chain.turner_floor)
    step_done(step=rework, actor=chain.turner_floor, good=2)

    response = client_for(chain.turner_floor).post(
        f"/jobs/{branched['job'].uuid}/steps/{rework.uuid}/ship/",
        {"quantity": 2, "to_step": str(s["grind"].uuid)},
    )
    assert response.status_code == 302
    shipped = HandOff.objects.get(from_step=rework)
    assert (shipped.to_step, shipped.quantity_shipped) == (s["grind"], 2)
    # A step the redone step does not feed cannot be named.
    response = client_for(chain.turner_floor).post(
        f"/jobs/{branched['job'].uuid}/steps/{rework.uuid}/ship/",
        {"quantity": 1, "to_step": str(s["assemble"].uuid)},
    )
    assert response.status_code == 404
    assert HandOff.objects.filter(from_step=rework).count() == 1
