"""The 第4条 document goes with the request: version 1 is issued when the request is sent, with
one line per part (図番・版, 材質, 数量, 単価, 金額), tax rounded once per rate, who bears the
transfer fee and the buyer's contact; the supplier's acceptance is recorded as a 注文請書 of the
version it accepts; a counter-offer the buyer takes is a new version."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from core.services import Refused
from orders.models import (
    Order,
    OrderAcceptance,
    OrderDocument,
    OrderItem,
    OrderStatus,
    Part,
    ProgressEvent,
    TradingTerms,
)
from orders.pdf import render_order_acceptance, render_order_document
from orders.services.documents import DOCUMENT_ITEMS
from orders.services.jobs import step_add
from orders.services.parts import part_add, part_update
from orders.services.routing import (
    order_accept,
    order_change_terms,
    order_counter,
    order_counter_accept,
    order_request,
)
from orders.services.terms import trading_terms_set
from orders.tax import tax_by_rate, total_tax
from tests.conftest import client_for
from tests.orders.conftest import add, in_days, post_job, terms
from workshops import services as workshop_services
from workshops.models import Material, Process

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """All text of the PDF with whitespace removed: table cells wrap long labels."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def ja(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def snapshot() -> tuple[int, int, int, int, int]:
    return (
        Order.objects.count(),
        OrderItem.objects.count(),
        OrderDocument.objects.count(),
        OrderAcceptance.objects.count(),
        ProgressEvent.objects.count(),
    )


@pytest.fixture
def profiled(chain):
    """Both parties with what a 発注書 prints of them: address, phone, FAX, registration."""
    workshop_services.workshop_update_profile(
        workshop=chain.hub,
        actor=chain.hub_owner,
        data={
            "postal_code": "144-0051",
            "address": "東京都大田区西蒲田1-2-3",
            "phone": "03-3700-1111",
            "fax": "03-3700-1112",
            "invoice_registration_number": "T1180301018771",
        },
    )
    workshop_services.workshop_update_profile(
        workshop=chain.turner,
        actor=chain.turner_owner,
        data={
            "postal_code": "144-0033",
            "address": "東京都大田区東糀谷4-5-6",
            "phone": "03-3741-2222",
            "fax": "03-3741-2223",
        },
    )
    return chain


def _step(job, chain, code, part, quantity, after=()):
    return step_add(
        job=job,
        actor=chain.hub_owner,
        process=Process.objects.get(code=code),
        planned_hours=2,
        quantity=quantity,
        after=after,
        part=part,
    )


@pytest.fixture
def three_parts(profiled):
    """38 blanks turned, then 19 brackets milled and 19 shafts ground: three parts, one
    order to the turner (the turning feeds both other steps)."""
    chain = profiled
    job = post_job(chain, part_name="ギアユニット", quantity=19)
    sus = Material.objects.get(code="SUS304")
    blank = part_add(
        job=job,
        actor=chain.hub_owner,
        data={"name": "素材", "quantity": 38, "drawing_number": "MR-2001", "material": sus},
    )
    part_update(part=blank, actor=chain.hub_owner, data={"revision": "C"})
    bracket = part_add(
        job=job,
        actor=chain.hub_owner,
        data={"name": "ブラケット", "quantity": 19, "drawing_number": "MR-2002"},
    )
    part_update(part=bracket, actor=chain.hub_owner, data={"revision": "B", "material": sus})
    shaft = part_add(
        job=job,
        actor=chain.hub_owner,
        data={"name": "シャフト", "quantity": 19, "drawing_number": "MR-2003"},
    )
    part_update(part=shaft, actor=chain.hub_owner, data={"material_note": "S45C調質"})
    turn = _step(job, chain, "L", blank, 38)
    mill = _step(job, chain, "M", bracket, 19, after=[turn])
    grind = _step(job, chain, "G", shaft, 19, after=[turn])
    return {
        "job": job,
        "steps": [turn, mill, grind],
        "parts": {p.name: Part.objects.get(pk=p.pk) for p in (blank, bracket, shaft)},
    }


# Unit prices whose line taxes each end in half a yen: rounded per line they would lose a yen.
UNIT_PRICES = {"素材": Decimal("352.50"), "ブラケット": Decimal("1205"), "シャフト": Decimal("805")}


