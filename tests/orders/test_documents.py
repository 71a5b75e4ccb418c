"""Order documents (発注書): issued with the request, versioned on change, never altered or
removed, refused terms write nothing, and the PDF carries every item in an embedded Japanese font.
(tests/orders/test_documents_at_request.py: the lines, the tax per rate and the 注文請書.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from pypdf import PdfReader

from core import dates
from core.services import Refused
from orders.models import Job, Order, OrderDocument, OrderStatus, ProgressEvent
from orders.pdf import (
    FONT_FILE,
    FONT_LICENSE_FILE,
    FONT_NAME,
    fonts_dir,
    missing_glyphs,
    printable,
    register_japanese_font,
    render_order_document,
)
from orders.services.documents import DOCUMENT_ITEMS, document_diff, document_issue
from orders.services.routing import order_accept, order_change_terms, order_request
from workshops import services as workshop_services
from workshops.models import Process

from .conftest import add, in_days, post_job, terms

BUYER_ADDRESS = "東京都大田区西蒲田1-2-3"
SUPPLIER_ADDRESS = "東京都大田区東糀谷4-5-6"


def ja(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def two_years_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 2)
    except ValueError:
        return day.replace(year=day.year + 2, day=28)


@pytest.fixture
def addressed(chain):
    """The hub and the turner with postal addresses, as a 発注書 names both parties."""
    workshop_services.workshop_update_profile(
        workshop=chain.hub,
        actor=chain.hub_owner,
        data={"postal_code": "144-0051", "address": BUYER_ADDRESS},
    )
    workshop_services.workshop_update_profile(
        workshop=chain.turner,
        actor=chain.turner_owner,
        data={"postal_code": "144-0033", "address": SUPPLIER_ADDRESS},
    )
    return chain


@pytest.fixture
def turning_job(addressed) -> tuple[Job, object]:
    job = post_job(addressed)
    turn = add(job, addressed, "L", 6, title="外径仕上げ")
    return job, turn


@pytest.fixture
def accepted(addressed, turning_job) -> Order:
    job, turn = turning_job
    order = order_request(
        job=job,
        actor=addressed.hub_owner,
        supplier=addressed.turner,
        steps=[turn],
        terms=terms(inspection_due_date=in_days(12), terms_note="梱包は通い箱で"),
    )
    return order_accept(order=order, actor=addressed.turner_owner)


@pytest.fixture
def changed(addressed, accepted) -> Order:
    return order_change_terms(
        order=accepted,
        actor=addressed.hub_owner,
        terms={"price": 130000, "payment_due_date": in_days(45)},
        reason="材料費の値上がりを反映",
    )


def snapshot() -> tuple[int, int, int]:
    return Order.objects.count(), ProgressEvent.objects.count(), OrderDocument.objects.count()


def refreshed_order(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


# --- Issue and versions ---------------------------------------------------------------------


def test_it_issues_version_1_with_every_item_when_the_request_is_sent(addressed, accepted):
    document = OrderDocument.objects.get(order=accepted)
    content = document.content
    turn = accepted.steps.get()

    assert document.version == 1
    # Issued with the request, by whoever sent it; the acceptance did not issue another.
    assert document.issued_by == addressed.hub_owner
    assert document.reason == ""
    assert {key for key, _ in DOCUMENT_ITEMS} <= set(content)
    assert content["document_number"] == f"{accepted.uuid.hex[:8].upper()}-1"
    assert content["version"] == 1
    assert content["buyer"] == {
        "name": "丸山製作所",
        "address": f"〒144-0051 {BUYER_ADDRESS}",
        "id": str(addressed.hub.uuid),
        "phone": "",
        "fax": "",
        "registration_number": "",
        "contact": "丸山製作所 社長",
    }
    assert content["supplier"] == {
        "name": "田中旋盤",
        "address": f"〒144-0033 {SUPPLIER_ADDRESS}",
        "id": str(addressed.turner.uuid),
        "phone": "",
        "fax": "",
        "registration_number": "",
        "contact": "",
    }
    assert content["ordered_on"] == timezone.localtime(accepted.requested_at).date().isoformat()
    assert content["lines"] == [
        {
            "part": str(turn.part.uuid),
            "name": "シャフト",
            "drawing_number": "MR-1001",
            "revision": "",
            "material": "",
            "quantity": 100,
            "unit_price": "1200",
            "amount": 120000,
        }
    ]
    assert content["items"] == [
        {
            "step": str(turn.uuid),
            "process": Process.objects.get(code="L").name_ja,
            "process_code": "L",
            "title": "外径仕上げ",
            "quantity": 100,
        }
    ]
    assert content["due_date"] == in_days(10).isoformat()
    assert content["delivery_place"] == "丸山製作所 本社工場"
    assert content["inspection_due_date"] == in_days(12).isoformat()
    assert (content["price"], content["tax_rate"], content["tax"], content["total"]) == (
        120000,
        "0.100",
        12000,
        132000,
    )
    assert content["payment_due_date"] == in_days(40).isoformat()
    assert content["payment_method"] == "bank_transfer"
    assert content["transfer_fee_payer"] == "buyer"
    assert content["taxes"] == [{"rate": "0.100", "base": 120000, "tax": 12000}]
    assert content["supplied_materials"] is None
    assert content["terms_note"] == "梱包は通い箱で"
    assert content["reason"] == ""
    assert content["sub_order"] is False
    assert (
        document.content_sha256
        == hashlib.sha256(
            json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
    )
    # The issue is in the job's log, pointing at this document.
    event = ProgressEvent.objects.get(job=accepted.job, kind="document.issued")
    assert event.data == {"document": str(document.uuid), "version": 1}
    assert event.order == accepted
    # The acceptance is the supplier's 注文請書 of that version.
    assert accepted.acceptances.get().document == document


def test_it_rounds_the_consumption_tax_down_to_the_yen(addressed, turning_job):
    job, turn = turning_job
    order = order_request(
        job=job,
        actor=addressed.hub_owner,
        supplier=addressed.turner,
        steps=[turn],
        terms=terms(price=12345),
    )
    order_accept(order=order, actor=addressed.turner_owner)

    content = order.documents.get().content
    assert (content["price"], content["tax"], content["total"]) == (12345, 1234, 13579)


def test_it_issues_the_document_before_the_supplier_accepts(addressed, turning_job):
    job, turn = turning_job
    order = order_request(
        job=job,
        actor=addressed.hub_owner,
        supplier=addressed.turner,
        steps=[turn],
        terms=terms(),
    )
    assert list(OrderDocument.objects.values_list("order", "version")) == [(order.pk, 1)]
    assert not order.acceptances.exists()


def test_it_issues_version_2_with_the_reason_and_a_diff_on_a_change_of_terms(accepted, changed):
    first, second = OrderDocument.objects.filter(order=accepted).order_by("version")

    assert second.version == 2
    assert second.reason == "材料費の値上がりを反映"
    assert second.content["reason"] == "材料費の値上がりを反映"
    assert second.content["document_number"] == f"{accepted.uuid.hex[:8].upper()}-2"
    assert (second.content["price"], second.content["tax"], second.content["total"]) == (
        130000,
        13000,
        143000,
    )
    assert refreshed_order(accepted).terms_version == 2
    line = first.content["lines"][0]
    assert document_diff(first, second) == [
        # One part priced as a whole: its line carries the new price.
        {
            "key": "lines",
            "label": "給付の内容",
            "old": [line],
            "new": [{**line, "unit_price": "1300", "amount": 130000}],
        },
        {"key": "price", "label": "代金の額（税抜）", "old": 120000, "new": 130000},
        {"key": "tax", "label": "消費税額", "old": 12000, "new": 13000},
        {"key": "total", "label": "合計金額（税込）", "old": 132000, "new": 143000},
        {
            "key": "payment_due_date",
            "label": "代金の支払期日",
            "old": in_days(40).isoformat(),
            "new": in_days(45).isoformat(),
        },
    ]
    assert ProgressEvent.objects.filter(job=accepted.job, kind="document.issued").count() == 2


def test_it_leaves_the_first_version_as_issued(addressed, accepted):
    first = OrderDocument.objects.get(order=accepted, version=1)
    before = (first.content, first.content_sha256, first.issued_at, first.retain_until)

    order_change_terms(
        order=accepted,
        actor=addressed.hub_owner,
        terms={"price": 130000},
        reason="数量変更のため",
    )

    first = OrderDocument.objects.get(pk=first.pk)
    assert (first.content, first.content_sha256, first.issued_at, first.retain_until) == before
    assert first.content["price"] == 120000


def test_it_keeps_a_document_for_two_years_after_the_payment_it_records(accepted):
    document = accepted.documents.get()
    # 第7条: two years from when the record is complete, i.e. after the payment due date,
    # which is never before the issue date.
    assert document.retain_until == two_years_after(accepted.payment_due_date)
    assert document.retain_until >= two_years_after(timezone.localdate(document.issued_at))


def test_it_keeps_a_document_issued_on_29_february_until_28_february(
    addressed, accepted, monkeypatch
):
    leap_day = timezone.make_aware(dt.datetime(2028, 2, 29, 10, 0))
    monkeypatch.setattr("orders.services.documents.timezone.now", lambda: leap_day)
    # A payment due before the issue date: retention counts from the issue date.
    Order.objects.filter(pk=accepted.pk).update(payment_due_date=dt.date(2028, 1, 31))
    accepted.refresh_from_db()
    with transaction.atomic():
        document = document_issue(
            order=accepted,
            job=accepted.job,
            actor=addressed.hub_owner,
            reason="再発行",
        )
    assert document.issued_at == leap_day
    assert document.retain_until == dt.date(2030, 2, 28)


# --- Immutability ----------------------------------------------------------------------------


def test_it_refuses_to_save_an_issued_document_again(accepted):
    document = accepted.documents.get()
    document.reason = "書き換え"
    with pytest.raises(PermissionError):
        document.save()
    assert OrderDocument.objects.get(pk=document.pk).reason == ""


def test_it_refuses_to_delete_a_document(accepted):
    document = accepted.documents.get()
    with pytest.raises(PermissionError):
        document.delete()
    assert OrderDocument.objects.filter(pk=document.pk).exists()


def test_it_refuses_queryset_update_of_documents(accepted):
    with pytest.raises(PermissionError):
        OrderDocument.objects.filter(order=accepted).update(reason="書き換え")
    assert OrderDocument.objects.get(order=accepted).reason == ""


def test_it_refuses_queryset_delete_of_documents(accepted):
    with pytest.raises(PermissionError):
        OrderDocument.objects.filter(order=accepted).delete()
    with pytest.raises(PermissionError):
        OrderDocument.objects.all().delete()
    assert OrderDocument.objects.filter(order=accepted).count() == 1


def test_it_has_the_database_refuse_a_raw_update(accepted):
    document = accepted.documents.get()
    table = connection.ops.quote_name(OrderDocument._meta.db_table)
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"UPDATE {table} SET content_sha256 = %s WHERE id = %s", ["0" * 64, document.pk]
        )
    assert OrderDocument.objects.get(pk=document.pk).content_sha256 == document.content_sha256


def test_it_has_postgresql_refuse_a_raw_delete_before_the_retention_date(accepted):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite has no delete trigger: the test runner empties tables with DELETE there; "
            "the model and QuerySet refuse deletes (see migration 0002)."
        )
    document = accepted.documents.get()
    table = connection.ops.quote_name(OrderDocument._meta.db_table)
    with (
        pytest.raises(DatabaseError, match="kept until"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [document.pk])
    assert OrderDocument.objects.filter(pk=document.pk).exists()


def test_it_lets_the_database_drop_a_document_once_its_retention_has_passed(accepted):
    # Retention tooling must still be able to purge: only documents within retention are
    # guarded by the delete trigger (PostgreSQL); SQLite has none. Two days back, because the
    # trigger's CURRENT_DATE is the session's (UTC) date, up to a day behind Tokyo's.
    expired = OrderDocument.objects.create(
        order=accepted,
        version=99,
        content={"version": 99},
        content_sha256="0" * 64,
        retain_until=timezone.localdate() - dt.timedelta(days=2),
    )
    table = connection.ops.quote_name(OrderDocument._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [expired.pk])
    assert not OrderDocument.objects.filter(pk=expired.pk).exists()
    assert accepted.documents.count() == 1


# --- Refused terms write nothing --------------------------------------------------------------


def test_it_refuses_a_payment_due_more_than_60_days_after_delivery(addressed, turning_job):
    job, turn = turning_job
    before = snapshot()
    last_seq = Job.objects.get(pk=job.pk).last_seq

    # Counting the day of delivery as day 1, day 61 is delivery + 60 days.
    with pytest.raises(Refused) as refused:
        order_request(
            job=job,
            actor=addressed.hub_owner,
            supplier=addressed.turner,
            steps=[turn],
            terms=terms(due_date=in_days(10), payment_due_date=in_days(70)),
        )

    message = " ".join(refused.value.message_dict["payment_due_date"])
    assert re.search(r"60 ?(days|日)", message)
    assert dates.day(in_days(69)) in message  # the latest allowed date: day 60
    assert snapshot() == before
    assert Job.objects.get(pk=job.pk).last_seq == last_seq


def test_it_accepts_a_payment_due_on_the_60th_day_counting_the_delivery_day(addressed, turning_job):
    job, turn = turning_job
    order = order_request(
        job=job,
        actor=addressed.hub_owner,
        supplier=addressed.turner,
        steps=[turn],
        terms=terms(due_date=in_days(10), payment_due_date=in_days(69)),
    )
    assert order.payment_due_date == in_days(10) + dt.timedelta(days=59)


def test_it_refuses_a_change_of_terms_beyond_60_days_and_issues_nothing(addressed, accepted):
    before = snapshot()
    with pytest.raises(Refused) as refused:
        order_change_terms(
            order=accepted,
            actor=addressed.hub_owner,
            terms={"payment_due_date": in_days(75)},
            reason="支払を延ばしたい",
        )
    assert "payment_due_date" in refused.value.message_dict
    assert snapshot() == before
    order = refreshed_order(accepted)
    assert (order.payment_due_date, order.terms_version) == (in_days(40), 1)


@pytest.mark.parametrize("method", ["promissory_note", "tegata", "手形", "", None])
def test_it_refuses_an_unknown_payment_method(addressed, turning_job, method):
    job, turn = turning_job
    before = snapshot()
    with pytest.raises(Refused) as refused:
        order_request(
            job=job,
            actor=addressed.hub_owner,
            supplier=addressed.turner,
            steps=[turn],
            terms=terms(payment_method=method),
        )
    assert "promissory" in " ".join(refused.value.message_dict["payment_method"]) or (
        "手形" in " ".join(refused.value.message_dict["payment_method"])
    )
    assert snapshot() == before


@pytest.mark.parametrize("price", [0, -1, -120000, "0", None, "abc"])
def test_it_refuses_a_price_that_is_not_more_than_zero(addressed, turning_job, price):
    job, turn = turning_job
    before = snapshot()
    with pytest.raises(Refused) as refused:
        order_request(
            job=job,
            actor=addressed.hub_owner,
            supplier=addressed.turner,
            steps=[turn],
            terms=terms(price=price),
        )
    assert "price" in refused.value.message_dict
    assert snapshot() == before


# --- The PDF ---------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """All text of the PDF with whitespace removed: table cells wrap long labels."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def embedded_fonts(data: bytes) -> list[tuple[str, bool]]:
    """(BaseFont, has a TrueType font program) for every font the pages use."""
    reader = PdfReader(io.BytesIO(data))
    found = []
    for page in reader.pages:
        for reference in page["/Resources"]["/Font"].values():
            font = reference.get_object()
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            found.append((str(font["/BaseFont"]), "/FontFile2" in descriptor))
    return found


