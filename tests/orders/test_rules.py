"""Rules that once had copies in the pages that disagreed with the services: each page now
asks the one rule, and these tests hold every page to what the service does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from board import services as board_services
from board.selectors import route_suggestions
from core.services import Refused
from orders.access import get_job_for
from orders.models import HandOff, Step, StepStatus
from orders.services.handoffs import handoff_ship
from orders.services.progress import step_done, step_hold, step_start
from orders.services.routing import order_accept, order_request
from orders.views.floor import Card, floor_cards
from orders.views.jobs import job_page_context
from tests.orders.conftest import add, post_job, terms
from workshops.models import District


class _RolledBack(Exception):
    pass


def service_allows_hold(step: Step, actor) -> bool:
    """Whether `step_hold` accepts the step as it is now (nothing is kept either way)."""
    try:
        with transaction.atomic():
            step_hold(step=step, actor=actor, reason="machine")
            raise _RolledBack
    except _RolledBack:
        return True
    except Refused:
        return False


@pytest.mark.parametrize("status", [s.value for s in StepStatus])
def test_hold_is_offered_exactly_where_the_service_allows_it(chain, status):
    job = post_job(chain)
    step = add(job, chain, "ASM", 2)
    Step.objects.filter(pk=step.pk).update(
        status=status,
        started_at=timezone.now() if status != StepStatus.PLANNED else None,
        good_qty=step.quantity if status == StepStatus.DONE else None,
    )
    step = Step.objects.select_related("job", "process", "workshop").get(pk=step.pk)
    allowed = service_allows_hold(step, chain.hub_floor)

    row = next(
        r
        for r in job_page_context(get_job_for(chain.hub_floor, job.uuid))["rows"]
        if r["step"].pk == step.pk
    )
    card = Card(step=step, revision=None, available=0)
    assert row["can_hold"] is allowed
    assert card.can_hold is allowed


@pytest.fixture
def posted(chain):
    """A job whose grinding waits on the open board while its turning is still unrouted."""
    district = District.objects.create(slug="rules", name_ja="規則", name_en="Rules")
    for shop in (chain.hub, chain.turner, chain.grinder):
        shop.districts.add(district)
    job = post_job(chain)
    turn = add(job, chain, "L", 6)
    grind = add(job, chain, "G", 3, after=[turn])
    board_services.posting_create(
        job=job,
        actor=chain.hub_owner,
        steps=[grind],
        districts=[district],
        answer_by=timezone.now() + dt.timedelta(days=2),
    )
    return job, turn, grind


def test_a_step_on_the_open_board_is_offered_neither_by_the_route_form_nor_the_suggestions(
    client, chain, posted
):
    job, turn, grind = posted
    client.force_login(chain.hub_owner)
    response = client.get(f"/jobs/{job.uuid}/route/")
    assert response.status_code == 200
    offered = set(response.context["form"].fields["steps"].queryset)
    assert offered == {turn}
    suggested = {step for step, _candidates in route_suggestions(job)}
    assert suggested == {turn}
    with pytest.raises(Refused, match="引合い中"):
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.grinder, steps=[grind], terms=terms()
        )


def test_parts_of_a_sub_ordered_step_go_to_the_sub_orders_buyer_on_every_page(chain):
    """The turner takes both grindings and passes each on to the grinder in its own
    sub-order: after the first, the parts go back to the turner (the first sub-order's buyer),
    although the next step is at the grinder's own shop."""
    job = post_job(chain)
    first = add(job, chain, "G", 3)
    second = add(job, chain, "G", 3, after=[first])
    add(job, chain, "ASM", 2, after=[second])
    top = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[first, second], terms=terms()
    )
    order_accept(order=top, actor=chain.turner_owner)
    for step in (first, second):
        sub = order_request(
            job=job,
            actor=chain.turner_owner,
            supplier=chain.grinder,
            steps=[step],
            terms=terms(price=30000),
            parent=top,
        )
        order_accept(order=sub, actor=chain.grinder_owner)
    step_start(step=first, actor=chain.grinder_floor)
    step_done(step=first, actor=chain.grinder_floor, good=100)

    row = next(
        r
        for r in job_page_context(get_job_for(chain.grinder_owner, job.uuid))["rows"]
        if r["step"].pk == first.pk
    )
    assert [(d.step, d.shop) for d, _form in row["ship_to"]] == [(None, chain.turner)]
    _queue, to_ship, _incoming = floor_cards(chain.grinder, manages=True)
    card = next(c for c in to_ship if c.step.pk == first.pk)
    assert [(d.step, d.shop) for d, _form in card.ship_to] == [(None, chain.turner)]
    handoff = handoff_ship(step=first, actor=chain.grinder_floor, quantity=100)
    assert HandOff.objects.get(pk=handoff.pk).to_workshop == chain.turner