def _unit_prices(parts) -> dict[str, Decimal]:
    return {str(parts[name].uuid): price for name, price in UNIT_PRICES.items()}


@pytest.fixture
def requested(profiled, three_parts) -> Order:
    chain = profiled
    trading_terms_set(
        buyer=chain.hub,
        supplier=chain.turner,
        actor=chain.hub_owner,
        closing_day=31,
        payment_month_offset=1,
        payment_day=31,
        transfer_fee_payer="supplier",
    )
    return order_request(
        job=three_parts["job"],
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=three_parts["steps"],
        terms=terms(
            price=None,
            unit_prices=_unit_prices(three_parts["parts"]),
            due_date=in_days(10),
            inspection_due_date=in_days(12),
            payment_due_date=in_days(40),
            terms_note="梱包は通い箱で",
            material_supply="paid",
            supply_note="SUS304 丸棒 φ40×100 38本",
            supply_price=20000,
            supply_settlement_date=in_days(40),
        ),
    )


# --- Issued with the request ------------------------------------------------------------------


def test_it_issues_version_1_when_the_request_is_sent_before_any_acceptance(profiled, requested):
    assert requested.status == OrderStatus.REQUESTED
    document = OrderDocument.objects.get(order=requested)
    assert (document.version, document.issued_by, document.reason) == (
        1,
        profiled.hub_owner,
        "",
    )
    content = document.content
    # 製造委託等をした日: the day the request was sent.
    assert content["ordered_on"] == timezone.localtime(requested.requested_at).date().isoformat()
    assert not OrderAcceptance.objects.exists()
    event = ProgressEvent.objects.get(job=requested.job, kind="document.issued")
    assert (event.order, event.data["version"]) == (requested, 1)
    # The request's event comes first, then the document's.
    kinds = list(
        ProgressEvent.objects.filter(job=requested.job, order=requested)
        .order_by("seq")
        .values_list("kind", flat=True)
    )
    assert kinds == ["order.requested", "document.issued"]


def test_the_lines_carry_drawing_revision_material_quantity_unit_price_and_amount(requested):
    content = requested.documents.get().content
    assert [
        (
            line["name"],
            line["drawing_number"],
            line["revision"],
            line["material"],
            line["quantity"],
            line["unit_price"],
            line["amount"],
        )
        for line in content["lines"]
    ] == [
        ("素材", "MR-2001", "C", "SUS304", 38, "352.50", 13395),
        ("ブラケット", "MR-2002", "B", "SUS304", 19, "1205", 22895),
        ("シャフト", "MR-2003", "", "S45C調質", 19, "805", 15295),
    ]
    # The order's price is the sum of the lines.
    assert requested.price == 13395 + 22895 + 15295 == content["price"] == 51585
    items = {i.part.name: (i.unit_price, i.amount) for i in requested.items.select_related("part")}
    assert items["素材"] == (Decimal("352.50"), Decimal("13395"))


def test_it_rounds_the_tax_once_per_rate_not_per_line(requested):
    content = requested.documents.get().content
    # Per line: 1339.5 + 2289.5 + 1529.5 → 1339 + 2289 + 1529 = 5157. Once: 5158.5 → 5158.
    per_line = sum(int(Decimal(line["amount"]) * Decimal("0.1")) for line in content["lines"])
    assert per_line == 5157
    assert content["taxes"] == [{"rate": "0.100", "base": 51585, "tax": 5158}]
    assert (content["tax"], content["total"]) == (5158, 56743)
    order = Order.objects.get(pk=requested.pk)
    assert (order.tax_amount, order.total) == (5158, 56743)


def test_tax_is_summed_per_rate_and_rounded_down_once_for_each():
    lines = [
        (Decimal("0.10"), Decimal(105)),
        (Decimal("0.08"), Decimal(110)),
        (Decimal("0.10"), Decimal(105)),
        (Decimal("0.08"), Decimal(115)),
    ]
    rates = tax_by_rate(lines)
    assert [(r.rate, r.base, r.tax) for r in rates] == [
        (Decimal("0.10"), Decimal(210), Decimal(21)),  # 10.5 + 10.5 per line would be 20
        (Decimal("0.08"), Decimal(225), Decimal(18)),  # 8.8 + 9.2 per line would be 17
    ]
    assert total_tax(lines) == 39


