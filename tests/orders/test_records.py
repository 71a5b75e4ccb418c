"""The 第7条 record: every order a workshop is party to with its documents, receipts,
inspections, returns and payments; searchable by partner and order date; as a CSV for Excel;
for the workshop's owners and managers only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import HandOff, Order, OrderDocument, Payment
from orders.services.handoffs import handoff_receive, handoff_ship
from orders.services.payments import payment_record
from orders.services.progress import step_done, step_start
from tests.conftest import client_for
from tests.orders.conftest import refreshed


@pytest.fixture
def recorded(chain, routed_job):
    """The turner's turned parts went to the grinder (inside the hub's order), the grinder's to
    the plater (the delivery under the sub-order, received by the plater with 2 rejected), and
    the hub's plating order was paid in part."""
    _job, steps, orders = routed_job
    step_start(step=steps["L"], actor=chain.turner_floor)
    step_done(step=steps["L"], actor=chain.turner_floor, good=100)
    moved = handoff_ship(step=steps["L"], actor=chain.turner_floor, quantity=100)
    handoff_receive(handoff=moved, actor=chain.grinder_floor, quantity=100)
    step_start(step=steps["G"], actor=chain.grinder_floor)
    step_done(step=steps["G"], actor=chain.grinder_floor, good=100)
    lot = handoff_ship(step=steps["G"], actor=chain.grinder_floor, quantity=100)
    handoff_receive(
        handoff=lot, actor=chain.plater_owner, quantity=98, rejected=2, cause="machining"
    )
    plating = refreshed(orders["plating"])
    payment_record(
        order=plating,
        actor=chain.hub_owner,
        paid_on=timezone.localdate(),
        amount=10000,
        means="bank_transfer",
    )
    return routed_job


def _csv(response) -> list[list[str]]:
    body = response.content
    assert body.startswith("\ufeff".encode())  # a BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_hub_sees_its_orders_as_buyer_with_payments(chain, recorded):
    client = client_for(chain.hub_owner)
    page = client.get(f"/workshops/{chain.hub.uuid}/records/")
    assert page.status_code == 200
    text = page.content.decode()
    assert chain.turner.display_name in text and chain.plater.display_name in text
    # The sub-order between turner and grinder is not the hub's record.
    assert str(recorded[2]["sub"].uuid)[:8] not in text
    rows = _csv(client.get(f"/workshops/{chain.hub.uuid}/records.csv"))
    header, body = rows[0], rows[1:]
    assert len(body) == 2
    assert "製造委託等をした日" in header[0]
    plating = next(r for r in body if r[1] == str(recorded[2]["plating"].uuid))
    cell = dict(zip(header, plating, strict=True))
    assert cell[header[16]].startswith(f"{timezone.localdate().isoformat()} 10000 ")
    assert cell[header[7]] == "15000"  # price excl. tax
    assert cell[header[9]] == "16500"  # total


def test_the_turner_sees_both_sides_receipts_and_inspections(chain, recorded):
    rows = _csv(client_for(chain.turner_owner).get(f"/workshops/{chain.turner.uuid}/records.csv"))
    header, body = rows[0], rows[1:]
    assert {r[1] for r in body} == {str(recorded[2]["top"].uuid), str(recorded[2]["sub"].uuid)}
    sub = dict(
        zip(header, next(r for r in body if r[1] == str(recorded[2]["sub"].uuid)), strict=True)
    )
    receipts = sub[header[14]]
    # Received 98 of 100: 96 accepted, 2 rejected, on today's date.
    today = timezone.localdate().isoformat()
    assert f"{today} 98/100 ○96 ×2 {today}" in receipts
    assert sub[header[13]].startswith("v1 ")  # the order document


def test_it_filters_by_partner_and_order_date(chain, recorded):
    client = client_for(chain.hub_owner)
    url = f"/workshops/{chain.hub.uuid}/records.csv"
    rows = _csv(client.get(url, {"partner": str(chain.plater.uuid)}))
    assert [r[1] for r in rows[1:]] == [str(recorded[2]["plating"].uuid)]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert len(_csv(client.get(url, {"ordered_from": tomorrow.isoformat()}))) == 1
    today = timezone.localdate().isoformat()
    assert len(_csv(client.get(url, {"ordered_from": today, "ordered_to": today}))) == 3
    # A range the wrong way round, or a stranger as partner: a clear 400, nothing listed.
    page = client.get(
        f"/workshops/{chain.hub.uuid}/records/",
        {"ordered_from": today, "ordered_to": "2000-01-01", "partner": str(chain.stranger.uuid)},
    )
    assert page.status_code == 400
    form = page.context["form"]
    assert set(form.errors) == {"ordered_to", "partner"}


@pytest.mark.parametrize("role", ["floor", "outsider", "staff", "other_party"])
def test_only_the_shops_managers_reach_it(chain, recorded, role):
    user = {
        "floor": chain.hub_floor,
        "outsider": chain.stranger_owner,
        "staff": chain.staff,
        "other_party": chain.turner_owner,
    }[role]
    client = client_for(user)
    assert client.get(f"/workshops/{chain.hub.uuid}/records/").status_code == 404
    assert client.get(f"/workshops/{chain.hub.uuid}/records.csv").status_code == 404


def _copies(order: Order, n: int) -> None:
    """`n` more orders like `order`, each with a document, a receipt and a payment."""
    document = order.documents.get()
    handoff = HandOff.objects.filter(order=order).first()
    for _ in range(n):
        copy = Order.objects.get(pk=order.pk)
        copy.pk, copy.uuid = None, uuid.uuid4()
        copy.save()
        OrderDocument.objects.create(
            order=copy,
            version=1,
            content=document.content,
            content_sha256=document.content_sha256,
            retain_until=document.retain_until,
        )
        if handoff:
            HandOff.objects.create(
                job=handoff.job,
                part=handoff.part,
                order=copy,
                from_workshop=handoff.from_workshop,
                to_workshop=handoff.to_workshop,
                status=handoff.status,
                quantity_shipped=handoff.quantity_shipped,
                quantity_received=handoff.quantity_received,
            )
        Payment.objects.create(
            order=copy, paid_on=timezone.localdate(), amount=1000, means="bank_transfer"
        )


@pytest.mark.parametrize("extra", [0, 29])
def test_the_query_count_does_not_grow_with_orders(chain, recorded, extra):
    # Filtered to the plater: 1 order, or 30.
    _copies(refreshed(recorded[2]["plating"]), extra)
    client = client_for(chain.hub_owner)
    url = f"/workshops/{chain.hub.uuid}/records/?partner={chain.plater.uuid}"
    client.get(url)  # warm the session and the user's roles
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count("<tr>") == 1 + 1 + extra
    # session, user, the workshop (with the manager check), the partners' ids, the partners,
    # orders (with buyer, supplier, job), documents, items, their parts, hand-offs (with
    # parts), payments, statement lines (with their statements), those statements' payments
    # (none when no line: 13), and the base template's memberships
    assert len(queries) == 13, "\n".join(q["sql"][:150] for q in queries)
