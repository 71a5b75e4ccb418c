"""Random floor activity on a routed DAG job never breaks the job's invariants.

Each example plays on a fresh copy of one routed job, taken at one of four points of its
progress (just routed; turning received one part short; up to assembly; up to inspection):

    turning → grinding → plating ┐
                      drilling ──┴→ assembly → inspection

Turning and grinding are ordered from the turner, who passes grinding on to the grinder;
plating goes to the plater; drilling and assembly stay at the hub; inspection is ordered from
the turner, who passes it on to the plater (so its parts go back to the hub at the end).

Each example is a sequence of start / done / hold / resume / cancel / ship / receive, by the
right person or a random one, with quantities around the limits. Most actions are drawn
from what the job's state allows (so runs get deep into the chain), some entirely at random;
many are refused. After every action: a refused one left no trace, an accepted one wrote to
the log without a gap. At the end, the invariants hold.
"""

from __future__ import annotations

import pytest
from django.db.models import Count
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.services import Refused
from orders.models import (
    FINISHED_STEP_STATES,
    HandOff,
    HandOffStatus,
    Job,
    Order,
    OrderItem,
    OrderStatus,
    Part,
    ProgressEvent,
    Step,
    StepLink,
    StepStatus,
)
from orders.services.handoffs import handoff_receive, handoff_ship
from orders.services.progress import (
    step_cancel,
    step_done,
    step_hold,
    step_resume,
    step_start,
)
from orders.services.routing import order_accept, order_request
from tests.conftest import add_capability
from tests.orders.conftest import add, in_days, post_job, terms
from workshops.models import User

S = StepStatus
QUANTITY = 12  # small, so random counts often land on the limits
CODES = ["L", "G", "PLT", "D", "ASM", "INS"]
ACTORS = [
    "performer",
    "system",
    "hub_owner",
    "hub_floor",
    "turner_floor",
    "grinder_floor",
    "stranger_owner",
]
ACTIONS = ["start", "done", "hold", "resume", "cancel", "ship", "receive"]

random_action = st.tuples(
    st.sampled_from(ACTIONS),
    st.integers(0, len(CODES) - 1),  # which step (or which hand-off, for receive)
    st.sampled_from(ACTORS),
    st.integers(-2, QUANTITY + 2),  # good / ship / receive quantity
    st.integers(-1, 3),  # scrap
)


# --- The job --------------------------------------------------------------------------------------


def routed_dag_job(chain) -> Job:
    """Built once per test through the services; each example plays on a copy of it."""
    job = post_job(chain, quantity=QUANTITY)
    turn = add(job, chain, "L", 3)
    grind = add(job, chain, "G", 2, after=[turn])
    plate = add(job, chain, "PLT", 2, after=[grind])
    drill = add(job, chain, "D", 1)
    assemble = add(job, chain, "ASM", 2, after=[plate, drill])
    inspect = add(job, chain, "INS", 1, after=[assemble])

    def route(buyer_owner, supplier, steps, supplier_owner, parent=None, **term_values):
        order = order_request(
            job=job,
            actor=buyer_owner,
            supplier=supplier,
            steps=steps,
            parent=parent,
            terms=terms(**term_values),
        )
        return order_accept(order=order, actor=supplier_owner)

    top = route(chain.hub_owner, chain.turner, [turn, grind], chain.turner_owner)
    route(
        chain.turner_owner,
        chain.grinder,
        [grind],
        chain.grinder_owner,
        parent=top,
        price=30000,
        due_date=in_days(8),
        payment_due_date=in_days(30),
    )
    route(
        chain.hub_owner,
        chain.plater,
        [plate],
        chain.plater_owner,
        price=15000,
        due_date=in_days(14),
        payment_due_date=in_days(45),
    )
    add_capability(chain.turner, "INS")
    add_capability(chain.plater, "INS")
    inspection = route(
        chain.hub_owner,
        chain.turner,
        [inspect],
        chain.turner_owner,
        price=8000,
        due_date=in_days(20),
        payment_due_date=in_days(50),
    )
    route(
        chain.turner_owner,
        chain.plater,
        [inspect],
        chain.plater_owner,
        parent=inspection,
        price=6000,
        due_date=in_days(20),
        payment_due_date=in_days(50),
    )
    return job