def test_the_transfer_fee_payer_defaults_from_the_pair_and_is_printed(requested):
    assert requested.transfer_fee_payer == "supplier"
    content = requested.documents.get().content
    assert (content["transfer_fee_payer"], content["transfer_fee_payer_ja"]) == (
        "supplier",
        "受注者負担",
    )


def test_an_explicit_transfer_fee_payer_wins_over_the_pair_and_none_means_the_buyer(
    profiled, three_parts
):
    chain = profiled
    job, (turn, mill, _grind) = three_parts["job"], three_parts["steps"]
    # No trading terms for this pair: the buyer bears the fee.
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    assert order.transfer_fee_payer == "buyer"
    trading_terms_set(
        buyer=chain.hub,
        supplier=chain.turner,
        actor=chain.hub_owner,
        closing_day=31,
        payment_month_offset=1,
        payment_day=31,
        transfer_fee_payer="supplier",
    )
    explicit = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[mill],
        terms=terms(transfer_fee_payer="buyer"),
    )
    assert explicit.transfer_fee_payer == "buyer"


def test_the_buyer_block_names_its_contact_phone_fax_and_registration_number(profiled, requested):
    buyer = requested.documents.get().content["buyer"]
    assert buyer == {
        "name": "丸山製作所",
        "address": "〒144-0051 東京都大田区西蒲田1-2-3",
        "id": str(profiled.hub.uuid),
        "phone": "03-3700-1111",
        "fax": "03-3700-1112",
        "registration_number": "T1180301018771",
        "contact": "丸山製作所 社長",
    }


def test_the_pdf_of_version_1_states_every_article_4_item(profiled, requested):
    document = requested.documents.get()
    text = pdf_text(render_order_document(document))

    assert "発注書" in text.replace("　", "")
    for _key, label in DOCUMENT_ITEMS:
        assert re.sub(r"\s+", "", label) in text, label
    expected = [
        # The parties: the addressee (御中) and the buyer's block.
        "田中旋盤御中",
        "〒144-0033東京都大田区東糀谷4-5-6",
        "丸山製作所",
        "〒144-0051東京都大田区西蒲田1-2-3",
        "TEL03-3700-1111",
        "FAX03-3700-1112",
        "担当者丸山製作所社長",
        "登録番号T1180301018771",
        # 製造委託等をした日
        "製造委託等をした日" + ja(timezone.localtime(requested.requested_at).date()),
        # 給付の内容: a line per part: 品名, 図番・版, 材質, 数量, 単価, 金額.
        "品名図番・版材質数量単価金額",
        "1素材MR-2001版CSUS30438¥352.50¥13,395",
        "2ブラケットMR-2002版BSUS30419¥1,205¥22,895",
        "3シャフトMR-2003S45C調質19¥805¥15,295",
        # 代金, tax per rate, total.
        "代金の額（税抜）¥51,585",
        "消費税額（10%対象¥51,585）¥5,158",
        "合計金額（税込）¥56,743",
        # The terms.
        "給付を受領する期日（納期）" + ja(in_days(10)),
        "給付を受領する場所（納入場所）丸山製作所本社工場",
        "検査を完了する期日" + ja(in_days(12)),
        "代金の支払期日" + ja(in_days(40)),
        "支払方法銀行振込",
        "振込手数料受注者負担",
        "原材料等の支給有償支給：SUS304丸棒φ40×10038本",
        "対価¥20,000（税抜）、決済期日" + ja(in_days(40)),
        "その他の取引条件梱包は通い箱で",
        document.content["document_number"],
        "第1版",
    ]
    for value in expected:
        assert value in text, value
    assert "銀行振込（現金）" not in text
    # The hub's customer is private to the hub.
    assert "秘密顧客" not in text


def test_an_order_priced_as_a_whole_prints_its_parts_and_one_amount(profiled, three_parts):
    chain = profiled
    order = order_request(
        job=three_parts["job"],
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=three_parts["steps"],
        terms=terms(price=90000),
    )
    assert list(order.items.values_list("unit_price", "amount")) == [(None, None)] * 3
    text = pdf_text(render_order_document(order.documents.get()))
    assert "上記一式一式¥90,000" in text
    assert "代金の額（税抜）¥90,000" in text and "合計金額（税込）¥99,000" in text