def test_it_renders_an_a4_pdf_with_the_japanese_font_embedded(accepted):
    data = render_order_document(accepted.documents.get())

    assert data.startswith(b"%PDF-")
    assert b"/FontFile2" in data
    assert FONT_NAME.encode() in data
    assert b"HeiseiKakuGo" not in data and b"HeiseiMin" not in data
    fonts = embedded_fonts(data)
    assert fonts and all(name.endswith(f"+{FONT_NAME}") and embedded for name, embedded in fonts)
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_it_prints_every_item_label_and_its_value(addressed, accepted):
    document = accepted.documents.get()
    text = pdf_text(render_order_document(document))

    for _, label in DOCUMENT_ITEMS:
        assert re.sub(r"\s+", "", label) in text, label
    for value in (
        "委託事業者",
        "中小受託事業者",
        "給付の内容",
        "支払期日",
        "丸山製作所",
        "田中旋盤",
        BUYER_ADDRESS,
        SUPPLIER_ADDRESS,
        "〒144-0033",
        "シャフト",
        "MR-1001",
        "外径仕上げ",
        Process.objects.get(code="L").name_ja,
        "¥120,000",
        "¥12,000",
        "¥132,000",
        "10%対象",
        ja(in_days(10)),
        ja(in_days(12)),
        ja(in_days(40)),
        "丸山製作所本社工場",
        "銀行振込",
        "梱包は通い箱で",
        document.content["document_number"],
        "第1版",
        "取適法",
        "第4条",
        "第7条",
        ja(document.retain_until),
        document.content_sha256,
    ):
        assert value in text, value
    # 有償支給: なし
    assert "原材料等の支給なし" in text
    # The means of payment in the rule's own word: 銀行振込, not 「銀行振込（現金）」.
    assert "銀行振込" in text and "銀行振込（現金）" not in text
    assert document.content["payment_method_ja"] == "銀行振込"
    assert "前版からの変更" not in text
    # The hub's customer is private to the hub: never on a document the supplier receives.
    assert "秘密顧客" not in text