def staged_jobs(chain, people) -> list[Job]:
    """The routed job, copied at four points of its progress, built through the services: each
    example starts from one of them, so the end of the chain is explored as much as its start."""
    job = routed_dag_job(chain)
    turn, grind, plate, drill, assemble, _inspect = (
        job.steps.get(process__code=code) for code in CODES
    )

    def run(step, good, scrap=0):
        floor = people[Step.objects.get(pk=step.pk).workshop_id]
        step_start(step=step, actor=floor)
        step_done(step=step, actor=floor, good=good, scrap=scrap)

    def hand_on(step, received):
        step = Step.objects.get(pk=step.pk)
        handoff = handoff_ship(step=step, actor=people[step.workshop_id], quantity=step.good_qty)
        handoff_receive(handoff=handoff, actor=people[handoff.to_workshop_id], quantity=received)

    stages = [clone(job)[0]]
    run(turn, QUANTITY)
    hand_on(turn, QUANTITY - 1)  # one part short
    stages.append(clone(job)[0])
    run(grind, QUANTITY - 1)
    hand_on(grind, QUANTITY - 1)
    run(plate, QUANTITY - 2, scrap=1)
    hand_on(plate, QUANTITY - 2)
    run(drill, QUANTITY)
    stages.append(clone(job)[0])
    run(assemble, QUANTITY - 2)
    hand_on(assemble, QUANTITY - 2)
    stages.append(clone(job)[0])
    return stages


def _fields(obj, **changes) -> dict:
    values = {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in ("id", "uuid")
    }
    values.update(changes)
    return values


def clone(template: Job) -> tuple[Job, list[Step]]:
    """A fresh copy of a job, row for row (steps, links, orders, hand-offs, event log):
    building it through the services for every example would take most of the time budget."""
    template = Job.objects.get(pk=template.pk)  # its last_seq as it is now
    job = Job.objects.create(**_fields(template))
    parts = {
        old.pk: Part.objects.create(**_fields(old, job_id=job.pk))
        for old in Part.objects.filter(job=template).order_by("pk")
    }
    steps = {}
    for old in Step.objects.filter(job=template).order_by("pk"):
        steps[old.pk] = Step.objects.create(
            **_fields(old, job_id=job.pk, part_id=parts[old.part_id].pk)
        )
    StepLink.objects.bulk_create(
        StepLink(predecessor=steps[a], successor=steps[b])
        for a, b in StepLink.objects.filter(successor__job=template).values_list(
            "predecessor_id", "successor_id"
        )
    )
    orders = {}
    for old in Order.objects.filter(job=template).order_by("pk"):
        parent = orders[old.parent_id].pk if old.parent_id else None
        orders[old.pk] = Order.objects.create(**_fields(old, job_id=job.pk, parent_id=parent))
        orders[old.pk].steps.set([steps[s] for s in old.steps.values_list("pk", flat=True)])
        OrderItem.objects.bulk_create(
            OrderItem(**_fields(item, order_id=orders[old.pk].pk, part_id=parts[item.part_id].pk))
            for item in old.items.all()
        )
    HandOff.objects.bulk_create(
        HandOff(
            **_fields(
                h,
                job_id=job.pk,
                part_id=parts[h.part_id].pk,
                order_id=orders[h.order_id].pk if h.order_id else None,
                from_step_id=steps[h.from_step_id].pk if h.from_step_id else None,
                to_step_id=steps[h.to_step_id].pk if h.to_step_id else None,
            )
        )
        for h in HandOff.objects.filter(job=template).order_by("pk")
    )
    ProgressEvent.objects.bulk_create(
        ProgressEvent(
            **_fields(
                e,
                job_id=job.pk,
                step_id=steps[e.step_id].pk if e.step_id else None,
                order_id=orders[e.order_id].pk if e.order_id else None,
            )
        )
        for e in template.events.order_by("seq")
    )
    by_code = {s.process.code: s for s in job.steps.select_related("process")}
    return job, [by_code[c] for c in CODES]


# --- Reading the state ----------------------------------------------------------------------------


def snapshot(job: Job) -> dict:
    """Everything the services may change about the job, in four queries."""
    head = (
        Job.objects.filter(pk=job.pk)
        .annotate(events_count=Count("events"))
        .values("last_seq", "events_count", "status")
        .get()
    )
    return {
        "job": head,
        "steps": {
            s["id"]: s
            for s in Step.objects.filter(job=job).values(
                "id",
                "status",
                "held_from",
                "good_qty",
                "scrap_qty",
                "quantity",
                "workshop_id",
                "started_at",
                "finished_at",
            )
        },
        "handoffs": list(
            HandOff.objects.filter(job=job)
            .order_by("pk")
            .values(
                "id",
                "status",
                "from_step_id",
                "to_step_id",
                "to_workshop_id",
                "quantity_shipped",
                "quantity_received",
                "received_at",
            )
        ),
        "orders": list(Order.objects.filter(job=job).order_by("pk").values_list("pk", "status")),
    }


def predecessors(job: Job) -> dict[int, list[int]]:
    preds: dict[int, list[int]] = {pk: [] for pk in job.steps.values_list("pk", flat=True)}
    for a, b in StepLink.objects.filter(successor__job=job).values_list(
        "predecessor_id", "successor_id"
    ):
        preds[b].append(a)
    return preds