def test_one_part_priced_as_a_whole_carries_the_price_and_its_unit_price(profiled):
    chain = profiled
    job = post_job(chain, quantity=7)
    step = add(job, chain, "L", 4)
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms(price=7000)
    )
    line = order.documents.get().content["lines"][0]
    assert (line["quantity"], line["unit_price"], line["amount"]) == (7, "1000", 7000)
    odd = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.grinder,
        steps=[add(job, chain, "G", 2, after=[step])],
        terms=terms(price=100001),
    )
    # ¥14,285.86 × 7 is not ¥100,001: no unit price is printed rather than a wrong one.
    line = odd.documents.get().content["lines"][0]
    assert (line["unit_price"], line["amount"]) == (None, 100001)


@pytest.mark.parametrize(
    ("prices", "price", "field"),
    [
        ({"素材": "352.25", "ブラケット": "1205", "シャフト": "805"}, None, "unit_prices"),
        ({"素材": "352.50", "ブラケット": "1205"}, None, "unit_prices"),
        ({"素材": "0", "ブラケット": "1205", "シャフト": "805"}, None, "unit_prices"),
        ({"素材": "352.505", "ブラケット": "1205", "シャフト": "805"}, None, "unit_prices"),
        ({"素材": "352.50", "ブラケット": "1205", "シャフト": "805"}, 50000, "price"),
    ],
)
def test_it_refuses_lines_that_do_not_price_every_part_in_whole_yen_and_writes_nothing(
    profiled, three_parts, prices, price, field
):
    chain = profiled
    before = snapshot()
    parts = three_parts["parts"]
    with pytest.raises(Refused) as refused:
        order_request(
            job=three_parts["job"],
            actor=chain.hub_owner,
            supplier=chain.turner,
            steps=three_parts["steps"],
            terms=terms(
                price=price, unit_prices={str(parts[n].uuid): v for n, v in prices.items()}
            ),
        )
    assert field in refused.value.message_dict
    assert snapshot() == before


def test_a_price_equal_to_the_sum_of_the_lines_is_accepted(profiled, three_parts):
    order = order_request(
        job=three_parts["job"],
        actor=profiled.hub_owner,
        supplier=profiled.turner,
        steps=three_parts["steps"],
        terms=terms(price=51585, unit_prices=_unit_prices(three_parts["parts"])),
    )
    assert order.price == 51585


# --- The order acceptance (注文請書) ------------------------------------------------------------


def test_acceptance_records_the_order_acceptance_of_version_1(profiled, requested):
    order = order_accept(order=requested, actor=profiled.turner_owner)
    document = order.documents.get()
    acceptance = OrderAcceptance.objects.get(order=order)

    assert OrderDocument.objects.filter(order=order).count() == 1  # no second version
    assert acceptance.document == document
    assert acceptance.accepted_by == profiled.turner_owner
    assert acceptance.accepted_at == Order.objects.get(pk=order.pk).decided_at
    assert acceptance.retain_until == document.retain_until
    content = acceptance.content
    assert content["order_document"] == {
        "id": str(document.uuid),
        "document_number": document.content["document_number"],
        "version": 1,
        "content_sha256": document.content_sha256,
        "issued_on": timezone.localdate(document.issued_at).isoformat(),
    }
    assert content["terms"] == document.content
    assert content["accepted_by"] == "田中旋盤 社長"
    assert content["supplier"]["contact"] == "田中旋盤 社長"
    assert content["counter_offer"] is False
    event = ProgressEvent.objects.get(job=order.job, kind="acceptance.recorded")
    assert event.data == {"acceptance": str(acceptance.uuid), "version": 1}
    assert event.order == order


def test_the_acceptance_pdf_is_issued_by_the_supplier_and_names_the_version(profiled, requested):
    order = order_accept(order=requested, actor=profiled.turner_owner)
    acceptance = order.acceptances.get()
    number = order.documents.get().content["document_number"]
    text = pdf_text(render_order_acceptance(acceptance))

    assert "注文請書" in text
    assert "丸山製作所御中" in text  # the buyer is the addressee
    assert "中小受託事業者（受注者）田中旋盤" in text  # the supplier issues it
    assert "TEL03-3741-2222" in text and "FAX03-3741-2223" in text
    assert "担当者田中旋盤社長" in text
    assert f"発注番号{number}第1版" in text
    assert f"発注書:{number}（第1版）" in text
    assert "2ブラケットMR-2002版BSUS30419¥1,205¥22,895" in text
    assert "合計金額（税込）¥56,743" in text
    assert "振込手数料受注者負担" in text
    assert acceptance.content["acceptance_number"] in text


