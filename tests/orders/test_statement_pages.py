"""The delivery note (納品書) and purchase statement (仕入明細書) pages and PDFs: what each
reader sees, read back from the PDFs with pypdf, and the outsider's 404 on every one."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from notifications.models import Notification
from orders.models import Payment, PurchaseStatement, StatementLog, StatementStatus
from orders.services.handoffs import handoff_ship
from orders.services.progress import step_done, step_start
from orders.services.statements import statement_issue
from tests.conftest import client_for
from tests.orders.conftest import refreshed
from tests.orders.statement_data import month_end_terms, on, receive, turned_order


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return "".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def issued(chain, monkeypatch):
    """A November statement of two lots of one order (120,000 for 10 parts, 10%)."""
    month_end_terms(chain)
    from workshops.models import Workshop

    Workshop.objects.filter(pk=chain.turner.pk).update(
        invoice_registration_number="T7000012050002", phone="03-1234-5678"
    )
    order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 10, 25), pay=None)
    receive(chain, monkeypatch, turn, 4, dt.date(2027, 11, 2))
    receive(chain, monkeypatch, turn, 6, dt.date(2027, 11, 20))
    on(monkeypatch, dt.date(2027, 12, 1))
    statement = statement_issue(
        buyer=chain.hub, supplier=chain.turner, actor=chain.hub_owner, year=2027, month=11
    )
    return order, turn, statement


# --- 納品書 -------------------------------------------------------------------------------------


def test_the_delivery_note_has_the_parties_lines_and_a_receipt_line(chain, monkeypatch):
    order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1), quantity=10)
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=4)
    text = pdf_text(client_for(chain.hub_owner).get(f"/handoffs/{handoff.uuid}/delivery-note.pdf"))
    flat = squash(text)
    assert "納品書" in flat
    assert "丸山製作所御中" in flat and "田中旋盤" in flat
    assert "シャフト" in flat and "MR-1001" in flat
    assert "受領日" in flat and "受領印" in flat
    shipped = timezone.localtime(handoff.shipped_at).date()
    assert f"納品日:{shipped.year}年{shipped.month}月{shipped.day}日" in flat
    assert order.uuid.hex[:8].upper() in flat
    # The buyer of the order sees the price: 4 of 10 parts of ¥120,000.
    assert "¥48,000" in flat and "¥4,800" in flat and "¥52,800" in flat
    # The supplier too.
    flat = squash(
        pdf_text(client_for(chain.turner_owner).get(f"/handoffs/{handoff.uuid}/delivery-note.pdf"))
    )
    assert "¥48,000" in flat


def test_floor_staff_print_it_without_prices(chain, monkeypatch):
    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1))
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=4)
    for user in (chain.turner_floor, chain.hub_floor):
        flat = squash(pdf_text(client_for(user).get(f"/handoffs/{handoff.uuid}/delivery-note.pdf")))
        assert "受領印" in flat and "シャフト" in flat and "4" in flat
        assert "¥" not in flat and "単価" not in flat and "金額" not in flat


def test_a_third_shop_receiving_the_parts_sees_no_price(chain, routed_job):
    _job, steps, orders = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    # Turned parts go on to the grinder's step: a shop that is no party to the hub's order.
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=100)
    assert handoff.to_workshop == chain.grinder and handoff.order == orders["top"]
    url = f"/handoffs/{handoff.uuid}/delivery-note.pdf"
    flat = squash(pdf_text(client_for(chain.grinder_owner).get(url)))
    assert "松本研削御中" in flat and "100" in flat and "受領印" in flat
    assert "¥" not in flat and "単価" not in flat
    # The floor station of the receiving shop links it on the arriving parts.
    floor = client_for(chain.grinder_floor).get(f"/floor/?workshop={chain.grinder.uuid}")
    assert url in floor.content.decode()
    # The parties of the order see it priced.
    assert "¥" in squash(pdf_text(client_for(chain.hub_owner).get(url)))
    for user in (chain.stranger_owner, chain.staff, chain.plater_owner):
        assert client_for(user).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_the_delivery_note_answers_404_to_outsiders_and_bad_ids(chain, monkeypatch):
    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1))
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=4)
    client = client_for(chain.stranger_owner)
    assert client.get(f"/handoffs/{handoff.uuid}/delivery-note.pdf").status_code == 404
    assert (
        client_for(chain.hub_owner).post(f"/handoffs/{handoff.uuid}/delivery-note.pdf").status_code
        == 405
    )


def test_the_order_page_links_the_delivery_note(chain, monkeypatch):
    order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1))
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=4)
    page = client_for(chain.hub_owner).get(f"/orders/{order.uuid}/").content.decode()
    assert f"/handoffs/{handoff.uuid}/delivery-note.pdf" in page


# --- 仕入明細書 ---------------------------------------------------------------------------------


def test_the_statement_pdf_has_every_item(chain, issued):
    order, _turn, statement = issued
    flat = squash(
        pdf_text(client_for(chain.turner_owner).get(f"/statements/{statement.uuid}/statement.pdf"))
    )
    assert "仕入明細書" in flat
    assert "田中旋盤御中" in flat and "丸山製作所" in flat
    assert "登録番号T7000012050002" in flat
    assert statement.number in flat and "第1版" in flat
    assert "2027年11月1日〜2027年11月30日（月末締め）" in flat
    assert "2027年12月31日" in flat  # 月末締め翌月末払い
    assert "2027年11月2日" in flat and "2027年11月20日" in flat
    assert order.uuid.hex[:8].upper() in flat
    assert "¥48,000" in flat and "¥72,000" in flat
    assert "10%対象" in flat and "¥120,000" in flat and "¥12,000" in flat and "¥132,000" in flat


def test_a_statement_without_a_registration_number_says_so(chain, monkeypatch):
    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1))
    receive(chain, monkeypatch, turn, 2, dt.date(2027, 11, 2))
    statement = statement_issue(
        buyer=chain.hub, supplier=chain.turner, actor=chain.hub_owner, year=2027, month=11
    )
    flat = squash(
        pdf_text(client_for(chain.hub_owner).get(f"/statements/{statement.uuid}/statement.pdf"))
    )
    assert "登録番号:記載なし" in flat and "適格請求書" in flat


def test_every_statement_page_is_404_for_others(chain, issued):
    _order, _turn, statement = issued
    urls = [
        f"/statements/{statement.uuid}/",
        f"/statements/{statement.uuid}/statement.pdf",
        f"/workshops/{chain.hub.uuid}/statements/",
        f"/workshops/{chain.hub.uuid}/statements/new/",
    ]
    for user in (chain.stranger_owner, chain.staff, chain.hub_floor, chain.turner_floor):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        for action in ("confirm", "dispute", "reissue", "cancel", "payments"):
            response = client.post(f"/statements/{statement.uuid}/{action}/", {"reason": "x"})
            assert response.status_code == 404, (user, action)
    assert refreshed(statement).status == StatementStatus.ISSUED
    assert StatementLog.objects.filter(statement=statement).count() == 1
    # The supplier's statements page lists it; the buyer's too.
    page = client_for(chain.turner_owner).get(f"/workshops/{chain.turner.uuid}/statements/")
    assert statement.number in page.content.decode()


def test_the_buyer_previews_and_issues_from_the_page(chain, monkeypatch):
    month_end_terms(chain)
    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 10, 25), pay=None)
    first = receive(chain, monkeypatch, turn, 4, dt.date(2027, 11, 2))
    second = receive(chain, monkeypatch, turn, 6, dt.date(2027, 11, 20))
    on(monkeypatch, dt.date(2027, 12, 1))
    client = client_for(chain.hub_owner)
    url = f"/workshops/{chain.hub.uuid}/statements/new/"
    page = client.get(url, {"supplier": chain.turner.uuid, "month": "2027-11"})
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        f"{first.order.uuid}:{first.uuid}" in html and f"{second.order.uuid}:{second.uuid}" in html
    )
    # Untick the second lot: only the first is billed.
    response = client.post(
        url,
        {
            "supplier": chain.turner.uuid,
            "month": "2027-11",
            "receipts": [f"{first.order.uuid}:{first.uuid}"],
        },
    )
    statement = PurchaseStatement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/statements/{statement.uuid}/"
    assert [line.handoff_id for line in statement.lines.all()] == [first.pk]
    # The supplier is told, with a link to the statement.
    told = Notification.objects.filter(kind="statement.issued")
    assert {n.user_id for n in told} == {chain.turner_owner.pk}
    assert told.get().link == f"/statements/{statement.uuid}/"
    # Bad input: an empty month, a month with nothing; every problem, nothing written.
    response = client.post(url, {"supplier": chain.turner.uuid, "month": "2027-13"})
    assert response.status_code == 400
    response = client.get(url, {"supplier": chain.turner.uuid, "month": "2027-09"})
    assert response.status_code == 400
    assert "2027-09-01" in response.content.decode()
    assert PurchaseStatement.objects.count() == 1


def test_the_supplier_disputes_then_the_buyer_corrects_and_the_supplier_confirms(chain, issued):
    _order, _turn, statement = issued
    supplier = client_for(chain.turner_owner)
    page = supplier.get(f"/statements/{statement.uuid}/").content.decode()
    assert "statement-answer" in page
    # A dispute without a reason: every error shown, nothing written.
    response = supplier.post(f"/statements/{statement.uuid}/dispute/", {"reason": ""})
    assert response.status_code == 400
    assert refreshed(statement).status == StatementStatus.ISSUED
    supplier.post(f"/statements/{statement.uuid}/dispute/", {"reason": "単価が違います"})
    assert refreshed(statement).status == StatementStatus.DISPUTED
    told = Notification.objects.filter(kind="statement.disputed")
    assert {n.user_id for n in told} == {chain.hub_owner.pk}
    buyer = client_for(chain.hub_owner)
    response = buyer.post(f"/statements/{statement.uuid}/reissue/")
    corrected = PurchaseStatement.objects.get(replaces=statement)
    assert response["Location"] == f"/statements/{corrected.uuid}/"
    assert corrected.version == 2 and corrected.status == StatementStatus.ISSUED
    supplier.post(f"/statements/{corrected.uuid}/confirm/")
    assert refreshed(corrected).status == StatementStatus.CONFIRMED
    assert Notification.objects.filter(kind="statement.confirmed", user=chain.hub_owner).exists()
    # The supplier cannot correct, the buyer cannot confirm.
    assert refreshed(statement).status == StatementStatus.SUPERSEDED


def test_a_payment_against_the_statement(chain, issued, monkeypatch):
    order, _turn, statement = issued
    buyer = client_for(chain.hub_owner)
    url = f"/statements/{statement.uuid}/payments/"
    # More than is owed: refused with the amount owed, nothing written.
    response = buyer.post(
        url,
        {
            "payment-paid_on": "2027-12-01",
            "payment-amount": "132001",
            "payment-means": "bank_transfer",
        },
    )
    assert response.status_code == 400
    assert "132,000" in response.content.decode()
    assert not Payment.objects.exists()
    # Late and short: flagged, both parties told.
    on(monkeypatch, dt.date(2028, 1, 5))
    buyer = client_for(chain.hub_owner)  # signed in again: the session of December expired
    response = buyer.post(
        url,
        {
            "payment-paid_on": "2028-01-05",
            "payment-amount": "100000",
            "payment-means": "bank_transfer",
        },
    )
    assert Payment.objects.exists(), response.content.decode()[-3000:]
    payment = Payment.objects.get()
    assert payment.statement == statement and payment.order is None
    assert payment.late and payment.short
    flagged = Notification.objects.filter(kind="payment.flagged")
    assert {n.user_id for n in flagged} == {chain.hub_owner.pk, chain.turner_owner.pk}
    actions = list(StatementLog.objects.filter(statement=statement).values_list("action", "actor"))
    assert ("statement.payment_recorded", chain.hub_owner.pk) in actions
    assert ("statement.payment_flagged", chain.hub_owner.pk) in actions
    # The order is billed on the statement: a payment against the order itself is refused.
    response = buyer.post(
        f"/orders/{order.uuid}/payments/",
        {
            "payment-paid_on": "2028-01-05",
            "payment-amount": "1000",
            "payment-means": "bank_transfer",
        },
    )
    assert Payment.objects.count() == 1
    # The supplier confirms receipt.
    supplier = client_for(chain.turner_owner)
    assert buyer.post(f"/payments/{payment.uuid}/confirm/").status_code in (302, 404)
    assert refreshed(payment).confirmed_at is None
    response = supplier.post(f"/payments/{payment.uuid}/confirm/")
    assert response["Location"] == f"/statements/{statement.uuid}/"
    payment = refreshed(payment)
    assert payment.confirmed_by == chain.turner_owner and payment.confirmed_at is not None
    log = list(payment.log.order_by("pk").values_list("action", "actor", "created_at"))
    assert [(action, actor) for action, actor, _at in log] == [
        ("payment.recorded", chain.hub_owner.pk),
        ("payment.confirmed", chain.turner_owner.pk),
    ]
    assert all(at is not None for _a, _b, at in log)
    assert StatementLog.objects.filter(
        statement=statement, action="statement.payment_confirmed", actor=chain.turner_owner
    ).exists()
    # Paid: the statement can no longer be replaced.
    from core.services import Refused
    from orders.services.statements import statement_cancel

    with pytest.raises(Refused):
        statement_cancel(statement=refreshed(statement), actor=chain.hub_owner)


def test_a_payment_row_is_against_exactly_one(chain, issued):
    from django.db import IntegrityError, transaction

    order, _turn, statement = issued
    for target in ({}, {"order": order, "statement": statement}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.create(paid_on=dt.date(2027, 12, 1), amount=1, means="cash", **target)


def test_an_order_paid_by_itself_is_left_off_statements(chain, monkeypatch):
    from orders.services.payments import payment_record

    order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1))
    lot = receive(chain, monkeypatch, turn, 2, dt.date(2027, 11, 2))
    payment_record(
        order=order, actor=chain.hub_owner, paid_on=dt.date(2027, 11, 2), amount=1000, means="cash"
    )
    from core.services import Refused

    with pytest.raises(Refused) as caught:
        statement_issue(
            buyer=chain.hub,
            supplier=chain.turner,
            actor=chain.hub_owner,
            year=2027,
            month=11,
            receipts=[f"{order.uuid}:{lot.uuid}"],
        )
    assert caught.value.code == "paid_per_order"
    assert not PurchaseStatement.objects.exists()


def test_a_ship_tap_answers_with_the_delivery_note(chain, monkeypatch):
    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1))
    client = client_for(chain.turner_floor)
    response = client.post(
        f"/jobs/{turn.job.uuid}/steps/{turn.uuid}/ship/", {"quantity": 3}, follow=True
    )
    (handoff,) = turn.handoffs_out.all()
    assert handoff.quantity_shipped == 3
    html = response.content.decode()
    assert f'href="/handoffs/{handoff.uuid}/delivery-note.pdf"' in html
    assert client.get(f"/handoffs/{handoff.uuid}/delivery-note.pdf").status_code == 200


@pytest.mark.parametrize("lots", [1, 5])
def test_the_statement_pages_read_a_fixed_number_of_queries(chain, monkeypatch, lots):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1), quantity=10)
    for n in range(lots):
        receive(chain, monkeypatch, turn, 1, dt.date(2027, 11, 2 + n))
    statement = statement_issue(
        buyer=chain.hub, supplier=chain.turner, actor=chain.hub_owner, year=2027, month=11
    )
    assert statement.lines.count() == lots
    client = client_for(chain.turner_owner)
    client.get(f"/statements/{statement.uuid}/")  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/statements/{statement.uuid}/").status_code == 200
    # session, user, the user's shops (for access), the statement (with its parties and
    # people), the shops the user manages (for the parties' buttons), payments, the log
    # (with actors), the base template's memberships, lines (with orders), versions
    assert len(queries) == 10, "\n".join(q["sql"][:120] for q in queries)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/workshops/{chain.turner.uuid}/statements/").status_code == 200
    # session, user, the workshop (with the manager check), the partners, the statements
    # (with buyer and supplier), the shops it may bill (the "new" button), memberships
    assert len(queries) == 7, "\n".join(q["sql"][:120] for q in queries)