def test_it_prints_no_inspection_when_there_is_none(addressed, turning_job):
    job, turn = turning_job
    order = order_request(
        job=job,
        actor=addressed.hub_owner,
        supplier=addressed.turner,
        steps=[turn],
        terms=terms(),
    )
    order_accept(order=order, actor=addressed.turner_owner)

    text = pdf_text(render_order_document(order.documents.get()))
    assert "検査を完了する期日検査なし" in text


def test_it_prints_the_changes_from_the_previous_version(accepted, changed):
    first, second = OrderDocument.objects.filter(order=accepted).order_by("version")
    text = pdf_text(render_order_document(second, previous=first))

    assert "前版からの変更" in text
    assert "変更の理由:材料費の値上がりを反映" in text
    assert "変更前（第1版）" in text and "変更後（第2版）" in text
    assert "代金の額（税抜）¥120,000¥130,000" in text
    assert "消費税額¥12,000（税率10%、1円未満切り捨て）¥13,000" in text
    assert "合計金額（税込）¥132,000¥143,000" in text
    assert f"代金の支払期日{ja(in_days(40))}{ja(in_days(45))}" in text
    # Unchanged terms are not listed as changes.
    assert "給付を受領する期日（納期）" + ja(in_days(10)) + ja(in_days(10)) not in text