def test_an_acceptance_cannot_be_changed_or_deleted(profiled, requested):
    order_accept(order=requested, actor=profiled.turner_owner)
    acceptance = OrderAcceptance.objects.get()
    with pytest.raises(PermissionError):
        acceptance.save()
    with pytest.raises(PermissionError):
        acceptance.delete()
    with pytest.raises(PermissionError):
        OrderAcceptance.objects.update(content_sha256="0")
    with pytest.raises(PermissionError):
        OrderAcceptance.objects.all().delete()
    assert OrderAcceptance.objects.get().content_sha256 == acceptance.content_sha256


def test_a_change_of_terms_after_acceptance_leaves_the_acceptance_on_its_version(
    profiled, requested
):
    order = order_accept(order=requested, actor=profiled.turner_owner)
    order_change_terms(
        order=order, actor=profiled.hub_owner, terms={"price": 60000}, reason="数量変更"
    )
    second = order.documents.get(version=2)
    assert order.acceptances.get().document.version == 1
    # A new price says nothing of how it splits: the three lines are priced as a whole.
    assert [line["amount"] for line in second.content["lines"]] == [None, None, None]
    assert (second.content["price"], second.content["tax"]) == (60000, 6000)


def test_a_request_from_before_documents_went_with_it_gets_version_1_on_acceptance(profiled):
    chain = profiled
    job = post_job(chain)
    step = add(job, chain, "L", 4)
    # An order as older data has it: requested, no document yet.
    order = Order.objects.create(
        job=job,
        buyer=chain.hub,
        supplier=chain.turner,
        requested_by=chain.hub_owner,
        price=120000,
        due_date=in_days(10),
        delivery_place="本社工場",
        payment_due_date=in_days(40),
        payment_method="bank_transfer",
    )
    order.steps.set([step])
    OrderItem.objects.create(order=order, part=Part.objects.get(job=job), quantity=100)

    page = client_for(chain.turner_owner).get(f"/orders/{order.uuid}/")
    assert page.status_code == 200

    order_accept(order=order, actor=chain.turner_owner)
    document = order.documents.get()
    assert (document.version, document.issued_by) == (1, chain.turner_owner)
    assert order.acceptances.get().document == document
    # Its one line has no amount of its own (older data): printed as a whole.
    assert "上記一式一式¥120,000" in pdf_text(render_order_document(document))


# --- Counter-offers ---------------------------------------------------------------------------


def test_a_counter_offer_taken_by_the_buyer_is_version_2_and_the_acceptance_accepts_it(
    profiled, requested
):
    chain = profiled
    counter = order_counter(
        order=requested, actor=chain.turner_owner, price=60000, due_date=in_days(11)
    )
    # Nothing new is issued while the counter-offer is open.
    assert requested.documents.count() == 1
    order = order_counter_accept(counter=counter, actor=chain.hub_owner)

    first, second = order.documents.order_by("version")
    assert second.version == 2 and second.issued_by == chain.hub_owner
    assert second.reason and second.content["reason"] == second.reason
    assert (second.content["price"], second.content["due_date"]) == (
        60000,
        in_days(11).isoformat(),
    )
    assert first.content["price"] == 51585
    assert Order.objects.get(pk=order.pk).terms_version == 2
    acceptance = order.acceptances.get()
    assert acceptance.document == second
    # The supplier's acceptance is the counter-offer it made.
    assert acceptance.accepted_by == chain.turner_owner
    assert acceptance.content["counter_offer"] is True
    text = pdf_text(render_order_acceptance(acceptance))
    assert f"{second.content['document_number']}第2版" in text
    assert "当社の条件変更の申出を貴社が承諾されたもの" in text


# --- Pages and API: the two parties only -------------------------------------------------------


