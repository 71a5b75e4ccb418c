"""The floor station's pages: the queue, most urgent first; what to ship and receive; the step a
traveler's code opens; the page's live wiring; and a fixed number of queries."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, translation

from drawings import services as drawing_services
from orders.models import HoldReason, Job, Step, StepStatus
from orders.services.handoffs import handoff_ship
from orders.services.progress import step_done, step_hold, step_start
from orders.services.routing import order_accept, order_request
from tests.conftest import client_for
from tests.drawings.files import VALID, upload
from tests.orders.conftest import add, in_days, post_job, terms

pytestmark = pytest.mark.django_db


def turner_job(chain, **data):
    """A job with one turning step ordered from the turner, so the step is ready there."""
    job = post_job(chain, **data)
    step = add(job, chain, "L")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    step.refresh_from_db()
    return job, step


def card_ids(html: str) -> list[str]:
    return re.findall(r'id="floor-step-([0-9a-f-]{36})"', html)


def test_the_queue_shows_ready_and_running_steps_most_urgent_first(chain):
    _, relaxed = turner_job(chain, part_name="ゆとり", due_date=in_days(40))
    _, soon = turner_job(chain, part_name="近い納期", due_date=in_days(5))
    _, held = turner_job(chain, part_name="保留中", due_date=in_days(2))
    step_hold(step=held, actor=chain.turner_floor, reason="material")
    _late_job, late = turner_job(chain, part_name="遅れ", due_date=in_days(30))
    Step.objects.filter(pk=late.pk).update(late_risk=True)
    _, urgent = turner_job(chain, part_name="特急", due_date=in_days(40), priority=2)
    step_start(step=relaxed, actor=chain.turner_floor)

    response = client_for(chain.turner_floor).get("/floor/")
    assert response.status_code == 200
    html = response.content.decode()
    # Late risk first, then the due date, then priority; held steps wait at the end.
    expected = [late, soon, urgent, relaxed, held]
    assert card_ids(html) == [str(s.uuid) for s in expected]
    assert 'lang="ja"' in html
    assert "材料待ち" in html  # the hold reason is on the card


def test_a_card_says_what_it_is_and_where_it_goes_next(chain, routed_job):
    _job, steps, _ = routed_job
    html = client_for(chain.turner_floor).get("/floor/").content.decode()
    card = html[html.index(f'id="floor-step-{steps["L"].uuid}"') :]
    card = card[: card.index("</section>")]
    assert "シャフト" in card and "MR-1001" in card
    assert 'class="revision">—<' in card  # no drawing revision yet: a dash in big letters
    assert "研削" in card and "松本研削" in card  # next: grinding at the grinder
    assert f"/api/v1/steps/{steps['L'].uuid}/start/" in card
    assert "開始" in card
    # Floor staff see no price and no customer.
    assert "秘密顧客" not in html and "¥" not in html and "120,000" not in html


def test_done_steps_with_parts_left_offer_shipping_and_the_next_shop_sees_them_arriving(
    chain, routed_job
):
    _job, steps, _ = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=98, scrap=2)
    html = client_for(chain.turner_floor).get("/floor/").content.decode()
    assert f'id="floor-ship-{turn.uuid}"' in html
    assert "松本研削" in html and 'value="98"' in html

    handoff_ship(step=turn, actor=chain.turner_floor, quantity=98)
    html = client_for(chain.turner_floor).get("/floor/").content.decode()
    assert f'id="floor-ship-{turn.uuid}"' not in html  # all shipped
    grinder = client_for(chain.grinder_floor).get("/floor/").content.decode()
    assert "floor-handoff-" in grinder and "田中旋盤" in grinder
    assert "/api/v1/handoffs/" in grinder


def test_a_member_of_several_shops_picks_one_and_nobody_opens_anothers(chain, routed_job):
    from workshops import services as workshop_services
    from workshops.models import Role

    workshop_services.membership_add(
        workshop=chain.grinder, user=chain.turner_floor, role=Role.FLOOR, actor=chain.grinder_owner
    )
    client = client_for(chain.turner_floor)
    html = client.get("/floor/").content.decode()
    assert f"?workshop={chain.grinder.uuid}" in html  # a chip per shop
    assert client.get(f"/floor/?workshop={chain.grinder.uuid}").status_code == 200
    assert client.get(f"/floor/?workshop={chain.hub.uuid}").status_code == 404
    assert client.get("/floor/?workshop=not-a-uuid").status_code == 404
    assert client_for(chain.staff).get("/floor/").status_code == 404  # a member of no shop
    assert client_for(None).get("/floor/").status_code == 302  # to sign in


def test_a_travelers_code_opens_the_step_for_its_shop_and_the_job_page_for_others(
    chain, routed_job
):
    job, steps, _ = routed_job
    grind = steps["G"]
    response = client_for(chain.grinder_floor).get(f"/floor/steps/{grind.uuid}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert card_ids(html)[0] == str(grind.uuid)  # planned, not yet in the queue: shown first
    assert "focused" in html
    hub = client_for(chain.hub_owner).get(f"/floor/steps/{grind.uuid}/")
    assert hub.status_code == 302
    assert hub["Location"] == f"/jobs/{job.uuid}/#step-{grind.uuid}"
    assert client_for(chain.stranger_owner).get(f"/floor/steps/{grind.uuid}/").status_code == 404


def test_a_tap_without_javascript_posts_the_form_and_comes_back_to_the_floor(chain, routed_job):
    job, steps, _ = routed_job
    turn = steps["L"]
    client = client_for(chain.turner_floor)
    here = f"/floor/?workshop={chain.turner.uuid}"
    response = client.post(
        f"/jobs/{job.uuid}/steps/{turn.uuid}/start/",
        {"idempotency_key": "tap-1", "next": here},
    )
    assert response.status_code == 302 and response["Location"] == here
    turn.refresh_from_db()
    assert turn.status == StepStatus.IN_PROGRESS


def test_pages_tell_the_browser_which_streams_to_follow(chain, routed_job):
    job, _steps, _ = routed_job
    job.refresh_from_db()

    def config(html: str) -> dict:
        match = re.search(r'<script id="live-config" type="application/json">(.*?)</script>', html)
        assert match, "no live config"
        return json.loads(match.group(1))

    floor = config(client_for(chain.turner_floor).get("/floor/").content.decode())
    assert floor["streams"] == [{"url": f"/ws/workshops/{chain.turner.uuid}/floor/"}]
    page = config(client_for(chain.hub_owner).get(f"/jobs/{job.uuid}/").content.decode())
    assert page["streams"] == [
        {
            "url": f"/ws/jobs/{job.uuid}/",
            "seq": job.last_seq,
            "events": f"/api/v1/jobs/{job.uuid}/events",
        }
    ]
    assert page["heartbeat"] > 0
    jobs = config(client_for(chain.hub_owner).get("/jobs/").content.decode())
    assert jobs["streams"] == [{"url": f"/ws/workshops/{chain.hub.uuid}/floor/"}]
    orders = config(client_for(chain.turner_owner).get("/orders/").content.decode())
    assert orders["streams"] == [{"url": f"/ws/workshops/{chain.turner.uuid}/floor/"}]


def test_the_floor_page_reads_a_fixed_number_of_queries_whatever_the_queue(chain):
    client = client_for(chain.turner_floor)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/floor/").status_code == 200
        return len(queries)

    for _ in range(2):
        turner_job(chain)
    small = count()
    for n in range(8):
        _job, step = turner_job(chain, part_name=f"部品{n}")
        if n % 2:
            step_start(step=step, actor=chain.turner_floor)
        if n == 3:
            step_done(step=step, actor=chain.turner_floor, good=100)
    # The same, plus the undo of the user's last tap (a start, moments ago): its step's last
    # event and its successors.
    assert count() == small + 2
    # 13 since the cards show the supplier's own delivery date (one query for the orders); 14
    # since a card shows parts that arrived short or rejected in red (one query); 15 since the
    # page looks for the user's last tap to offer its undo.
    assert small <= 15, small


def test_steps_of_a_cancelled_job_do_not_wait_to_be_shipped(chain):
    job, step = turner_job(chain)
    step_start(step=step, actor=chain.turner_floor)
    step_done(step=step, actor=chain.turner_floor, good=100)
    Job.objects.filter(pk=job.pk).update(status="cancelled")
    html = client_for(chain.turner_floor).get("/floor/").content.decode()
    assert f'id="floor-ship-{step.uuid}"' not in html


def test_the_card_counts_what_the_step_can_work_on_as_the_service_does(chain):
    """Turning then milling in the same shop; turning made 95 good: milling has 95, not 100."""
    from orders.services.progress import _parts_available as service_count

    job = post_job(chain)
    turn = add(job, chain, "L")
    mill = add(job, chain, "M", after=[turn])
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn, mill], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    step_start(step=Step.objects.get(pk=turn.pk), actor=chain.turner_floor)
    step_done(step=Step.objects.get(pk=turn.pk), actor=chain.turner_floor, good=95, scrap=5)
    step_start(step=Step.objects.get(pk=mill.pk), actor=chain.turner_floor)
    html = client_for(chain.turner_floor).get("/floor/").content.decode()
    card = html[html.index(f'id="floor-step-{mill.uuid}"') :]
    card = card[: card.index("</section>")]
    assert service_count(Step.objects.get(pk=mill.pk)) == 95
    assert "<strong>95</strong>" in card
    assert 'name="good" value="95"' in card


def test_a_delivery_to_the_buyer_is_for_its_managers_not_its_floor(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    turn = Step.objects.get(pk=turn.pk)
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=100)
    floor = client_for(chain.hub_floor).get("/floor/").content.decode()
    assert f"floor-handoff-{handoff.uuid}" not in floor
    owner = client_for(chain.hub_owner).get(f"/floor/?workshop={chain.hub.uuid}")
    assert f"floor-handoff-{handoff.uuid}" in owner.content.decode()


@pytest.mark.parametrize("count", [1, 6])
def test_the_floor_station_reads_a_pinned_number_of_queries(
    chain, django_assert_num_queries, count
):
    job, done = turner_job(chain, part_name="出荷待ち")
    add(job, chain, "ASM", after=[done])
    step_start(step=done, actor=chain.turner_floor)
    step_done(step=done, actor=chain.turner_floor, good=100)
    for n in range(count):
        _job, step = turner_job(chain, part_name=f"部品{n}")
        step_start(step=step, actor=chain.turner_floor)
    client = client_for(chain.turner_floor)
    # session, user; the user's membership; the queue; the steps to ship; their successors;
    # the links and the hand-offs received for the parts available; the drawings the steps
    # reference, and their revisions; where the parts to ship go (successors, the jobs'
    # orders, their steps); the delivery dates of the orders asking the steps of this shop;
    # the hand-offs arriving; the navigation's memberships; what each destination already has
    # (shipments and returns, one query); the queue's short or rejected receipts; the user's
    # last tap, its step's last event and its successors (the undo the page offers)
    with django_assert_num_queries(21):
        assert client.get("/floor/").status_code == 200


@pytest.mark.parametrize(
    ("language", "label", "other"),
    [
        ("ja", "工具・治具待ち: φ8 エンドミル", "Waiting for tools"),
        ("en", "Waiting for tools or jigs: φ8 エンドミル", "工具・治具待ち"),
    ],
)
def test_a_held_card_shows_the_reason_in_the_viewers_language(chain, language, label, other):
    _job, held = turner_job(chain, part_name="保留中", due_date=in_days(2))
    step_hold(step=held, actor=chain.turner_floor, reason="tooling", note="φ8 エンドミル")
    client = client_for(chain.turner_floor)
    client.cookies["shopnet_language"] = language

    html = client.get("/floor/").content.decode()

    card = html.split(f'id="floor-step-{held.uuid}"')[1]
    assert label in card and other not in card


def test_the_floor_offers_each_hold_reason_by_its_code(chain):
    _job, step = turner_job(chain)
    step_start(step=step, actor=chain.turner_floor)

    html = client_for(chain.turner_floor).get("/floor/").content.decode()

    offered = re.findall(r'<input type="radio" name="reason" value="([a-z]+)"', html)
    assert offered == list(HoldReason.values)
    assert "設備故障" in html and 'name="note"' in html


# --- the card at first sight --------------------------------------------------------------------


def test_a_suppliers_card_shows_its_orders_delivery_date_not_the_customers(chain):
    job, step = turner_job(chain, due_date=in_days(30))  # the order: in_days(10)
    html = client_for(chain.turner_floor).get("/floor/").content.decode()
    card = html[html.index(f'id="floor-step-{step.uuid}"') :]
    card = card[: card.index("</section>")]
    with translation.override("ja"):
        ordered = formats.date_format(in_days(10), "SHORT_DATE_FORMAT")
        customer = formats.date_format(job.due_date, "SHORT_DATE_FORMAT")
    due = re.search(r'<span class="chip floor-due">(.*?)</span>', card).group(1)
    assert ordered in due and customer not in card
    # The hub's own floor still works to the job's date.
    own = add(job, chain, "ASM", after=[step])
    Step.objects.filter(pk=own.pk).update(status=StepStatus.READY)
    hub = client_for(chain.hub_owner).get(f"/floor/?workshop={chain.hub.uuid}").content.decode()
    hub_card = hub[hub.index(f'id="floor-step-{own.uuid}"') :]
    assert customer in hub_card[: hub_card.index("</section>")]


def test_a_card_links_its_revision_to_the_current_drawing(chain):
    job, step = turner_job(chain)
    filename, make = VALID["png"]
    # The step references the drawing, so the turner's order shows it to the turner.
    first = drawing_services.drawing_upload(
        job=job,
        actor=chain.hub_owner,
        upload=upload(filename, make()),
        number="MR-1001",
        steps=[step],
    )
    second = drawing_services.drawing_upload(
        job=job, actor=chain.hub_owner, upload=upload(filename, make()), number="MR-1001"
    )
    assert first.drawing_id == second.drawing_id and second.label != first.label
    html = client_for(chain.turner_floor).get("/floor/").content.decode()
    card = html[html.index(f'id="floor-step-{step.uuid}"') :]
    card = card[: card.index("</section>")]
    link = re.search(r'<a class="floor-rev" href="([^"]+)"', card).group(1)
    assert link == f"/drawings/revisions/{second.uuid}/"
    assert f'class="revision">{second.label}<' in card
    assert client_for(chain.turner_floor).get(link).status_code == 200


def test_a_card_does_not_link_a_drawing_not_shared_with_the_shop(chain):
    """The hub's drawing is not shared with the turner's order (its step does not reference
    it, and the hub chose nothing): the card shows the revision but no link, and the viewer
    answers 404 to the turner's floor staff. The hub's own floor station links it."""
    job, step = turner_job(chain)
    filename, make = VALID["png"]
    revision = drawing_services.drawing_upload(
        job=job, actor=chain.hub_owner, upload=upload(filename, make()), number="MR-1001"
    )
    turner = client_for(chain.turner_floor)
    html = turner.get("/floor/").content.decode()
    card = html[html.index(f'id="floor-step-{step.uuid}"') :]
    card = card[: card.index("</section>")]
    assert '<a class="floor-rev"' not in card
    assert f"/drawings/revisions/{revision.uuid}/" not in html
    assert f'class="revision">{revision.label}<' in card
    assert turner.get(f"/drawings/revisions/{revision.uuid}/").status_code == 404
    # Shared with the order now: the link appears, and it opens.
    drawing_services.order_drawings_set(
        order=step.orders.get(), actor=chain.hub_owner, drawings=[revision.drawing]
    )
    html = turner.get("/floor/").content.decode()
    assert f'href="/drawings/revisions/{revision.uuid}/"' in html
    assert turner.get(f"/drawings/revisions/{revision.uuid}/").status_code == 200
    # The hub's own people see every drawing of its job.
    own = add(job, chain, "ASM", after=[step])
    Step.objects.filter(pk=own.pk).update(status=StepStatus.READY)
    hub = client_for(chain.hub_floor).get(f"/floor/?workshop={chain.hub.uuid}").content.decode()
    hub_card = hub[hub.index(f'id="floor-step-{own.uuid}"') :]
    assert (
        f'href="/drawings/revisions/{revision.uuid}/"' in hub_card[: hub_card.index("</section>")]
    )


def test_a_travelers_code_shows_that_step_alone_with_the_way_back(chain, routed_job):
    _job, steps, _ = routed_job
    _other_job, other = turner_job(chain, part_name="別件")
    turn = steps["L"]
    html = client_for(chain.turner_floor).get(f"/floor/steps/{turn.uuid}/").content.decode()
    assert card_ids(html) == [str(turn.uuid)]
    assert str(other.uuid) not in html
    back = re.search(
        r'<a class="button secondary big" href="([^"]+)" id="floor-back-to-queue"', html
    )
    assert back.group(1) == f"/floor/?workshop={chain.turner.uuid}"
    # A tap on it comes back to the step, not to the whole queue.
    assert f'name="next" value="/floor/steps/{turn.uuid}/"' in html
    queue = client_for(chain.turner_floor).get(back.group(1)).content.decode()
    assert {str(turn.uuid), str(other.uuid)} <= set(card_ids(queue))
    assert "floor-back-to-queue" not in queue


def test_the_outbox_says_waiting_only_when_something_waits(chain, routed_job):
    html = client_for(chain.turner_floor).get("/floor/").content.decode()
    outbox = html[
        html.index('id="floor-outbox"') : html.index("</section>", html.index('id="floor-outbox"'))
    ]
    assert re.search(r'<section id="floor-outbox" class="card outbox" hidden', html)
    titles = re.findall(r'<(h2|p) class="[^"]*outbox-pending-title"( hidden)?', outbox)
    assert titles == [("h2", " hidden"), ("p", " hidden")]


def test_two_next_steps_at_one_shop_are_two_buttons_that_name_their_step(chain):
    job, turn = turner_job(chain)
    assemble = add(job, chain, "ASM", after=[turn])
    inspect = add(job, chain, "INS", after=[turn])
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    html = client_for(chain.turner_floor).get("/floor/").content.decode()
    card = html[html.index(f'id="floor-ship-{turn.uuid}"') :]
    card = card[: card.index("</section>")]
    labels = re.findall(
        r'<button type="submit" class="big" data-numpad="quantity">([^<]+)</button>', card
    )
    # Each names the part, how many may go, the shop and the step (never two alike).
    assert labels == [
        f"シャフト 100個 → {chain.hub.name} {step.process.name_ja}" for step in (assemble, inspect)
    ]