def test_it_refuses_a_previous_version_of_another_order(addressed, accepted, changed):
    job = accepted.job
    other_step = add(job, addressed, "M", 2)
    other = order_request(
        job=job,
        actor=addressed.hub_owner,
        supplier=addressed.turner,
        steps=[other_step],
        terms=terms(price=5000),
    )
    order_accept(order=other, actor=addressed.turner_owner)
    second = accepted.documents.get(version=2)

    with pytest.raises(ValueError):
        render_order_document(second, previous=other.documents.get())
    with pytest.raises(ValueError):
        render_order_document(accepted.documents.get(version=1), previous=second)


def test_it_bundles_the_font_with_its_licence():
    directory = fonts_dir()
    font = directory / FONT_FILE
    licence = (directory / FONT_LICENSE_FILE).read_text(encoding="utf-8")

    assert font.read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType outlines (glyf), not CFF
    assert "IPA Font License Agreement v1.0" in licence
    assert "IPAフォントライセンスv1.0" in licence
    assert register_japanese_font() == register_japanese_font() == FONT_NAME


def test_it_keeps_the_order_accepted_through_a_change_of_terms(accepted, changed):
    assert refreshed_order(accepted).status == OrderStatus.ACCEPTED


TOLERANCE_SYMBOLS = "膜厚5µm ±0.01 ⌀40 ø12 φ8 Ra0.8 √ 30° ㎛"


def test_it_prints_tolerance_symbols_with_glyphs_the_embedded_font_has(addressed, turning_job):
    job, turn = turning_job
    order = order_request(
        job=job,
        actor=addressed.hub_owner,
        supplier=addressed.turner,
        steps=[turn],
        terms=terms(terms_note=TOLERANCE_SYMBOLS),
    )
    order = order_accept(order=order, actor=addressed.turner_owner)
    text = pdf_text(render_order_document(order.documents.get()))

    # The micro sign U+00B5 has no glyph in IPAexGothic; the Greek mu it prints as does.
    assert "膜厚5μm" in text and "\u00b5" not in text
    for symbol in ("±0.01", "∅40", "ø12", "φ8", "Ra0.8", "√", "30°"):
        assert symbol in text, symbol
    assert missing_glyphs(text) == set()


def test_it_knows_which_characters_the_font_lacks():
    assert missing_glyphs("5µm ⌀40") == {"\u00b5", "\u2300"}
    assert missing_glyphs(printable("5µm ⌀40 ㎛")) == set()