def test_the_order_page_shows_the_acceptance_beside_the_documents(profiled, requested):
    chain = profiled
    page = client_for(chain.hub_owner).get(f"/orders/{requested.uuid}/")
    assert page.status_code == 200
    assert f"/orders/{requested.uuid}/documents/1.pdf" in page.content.decode()
    assert f"/orders/{requested.uuid}/acceptance.pdf" not in page.content.decode()

    order_accept(order=requested, actor=chain.turner_owner)
    for user in (chain.hub_owner, chain.turner_owner):
        body = client_for(user).get(f"/orders/{requested.uuid}/").content.decode()
        assert 'id="acceptance"' in body
        assert f"/orders/{requested.uuid}/acceptance.pdf" in body
        assert "¥352.5" in body and "¥22,895" in body  # unit price and amount per line


def test_both_pdfs_are_for_the_two_parties_only(profiled, requested):
    chain = profiled
    order_accept(order=requested, actor=chain.turner_owner)
    document_url = f"/orders/{requested.uuid}/documents/1.pdf"
    acceptance_url = f"/orders/{requested.uuid}/acceptance.pdf"
    for user in (chain.hub_owner, chain.turner_owner):
        client = client_for(user)
        for url in (document_url, acceptance_url):
            response = client.get(url)
            assert response.status_code == 200, (user, url)
            assert response["Content-Type"] == "application/pdf"
            assert response["Cache-Control"] == "private, no-store"
    for user in (chain.stranger_owner, chain.turner_floor, chain.hub_floor, chain.staff):
        client = client_for(user)
        for url in (document_url, acceptance_url):
            assert client.get(url).status_code == 404, (user, url)
    assert client_for(chain.hub_owner).post(acceptance_url).status_code == 405


def test_the_hub_cannot_read_a_sub_orders_acceptance(profiled, routed_job):
    chain = profiled
    _job, _steps, orders = routed_job
    sub = orders["sub"]
    assert sub.acceptances.exists()
    url = f"/orders/{sub.uuid}/acceptance.pdf"
    assert client_for(chain.hub_owner).get(url).status_code == 404
    assert client_for(chain.turner_owner).get(url).status_code == 200
    assert client_for(chain.grinder_owner).get(url).status_code == 200


def test_a_requested_order_has_no_acceptance_pdf_yet(profiled, requested):
    url = f"/orders/{requested.uuid}/acceptance.pdf"
    assert client_for(profiled.hub_owner).get(url).status_code == 404


def test_the_api_shows_the_documents_the_acceptance_and_the_line_prices(profiled, requested):
    chain = profiled
    order_accept(order=requested, actor=chain.turner_owner)
    body = client_for(chain.turner_owner).get(f"/api/v1/orders/{requested.uuid}/").json()
    assert [d["version"] for d in body["documents"]] == [1]
    assert body["documents"][0]["content"]["lines"][1]["amount"] == 22895
    assert body["acceptance"]["version"] == 1
    assert body["acceptance"]["document"] == body["documents"][0]["id"]
    assert body["order"]["transfer_fee_payer"] == "supplier"
    assert [(i["unit_price"], i["amount"]) for i in body["order"]["items"]] == [
        ("352.50", 13395),
        ("1205.00", 22895),
        ("805.00", 15295),
    ]
    documents = client_for(chain.hub_owner).get(f"/api/v1/orders/{requested.uuid}/documents/")
    assert [d["version"] for d in documents.json()] == [1]
    assert (
        client_for(chain.stranger_owner).get(f"/api/v1/orders/{requested.uuid}/").status_code == 404
    )


def test_the_api_hides_a_sub_orders_line_prices_and_acceptance_from_the_hub(profiled, routed_job):
    _job, _steps, orders = routed_job
    body = client_for(profiled.hub_owner).get(f"/api/v1/orders/{orders['sub'].uuid}/").json()
    assert "documents" not in body and "acceptance" not in body
    assert "transfer_fee_payer" not in body["order"]
    assert all(set(i) == {"part", "part_name", "quantity"} for i in body["order"]["items"])


