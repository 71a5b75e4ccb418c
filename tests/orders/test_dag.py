"""The step graph: loaded in two queries whatever the job's size, and answering predecessors,
successors, the topological order and readiness as the rules say."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.dag import StepGraph
from orders.models import Job, Step, StepLink
from orders.services.handoffs import handoff_receive, handoff_ship
from orders.services.progress import step_done, step_start

from .conftest import add, post_job

pytestmark = pytest.mark.django_db


def diamond(chain) -> tuple[Job, dict[str, Step]]:
    """Turning, then milling and grinding side by side, joined at assembly; all at the hub."""
    job = post_job(chain)
    turn = add(job, chain, "L", 2)
    mill = add(job, chain, "M", 3, after=[turn])
    grind = add(job, chain, "G", 1, after=[turn])
    assemble = add(job, chain, "ASM", 2, after=[mill, grind])
    return job, {"L": turn, "M": mill, "G": grind, "ASM": assemble}


@pytest.mark.parametrize("extra", [0, 15])
def test_it_loads_in_two_queries_whatever_the_size(chain, extra):
    job, steps = diamond(chain)
    last = steps["ASM"]
    for _n in range(extra):
        last = add(job, chain, "INS", 1, after=[last])
    with CaptureQueriesContext(connection) as queries:
        graph = StepGraph.load(job)
        # What the readers use of a step comes with it: its shop and process.
        names = [(s.workshop.name, s.process.code) for s in graph.steps.values()]
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert len(graph) == len(names) == 4 + extra


def test_it_answers_predecessors_successors_and_order(chain):
    job, s = diamond(chain)
    graph = StepGraph.load(job)
    assert graph.predecessors(s["ASM"].pk) == [s["M"].pk, s["G"].pk]
    assert sorted(graph.successors(s["L"].pk)) == sorted([s["M"].pk, s["G"].pk])
    assert graph.predecessors(s["L"].pk) == []
    assert [step.pk for step in graph.topological()] == [
        s["L"].pk,
        s["M"].pk,
        s["G"].pk,
        s["ASM"].pk,
    ]
    assert graph.numbers() == {s["L"].pk: 1, s["M"].pk: 2, s["G"].pk: 3, s["ASM"].pk: 4}
    assert set(graph.links) == set(
        StepLink.objects.filter(successor__job=job).values_list("predecessor_id", "successor_id")
    )


def test_it_numbers_steps_caught_in_a_cycle_last(chain):
    """A cycle cannot be saved through the services; bad data holding one still numbers every
    step, the cycle's last, and the topological order leaves them out."""
    job, s = diamond(chain)
    StepLink.objects.create(predecessor=s["ASM"], successor=s["M"])
    graph = StepGraph.load(job)
    assert [step.pk for step in graph.topological()] == [s["L"].pk, s["G"].pk]
    numbers = graph.numbers()
    assert sorted(numbers.values()) == [1, 2, 3, 4]
    assert {numbers[s["M"].pk], numbers[s["ASM"].pk]} == {3, 4}


def test_readiness_waits_for_every_branch_and_for_parts_from_another_shop(chain, routed_job):
    job, steps, _ = routed_job
    turn, grind = steps["L"], steps["G"]
    graph = StepGraph.load(job)
    assert graph.ready_ids(requested=set()) == set()  # turning is already ready, not planned
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    graph = StepGraph.load(job)
    # Grinding is at the grinder: it waits for the turner's parts to arrive.
    with CaptureQueriesContext(connection) as queries:
        assert graph.ready_ids(requested=set()) == set()
    assert len(queries) == 1  # the hand-offs, read because a step needs them
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=100, to_step=grind)
    graph = StepGraph.load(job)
    assert graph.ready_ids(requested=set()) == set()  # shipped is not arrived
    handoff_receive(handoff=handoff, actor=chain.grinder_floor, quantity=100)
    grind.refresh_from_db()
    assert grind.status == "ready"


def test_readiness_reads_nothing_more_when_no_step_waits_on_parts(chain):
    job, s = diamond(chain)
    step_start(step=s["L"], actor=chain.hub_owner)
    Step.objects.filter(pk=s["L"].pk).update(status="done")
    Step.objects.filter(pk__in=[s["M"].pk, s["G"].pk]).update(status="planned")
    graph = StepGraph.load(job)
    with CaptureQueriesContext(connection) as queries:
        ready = graph.ready_ids(requested={s["G"].pk})
    assert len(queries) == 0
    # Milling may start; grinding waits for the answer to its request; assembly for both.
    assert ready == {s["M"].pk}