def received(state: dict, p: int, s: int) -> list[dict]:
    return [
        h
        for h in state["handoffs"]
        if (h["from_step_id"], h["to_step_id"]) == (p, s) and h["status"] == HandOffStatus.RECEIVED
    ]


def could_have(state: dict, preds: dict[int, list[int]], pk: int) -> int:
    """What a step can have worked: its quantity, or what each finished branch passed on."""
    steps = state["steps"]
    step = steps[pk]
    could = [step["quantity"]]
    for p in preds[pk]:
        if steps[p]["status"] != S.DONE:
            continue
        if steps[p]["workshop_id"] == step["workshop_id"]:
            could.append(steps[p]["good_qty"])
        else:
            could.append(sum(h["quantity_received"] for h in received(state, p, pk)))
    return min(could)


# --- Acting ---------------------------------------------------------------------------------------


def sensible_action(data, state: dict, preds, steps: list[Step]):
    """An action the job's state allows, mostly by the right person with a fitting quantity,
    sometimes not: most go through, which drives the job deep into the chain."""
    index = {s.pk: i for i, s in enumerate(steps)}
    shipped = {h["from_step_id"] for h in state["handoffs"]}
    shop = {pk: step["workshop_id"] for pk, step in state["steps"].items()}
    hub = steps[0].job.owner_id
    # Parts leave a step for a successor at another shop, or, at the end, for the hub.
    goes_out = {
        pk
        for pk in shop
        if any(shop[s] != shop[pk] for s, ps in preds.items() if pk in ps)
        or (shop[pk] != hub and not any(pk in ps for ps in preds.values()))
    }
    kind = data.draw(st.sampled_from(["progress"] * 18 + ["hold"] * 2 + ["cancel"]), label="kind")
    candidates = []
    for pk, step in state["steps"].items():
        status, i = step["status"], index[pk]
        if kind in ("hold", "cancel"):
            if status not in FINISHED_STEP_STATES:
                candidates.append((kind, i, 0))
        elif status == S.READY:
            candidates.append(("start", i, 0))
        elif status == S.IN_PROGRESS:
            candidates.append(("done", i, could_have(state, preds, pk)))
        elif status == S.ON_HOLD:
            candidates.append(("resume", i, 0))
        elif status == S.DONE and step["good_qty"] and pk in goes_out and pk not in shipped:
            candidates.append(("ship", i, step["good_qty"]))
    if kind == "progress":
        candidates += [
            ("receive", j, h["quantity_shipped"])
            for j, h in enumerate(state["handoffs"])
            if h["status"] == "shipped"
        ]
    if not candidates:
        return None
    action, i, limit = data.draw(st.sampled_from(candidates), label="sensible")
    fitting = data.draw(st.integers(0, 5), label="fitting") > 0
    if action not in ("done", "ship", "receive"):
        qty, scrap = 0, 0 if fitting else -1  # scrap < 0: a hold without a reason
    elif action == "done" and fitting:
        good = data.draw(st.integers(max(limit - 2, 0), limit), label="good")
        scrap = data.draw(st.integers(0, limit - good), label="scrap")
        qty = good
    else:
        lowest = 0 if action in ("done", "receive") else 1
        qty = data.draw(
            st.integers(max(limit - 2, lowest), limit)
            if fitting
            else st.sampled_from([-1, 0, limit + 1]),
            label="quantity",
        )
        scrap = data.draw(st.integers(-1, 1), label="scrap")
    who = data.draw(st.sampled_from(["performer"] * 24 + ACTORS), label="who")
    return (action, i, who, qty, scrap)


def perform(chain, people, state, steps, action, index, who, qty, scrap) -> str:
    if action == "receive":
        if not state["handoffs"]:
            return "skipped"
        h = state["handoffs"][index % len(state["handoffs"])]
        handoff = HandOff(pk=h["id"], job_id=steps[0].job_id)
        acting_shop = h["to_workshop_id"]
    else:
        step = steps[index]
        acting_shop = state["steps"][step.pk]["workshop_id"]
    if who == "performer":
        actor = chain.hub_owner if action == "cancel" else people[acting_shop]
    elif who == "system":
        actor = None
    else:
        actor = getattr(chain, who)
    if action == "start":
        step_start(step=step, actor=actor)
    elif action == "done":
        step_done(step=step, actor=actor, good=qty, scrap=scrap)
    elif action == "hold":
        step_hold(step=step, actor=actor, reason="" if scrap < 0 else "material")
    elif action == "resume":
        step_resume(step=step, actor=actor)
    elif action == "cancel":
        step_cancel(step=step, actor=actor, reason="不要")
    elif action == "ship":
        handoff_ship(step=step, actor=actor, quantity=qty)
    elif action == "receive":
        handoff_receive(handoff=handoff, actor=actor, quantity=qty)
    return "ok"