def test_the_api_requests_an_order_priced_by_its_lines(profiled, three_parts):
    chain = profiled
    parts = three_parts["parts"]
    payload = {
        "supplier": str(chain.turner.uuid),
        "steps": [str(s.uuid) for s in three_parts["steps"]],
        "lines": [
            {"part": str(parts[n].uuid), "unit_price": str(p)} for n, p in UNIT_PRICES.items()
        ],
        "due_date": in_days(10).isoformat(),
        "delivery_place": "本社工場",
        "payment_due_date": in_days(40).isoformat(),
        "payment_method": "bank_transfer",
        "transfer_fee_payer": "supplier",
    }
    response = client_for(chain.hub_owner).post(
        f"/api/v1/jobs/{three_parts['job'].uuid}/orders/", payload, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["price"], body["tax"], body["transfer_fee_payer"]) == (51585, 5158, "supplier")
    order = Order.objects.get(uuid=body["id"])
    assert order.documents.get().content["lines"][0]["unit_price"] == "352.50"


# --- The route form --------------------------------------------------------------------------


def test_the_route_form_takes_a_unit_price_per_part(profiled, three_parts):
    chain = profiled
    job, steps, parts = three_parts["job"], three_parts["steps"], three_parts["parts"]
    client = client_for(chain.hub_owner)
    query = "&".join(f"step={s.uuid}" for s in steps)
    page = client.get(f"/jobs/{job.uuid}/route/?{query}")
    assert page.status_code == 200
    for part in parts.values():
        assert f'name="unit_price_{part.uuid.hex}"' in page.content.decode()
    data = {
        "steps": [str(s.uuid) for s in steps],
        "supplier": str(chain.turner.uuid),
        "price": "",
        "due_date": in_days(10).isoformat(),
        "delivery_place": "本社工場",
        "payment_due_date": in_days(40).isoformat(),
        "payment_method": "bank_transfer",
        "transfer_fee_payer": "",
        "material_supply": "",
        **{f"unit_price_{parts[n].uuid.hex}": str(p) for n, p in UNIT_PRICES.items()},
    }
    response = client.post(f"/jobs/{job.uuid}/route/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get(job=job)
    assert order.price == 51585 and order.transfer_fee_payer == "buyer"
    assert order.documents.get().version == 1


def test_the_route_form_asks_for_a_price_or_unit_prices_and_writes_nothing(profiled, three_parts):
    chain = profiled
    job, steps = three_parts["job"], three_parts["steps"]
    before = snapshot()
    response = client_for(chain.hub_owner).post(
        f"/jobs/{job.uuid}/route/",
        {
            "steps": [str(s.uuid) for s in steps],
            "supplier": str(chain.turner.uuid),
            "price": "",
            "due_date": in_days(10).isoformat(),
            "delivery_place": "本社工場",
            "payment_due_date": in_days(40).isoformat(),
            "payment_method": "bank_transfer",
        },
    )
    assert response.status_code == 400
    assert "price" in response.context["form"].errors
    assert snapshot() == before


# --- The workshop's FAX ----------------------------------------------------------------------


def test_the_profile_form_edits_the_fax_number(chain):
    client = client_for(chain.hub_owner)
    page = client.get(f"/workshops/{chain.hub.uuid}/edit/")
    assert page.status_code == 200 and 'name="fax"' in page.content.decode()


def test_the_payment_terms_page_sets_who_bears_the_transfer_fee(profiled):
    chain = profiled
    url = f"/trading/{chain.hub.uuid}/{chain.turner.uuid}/terms/"
    data = {
        "closing_day": 31,
        "payment_month_offset": 1,
        "payment_day": 31,
        "transfer_fee_payer": "supplier",
    }
    assert client_for(chain.hub_owner).post(url, data).status_code == 302
    terms_row = TradingTerms.objects.get(buyer=chain.hub, supplier=chain.turner)
    assert terms_row.transfer_fee_payer == "supplier"
    assert terms_row.changes.get().data["transfer_fee_to"] == "supplier"
    # The supplier reads it; it may not set it; an outsider gets a 404.
    page = client_for(chain.turner_owner).get(url)
    assert page.status_code == 200 and "data-transfer-fee" in page.content.decode()
    assert client_for(chain.turner_owner).post(url, data).status_code == 404
    assert client_for(chain.stranger_owner).get(url).status_code == 404
    refused = client_for(chain.hub_owner).post(url, {**data, "transfer_fee_payer": "nobody"})
    assert refused.status_code == 400
    assert TradingTerms.objects.get(pk=terms_row.pk).transfer_fee_payer == "supplier"
