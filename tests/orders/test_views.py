"""Orders pages: each works for the right person, refuses the wrong method, and writes only
through the services (every change lands in the event log)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from core.services import Refused
from drawings import services as drawing_services
from orders.models import (
    HoldReason,
    Job,
    Order,
    OrderDocument,
    OrderStatus,
    ProgressEvent,
    Step,
    StepStatus,
)
from orders.services import jobs as job_services
from orders.services.handoffs import handoff_ship
from orders.services.progress import step_done, step_start
from orders.services.routing import order_request
from tests.conftest import client_for
from tests.drawings.files import VALID, upload
from tests.orders.conftest import add, in_days, post_job, terms
from workshops.models import Material, Process

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies["shopnet_language"] = "en"
    return client


def test_it_posts_a_job_and_logs_it(chain):
    client = client_for(chain.hub_owner)
    response = client.post(
        f"/workshops/{chain.hub.uuid}/jobs/new/",
        {
            "part_name": "フランジ",
            "drawing_number": "MR-3001",
            "quantity": "20",
            "due_date": in_days(14).isoformat(),
            "priority": "0",
            "customer_name": "秘密商事",
        },
    )
    job = Job.objects.get(drawing_number="MR-3001")
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.uuid}/"
    assert job.owner == chain.hub
    assert list(job.events.values_list("kind", "actor")) == [("job.posted", chain.hub_owner.pk)]


def test_it_refuses_a_due_date_in_the_past_and_writes_nothing(chain):
    response = english(client_for(chain.hub_owner)).post(
        f"/workshops/{chain.hub.uuid}/jobs/new/",
        {"part_name": "X", "quantity": "5", "due_date": in_days(-1).isoformat(), "priority": "0"},
    )
    assert response.status_code == 400
    assert "cannot be in the past" in response.content.decode()
    assert not Job.objects.exists()
    assert not ProgressEvent.objects.exists()


def test_it_refuses_a_negative_quantity_in_japanese(chain):
    response = client_for(chain.hub_owner).post(
        f"/workshops/{chain.hub.uuid}/jobs/new/",
        {"part_name": "X", "quantity": "-5", "due_date": in_days(3).isoformat(), "priority": "0"},
    )
    assert response.status_code == 400
    assert '<html lang="ja">' in response.content.decode()
    assert not Job.objects.exists()


def test_the_job_form_reports_a_bad_quantity_and_a_past_due_date_in_one_submit(chain):
    response = client_for(chain.hub_owner).post(
        f"/workshops/{chain.hub.uuid}/jobs/new/",
        {"part_name": "X", "quantity": "-1", "due_date": in_days(-1).isoformat(), "priority": "0"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    # The form's own bound and the service's date rule, together; 1以上, not 「0 以上」.
    assert errors["quantity"] == ["1以上の値を入力してください。"]
    assert errors["due_date"] == ["納期に過去の日付は指定できません。"]
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("typed", "saved"), [("１２，０００", 12000), ("12,000個", 12000), ("３", 3)]
)
def test_the_job_form_reads_quantities_as_typed_in_japanese(chain, typed, saved):
    response = client_for(chain.hub_owner).post(
        f"/workshops/{chain.hub.uuid}/jobs/new/",
        {"part_name": "X", "quantity": typed, "due_date": in_days(3).isoformat(), "priority": "0"},
    )
    assert response.status_code == 302
    assert Job.objects.get().quantity == saved


def test_the_job_form_refuses_an_absurd_quantity_with_its_maximum(chain):
    response = client_for(chain.hub_owner).post(
        f"/workshops/{chain.hub.uuid}/jobs/new/",
        {
            "part_name": "X",
            "quantity": "99,999,999,999",
            "due_date": in_days(3).isoformat(),
            "priority": "0",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["quantity"] == ["10,000,000以下の値を入力してください。"]
    assert not Job.objects.exists()


def test_it_adds_steps_as_a_dag_and_refuses_a_cycle(chain):
    job = post_job(chain)
    a = add(job, chain, "L")
    b = add(job, chain, "M")
    client = english(client_for(chain.hub_owner))
    response = client.post(
        f"/jobs/{job.uuid}/steps/new/",
        {
            "process": Process.objects.get(code="ASM").pk,
            "planned_hours": "2",
            "after": [a.pk, b.pk],
        },
    )
    assert response.status_code == 302
    joined = Step.objects.get(job=job, process__code="ASM")
    assert set(joined.predecessors.all()) == {a, b}
    seq = Job.objects.get(pk=job.pk).last_seq
    # a after the assembly that waits for a: a cycle.
    response = client.post(
        f"/jobs/{job.uuid}/steps/{a.uuid}/edit/",
        {"process": a.process.pk, "planned_hours": "4", "after": [joined.pk]},
    )
    assert response.status_code == 400
    assert "cycle" in response.content.decode()
    assert Job.objects.get(pk=job.pk).last_seq == seq
    assert list(a.predecessors.all()) == []


def test_the_step_form_says_every_problem_in_one_answer(chain):
    """Hours and quantity the form refuses, and a link the service refuses (a cycle): all
    three in one answer, not the cycle on a second submit."""
    job = post_job(chain)
    a = add(job, chain, "L")
    joined = add(job, chain, "ASM", after=[a])
    seq = Job.objects.get(pk=job.pk).last_seq
    response = english(client_for(chain.hub_owner)).post(
        f"/jobs/{job.uuid}/steps/{a.uuid}/edit/",
        {"process": a.process.pk, "planned_hours": "-1", "quantity": "0", "after": [joined.pk]},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"planned_hours", "quantity", "after"}
    assert "cycle" in " ".join(errors["after"])
    assert Job.objects.get(pk=job.pk).last_seq == seq
    assert list(a.predecessors.all()) == []


def test_the_step_service_refuses_every_problem_at_once(chain):
    job = post_job(chain)
    a = add(job, chain, "L")
    joined = add(job, chain, "ASM", after=[a])
    with pytest.raises(Refused) as refused:
        job_services.step_change(
            step=a,
            actor=chain.hub_owner,
            data={"process": a.process, "planned_hours": -2, "quantity": 0},
            predecessors=[joined],
        )
    assert set(refused.value.message_dict) == {"planned_hours", "quantity", "after"}
    assert refused.value.code == "negative"


def test_it_routes_steps_to_a_peer_through_the_form(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    client = client_for(chain.hub_owner)
    page = client.get(f"/jobs/{job.uuid}/route/?step={turn.uuid}")
    assert page.status_code == 200
    html = page.content.decode()
    assert chain.turner.name in html  # capable of turning
    assert chain.plater.name not in html  # not capable: not offered
    values = terms()
    response = client.post(
        f"/jobs/{job.uuid}/route/",
        {
            "steps": [str(turn.uuid)],
            "supplier": str(chain.turner.uuid),
            "price": values["price"],
            "due_date": values["due_date"].isoformat(),
            "delivery_place": values["delivery_place"],
            "payment_due_date": values["payment_due_date"].isoformat(),
            "payment_method": "bank_transfer",
            "idempotency_key": "route-1",
        },
    )
    order = Order.objects.get(job=job)
    assert response.status_code == 302
    assert order.supplier == chain.turner and order.status == OrderStatus.REQUESTED
    assert list(order.steps.all()) == [turn]


def test_it_refuses_a_payment_date_past_60_days_in_the_form(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    response = english(client_for(chain.hub_owner)).post(
        f"/jobs/{job.uuid}/route/",
        {
            "steps": [str(turn.uuid)],
            "supplier": str(chain.turner.uuid),
            "price": "1000",
            "due_date": in_days(10).isoformat(),
            "delivery_place": "本社",
            "payment_due_date": in_days(10 + 61).isoformat(),
            "payment_method": "bank_transfer",
        },
    )
    assert response.status_code == 400
    assert "60 days" in response.content.decode()
    assert not Order.objects.exists()


def test_it_refuses_a_shop_without_the_capability(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    response = english(client_for(chain.hub_owner)).post(
        f"/jobs/{job.uuid}/route/",
        {
            "steps": [str(turn.uuid)],
            "supplier": str(chain.plater.uuid),
            "price": "1000",
            "due_date": in_days(10).isoformat(),
            "delivery_place": "本社",
            "payment_due_date": in_days(20).isoformat(),
            "payment_method": "bank_transfer",
        },
    )
    assert response.status_code == 400
    assert "does not list the capability" in response.content.decode()
    assert not Order.objects.exists()


def test_the_supplier_accepts_declines_and_the_document_is_issued(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    mill = add(job, chain, "M")
    first = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    second = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[mill], terms=terms()
    )
    client = client_for(chain.turner_owner)
    assert client.post(f"/orders/{first.uuid}/accept/", {"idempotency_key": "a"}).status_code == 302
    assert Order.objects.get(pk=first.pk).status == OrderStatus.ACCEPTED
    assert OrderDocument.objects.filter(order=first, version=1).exists()
    # Declining needs a reason.
    client.post(f"/orders/{second.uuid}/decline/", {"reason": ""})
    assert Order.objects.get(pk=second.pk).status == OrderStatus.REQUESTED
    client.post(
        f"/orders/{second.uuid}/decline/", {"code": "fully_booked", "reason": "今月は満杯です"}
    )
    second.refresh_from_db()
    assert second.status == OrderStatus.DECLINED and second.decline_reason == "今月は満杯です"
    assert second.decline_code == "fully_booked"
    # Accepting the declined request afterwards is refused, nothing changes.
    seq = Job.objects.get(pk=job.pk).last_seq
    response = english(client).post(f"/orders/{second.uuid}/accept/", {}, follow=True)
    assert "already" in response.content.decode()
    assert Order.objects.get(pk=second.pk).status == OrderStatus.DECLINED
    assert Job.objects.get(pk=job.pk).last_seq == seq


def test_changing_terms_issues_a_new_version_both_parties_see(chain, routed_job):
    _job, _steps, orders = routed_job
    order = orders["plating"]
    client = client_for(chain.hub_owner)
    response = client.post(
        f"/orders/{order.uuid}/terms/",
        {
            "price": "18000",
            "due_date": order.due_date.isoformat(),
            "delivery_place": order.delivery_place,
            "payment_due_date": order.payment_due_date.isoformat(),
            "payment_method": order.payment_method,
            "reason": "数量変更のため",
        },
    )
    assert response.status_code == 302
    assert list(order.documents.values_list("version", flat=True)) == [1, 2]
    page = client_for(chain.plater_owner).get(f"/orders/{order.uuid}/").content.decode()
    assert "数量変更のため" in page
    assert "15000" in page and "18000" in page  # the difference, before and after


def test_the_pdf_download_is_a_pdf_attachment(chain, routed_job):
    _job, _steps, orders = routed_job
    response = client_for(chain.plater_owner).get(
        f"/orders/{orders['plating'].uuid}/documents/1.pdf"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    assert (
        client_for(chain.plater_owner)
        .get(f"/orders/{orders['plating'].uuid}/documents/9.pdf")
        .status_code
        == 404
    )


def test_floor_staff_start_and_finish_their_step_from_the_job_page(chain, routed_job):
    job, steps, _orders = routed_job
    turn = steps["L"]
    client = client_for(chain.turner_floor)
    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    assert f"/jobs/{job.uuid}/steps/{turn.uuid}/start/" in page
    assert "120,000" not in page and "¥" not in page  # no prices for floor staff
    client.post(f"/jobs/{job.uuid}/steps/{turn.uuid}/start/", {"idempotency_key": "s1"})
    client.post(f"/jobs/{job.uuid}/steps/{turn.uuid}/start/", {"idempotency_key": "s1"})
    assert job.events.filter(kind="step.started", step=turn).count() == 1
    client.post(
        f"/jobs/{job.uuid}/steps/{turn.uuid}/done/",
        {"idempotency_key": "d1", "good": "95", "scrap": "5"},
    )
    turn.refresh_from_db()
    assert (turn.status, turn.good_qty, turn.scrap_qty) == (StepStatus.DONE, 95, 5)


def test_a_short_receipt_is_shown_not_absorbed(chain, routed_job):
    job, steps, _orders = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100, scrap=0)
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=100)
    client = english(client_for(chain.grinder_floor))
    response = client.post(f"/handoffs/{handoff.uuid}/receive/", {"quantity": "97"}, follow=True)
    assert "3 parts short" in response.content.decode()
    hub_page = client_for(chain.hub_owner).get(f"/jobs/{job.uuid}/").content.decode()
    assert "−3" in hub_page


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("/jobs/{job}/", "post"),
        ("/jobs/{job}/steps/{step}/start/", "get"),
        ("/jobs/{job}/steps/{step}/ship/", "get"),
        ("/orders/{order}/accept/", "get"),
        ("/orders/{order}/documents/1.pdf", "post"),
        ("/jobs/", "post"),
    ],
)
def test_wrong_methods_are_refused(chain, routed_job, url, method):
    job, steps, orders = routed_job
    target = url.format(job=job.uuid, step=steps["L"].uuid, order=orders["plating"].uuid)
    response = getattr(client_for(chain.hub_owner), method)(target)
    assert response.status_code == 405


@pytest.mark.parametrize("count", [5, 40])
def test_the_job_page_costs_the_same_whatever_the_number_of_steps(
    chain, django_assert_num_queries, count
):
    job = post_job(chain)
    previous = None
    for i in range(count):
        previous = add(job, chain, "L" if i % 2 else "ASM", after=[previous] if previous else [])
    order_steps = list(job.steps.filter(process__code="L")[:2])
    order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=order_steps[:1], terms=terms()
    )
    client = client_for(chain.hub_owner)
    # session, user; the job; the user's memberships (access); orders; order-step pairs;
    # steps (id, shop); visible steps with process and shop; links; hand-offs; events;
    # the navigation's memberships; the job's parts; the assembly inputs
    with django_assert_num_queries(14):
        response = client.get(f"/jobs/{job.uuid}/")
    assert response.status_code == 200
    assert response.content.decode().count("step-card") == count


def test_it_inserts_a_step_between_two_linked_steps(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    assemble = add(job, chain, "ASM", after=[turn])
    response = client_for(chain.hub_owner).post(
        f"/jobs/{job.uuid}/steps/new/",
        {
            "process": Process.objects.get(code="G").pk,
            "planned_hours": "3",
            "after": [turn.pk],
            "before": [assemble.pk],
        },
    )
    assert response.status_code == 302
    grind = Step.objects.get(job=job, process__code="G")
    assert list(grind.predecessors.all()) == [turn]
    assert list(assemble.predecessors.all()) == [grind]
    kinds = list(job.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["step.added", "step.linked", "step.unlinked"]


@pytest.mark.parametrize("count", [3, 30])
def test_the_job_list_costs_the_same_whatever_the_number_of_jobs(
    chain, django_assert_num_queries, count
):
    for i in range(count):
        job = post_job(chain, drawing_number=f"MR-{i}")
        add(job, chain, "ASM")
    client = client_for(chain.hub_owner)
    # session, user; memberships (visibility); COUNT; the page with step counts; the user's
    # managing memberships (post buttons); the filter form's process choices; the navigation's
    # memberships
    with django_assert_num_queries(8):
        response = client.get("/jobs/")
    assert response.status_code == 200
    assert response.content.decode().count("/jobs/") >= count


@pytest.mark.parametrize("count", [3, 30])
def test_the_order_list_costs_the_same_whatever_the_number_of_orders(
    chain, django_assert_num_queries, count
):
    for i in range(count):
        job = post_job(chain, drawing_number=f"MR-{i}")
        step = add(job, chain, "L")
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
        )
    client = client_for(chain.turner_owner)
    # session, user; memberships (visibility); COUNT; the filter's own memberships (inbox);
    # the page with job, buyer, supplier; managing memberships (price visibility); the inbox
    # count. (The navigation re-uses the request's memberships.)
    with django_assert_num_queries(8):
        response = client.get("/orders/?inbox=true")
    assert response.status_code == 200
    assert response.content.decode().count("/orders/") >= count


@pytest.mark.parametrize(
    ("language", "label"), [("ja", "設備故障: 主軸から異音"), ("en", "Machine down: 主軸から異音")]
)
def test_a_hold_from_the_job_page_keeps_the_code_and_shows_the_label_in_the_viewers_language(
    chain, routed_job, language, label
):
    job, steps, _orders = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    floor = client_for(chain.turner_floor)

    response = floor.post(
        f"/jobs/{job.uuid}/steps/{turn.uuid}/hold/",
        {"idempotency_key": "h1", "reason": "machine", "note": "主軸から異音"},
    )

    assert response.status_code == 302
    turn.refresh_from_db()
    assert (turn.status, turn.hold_reason, turn.hold_note) == (
        StepStatus.ON_HOLD,
        HoldReason.MACHINE,
        "主軸から異音",
    )
    hub = client_for(chain.hub_owner)
    if language == "en":
        hub = english(hub)
    page = hub.get(f"/jobs/{job.uuid}/").content.decode()
    assert label in page


def test_the_job_page_refuses_a_hold_reason_that_is_not_offered(chain, routed_job):
    job, steps, _orders = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)

    response = client_for(chain.turner_floor).post(
        f"/jobs/{job.uuid}/steps/{turn.uuid}/hold/",
        {"idempotency_key": "h1", "reason": "設備故障"},
        follow=True,
    )

    [message] = [str(m) for m in response.context["messages"]]
    assert "設備故障" in message  # 正しく選択してください。設備故障 は候補にありません。
    turn.refresh_from_db()
    assert (turn.status, turn.hold_reason) == (StepStatus.IN_PROGRESS, "")
    assert not job.events.filter(kind="step.held").exists()


# --- the supplier's request page ------------------------------------------------------------------


def _requested_of_turner(chain):
    job = post_job(
        chain,
        part_name="ドライブシャフト",
        drawing_number="MR-9001",
        quantity=20,
        material=Material.objects.get(code="SUS304"),
    )
    turn = add(job, chain, "L")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    return job, turn, order


def test_the_supplier_sees_the_part_and_the_shared_drawing_before_accepting(chain):
    job, turn, order = _requested_of_turner(chain)
    filename, make = VALID["png"]
    shared = drawing_services.drawing_upload(
        job=job,
        actor=chain.hub_owner,
        upload=upload(filename, make()),
        number="MR-9001",
        steps=[turn],
    )
    hidden = drawing_services.drawing_upload(
        job=job,
        actor=chain.hub_owner,
        upload=upload(filename, make()),
        number="MR-9001-X",
    )
    body = (
        client_for(chain.turner_owner)
        .get(f"/orders/{order.uuid}/", HTTP_ACCEPT_LANGUAGE="ja")
        .content.decode()
    )
    part = re.search(r'<section class="card" id="order-part">.*?</section>', body, re.S).group(0)
    assert "ドライブシャフト" in part and "MR-9001" in part and "SUS304" in part
    assert ">20<" in part
    assert f'href="/drawings/revisions/{shared.uuid}/"' in part
    assert str(hidden.uuid) not in body  # not shared with this order
    # Shown before the accept button, with the decline reasons as presets.
    assert body.index('id="order-part"') < body.index(f"/orders/{order.uuid}/accept/")
    assert 'name="code" value="fully_booked"' in body and "手一杯で受けられない" in body
    # The viewer behind the link marks the drawing for the supplier and logs the look.
    assert (
        client_for(chain.turner_owner).get(f"/drawings/revisions/{shared.uuid}/").status_code == 200
    )


def test_a_decline_without_a_reason_says_everything_at_once_and_writes_nothing(chain):
    _job, _turn, order = _requested_of_turner(chain)
    client = client_for(chain.turner_owner)
    response = client.post(
        f"/orders/{order.uuid}/decline/",
        {"code": "other", "reason": ""},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REQUESTED
    assert "理由をひとこと" in response.content.decode()
    none = client.post(f"/orders/{order.uuid}/decline/", {}, follow=True).content.decode()
    assert "断る理由を選んでください" in none


def test_the_buyer_reads_the_reason_in_their_own_language(chain):
    _job, _turn, order = _requested_of_turner(chain)
    client_for(chain.turner_owner).post(
        f"/orders/{order.uuid}/decline/", {"code": "due_date", "reason": "3日後なら"}
    )
    ja = client_for(chain.hub_owner).get(f"/orders/{order.uuid}/").content.decode()
    assert "納期に間に合わない: 3日後なら" in ja
    en = english(client_for(chain.hub_owner)).get(f"/orders/{order.uuid}/").content.decode()
    assert "Cannot meet the delivery date: 3日後なら" in en