# --- The invariants -------------------------------------------------------------------------------


def check_invariants(job: Job, preds: dict[int, list[int]]) -> None:
    state = snapshot(job)
    seqs = list(job.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)), "the log has a gap or a repeat"
    assert state["job"]["last_seq"] == len(seqs)

    steps = state["steps"]
    for pk, step in steps.items():
        if step["status"] == S.ON_HOLD:
            assert step["held_from"] in (S.PLANNED, S.READY, S.IN_PROGRESS)
        if step["status"] == S.DONE:
            made = step["good_qty"] + step["scrap_qty"]
            assert 1 <= made <= could_have(state, preds, pk), step
            assert all(steps[p]["status"] in FINISHED_STEP_STATES for p in preds[pk])
        else:
            assert step["good_qty"] is None and step["scrap_qty"] is None
        if step["started_at"] is not None:
            for p in preds[pk]:
                pred = steps[p]
                assert pred["status"] in FINISHED_STEP_STATES, "started before a predecessor"
                assert pred["finished_at"] <= step["started_at"]
                if pred["status"] == S.DONE and pred["workshop_id"] != step["workshop_id"]:
                    arrived = [h["received_at"] for h in received(state, p, pk)]
                    assert arrived and min(arrived) <= step["started_at"], "started before parts"

    shipped: dict[tuple, int] = {}
    for h in state["handoffs"]:
        assert steps[h["from_step_id"]]["status"] == S.DONE
        assert h["quantity_shipped"] >= 1
        if h["status"] == HandOffStatus.RECEIVED:
            assert 0 <= h["quantity_received"] <= h["quantity_shipped"]
        else:
            assert h["quantity_received"] is None
        key = (h["from_step_id"], h["to_step_id"])
        shipped[key] = shipped.get(key, 0) + h["quantity_shipped"]
    for (from_step, _to), total in shipped.items():
        assert total <= steps[from_step]["good_qty"]

    # An order is delivered once its parts reached a shop outside it (the next step after it,
    # or a buyer up the order graph), never a shop that works inside it.
    orders = list(Order.objects.filter(job=job).prefetch_related("steps"))
    for order in orders:
        if order.status != OrderStatus.DELIVERED:
            continue
        inside, level = {order.supplier_id}, [order.pk]
        while level:
            below = [o for o in orders if o.parent_id in level and o.status != "declined"]
            inside |= {o.supplier_id for o in below}
            level = [o.pk for o in below]
        own = {s.pk for s in order.steps.all()}
        assert any(
            h["status"] == HandOffStatus.RECEIVED
            and h["from_step_id"] in own
            and (
                h["to_step_id"] not in own if h["to_step_id"] else h["to_workshop_id"] not in inside
            )
            for h in state["handoffs"]
        ), f"{order} delivered but its parts never left it"


# --- The property ---------------------------------------------------------------------------------


@pytest.fixture
def stages(chain, people):
    return staged_jobs(chain, people)


@pytest.fixture
def people(chain):
    """Who works on the floor of each shop."""
    return {
        chain.hub.pk: chain.hub_floor,
        chain.turner.pk: chain.turner_floor,
        chain.grinder.pk: chain.grinder_floor,
        chain.plater.pk: User.objects.get(username="plater-floor"),
        chain.stranger.pk: chain.stranger_owner,
    }


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_floor_activity_keeps_the_invariants(chain, people, stages, data):
    stage = data.draw(st.integers(0, len(stages) - 1), label="stage")
    job, steps = clone(stages[stage])
    preds = predecessors(job)
    check_invariants(job, preds)
    state = snapshot(job)
    for _ in range(data.draw(st.integers(5, 24), label="length")):
        action = None
        if data.draw(st.integers(0, 9), label="guided") > 0:
            action = sensible_action(data, state, preds, steps)
        if action is None:
            action = data.draw(random_action, label="random")
        try:
            outcome = perform(chain, people, state, steps, *action)
        except Refused:
            assert snapshot(job) == state, f"refused {action} left a trace"
            event(f"refused {action[0]}")
            continue
        event(f"{outcome} {action[0]}" + (f" {CODES[action[1]]}" if action[0] != "receive" else ""))
        before, state = state, snapshot(job)
        if outcome == "ok":
            head = state["job"]
            assert head["last_seq"] > before["job"]["last_seq"], f"{action} wrote no event"
            assert head["last_seq"] == head["events_count"], "the log has a gap"
    check_invariants(job, preds)
    delivered = sum(status == OrderStatus.DELIVERED for _pk, status in state["orders"])
    event(f"from stage {stage}: job {state['job']['status']}, {delivered} orders delivered")
