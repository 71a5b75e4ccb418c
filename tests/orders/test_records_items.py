"""Every 第7条 item (docs/TORITEKI.md, "第7条: the record the buyer keeps") on the records page
and in its CSV, for an order billed on a purchase statement and paid through it, and for an
order paid by itself."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from orders.records import COLUMNS
from orders.services.handoffs import handoff_inspect, handoff_return
from orders.services.payments import payment_confirm, payment_record, statement_payment_record
from orders.services.statements import statement_confirm, statement_issue
from tests.conftest import client_for
from tests.orders.conftest import refreshed
from tests.orders.statement_data import month_end_terms, on, receive, turned_order

# 第7条 item (as the project reads the rule) → the CSV column that keeps it.
ITEMS = {
    "製造委託等をした日": "ordered_on",
    "中小受託事業者の名称 (and the 委託事業者)": "supplier",
    "給付の内容": "content",
    "給付を受領する期日": "due_date",
    "給付を受領する場所": "delivery_place",
    "製造委託等代金の額": "total",
    "支払期日": "payment_due_date",
    "支払方法": "payment_method",
    "検査を完了する期日": "inspection_due_date",
    "明示と変更の内容・理由": "documents",
    "受領した給付の内容・受領日・検査の結果・検査を完了した日": "receipts",
    "検査に合格しなかった給付の取扱い (返品)": "returns",
    "支払った代金の額・支払日・支払手段 (order)": "payments",
    "代金を請求・支払う仕入明細書": "statements",
    "支払った代金の額・支払日・支払手段 (statement)": "statement_payments",
}


@pytest.fixture
def records(chain, monkeypatch):
    month_end_terms(chain)
    billed, turn = turned_order(
        chain,
        monkeypatch,
        today=dt.date(2027, 10, 25),
        pay=None,
        inspect_by=dt.date(2027, 11, 20),
    )
    lot = receive(chain, monkeypatch, turn, 10, dt.date(2027, 11, 2), inspect=False)
    handoff_inspect(
        handoff=lot,
        actor=chain.hub_owner,
        accepted=8,
        rejected=2,
        cause="dimension",
        reject_action="return",
    )
    handoff_return(handoff=refreshed(lot), actor=chain.hub_owner, quantity=2, cause="dimension")
    on(monkeypatch, dt.date(2027, 12, 1))
    statement = statement_issue(
        buyer=chain.hub, supplier=chain.turner, actor=chain.hub_owner, year=2027, month=11
    )
    statement_confirm(statement=statement, actor=chain.turner_owner)
    on(monkeypatch, dt.date(2027, 12, 20))
    payment = statement_payment_record(
        statement=statement,
        actor=chain.hub_owner,
        paid_on=dt.date(2027, 12, 20),
        amount=statement.total,
        means="bank_transfer",
    )
    payment_confirm(payment=payment, actor=chain.turner_owner)
    alone, alone_turn = turned_order(
        chain, monkeypatch, today=dt.date(2027, 12, 20), price=50000, part="カラー"
    )
    receive(chain, monkeypatch, alone_turn, 10, dt.date(2027, 12, 21))
    payment_record(
        order=alone,
        actor=chain.hub_owner,
        paid_on=dt.date(2027, 12, 21),
        amount=55000,
        means="cash",
    )
    return billed, alone, statement


def _rows(client, chain):
    response = client.get(f"/workshops/{chain.hub.uuid}/records.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    keys = [key for key, _heading in COLUMNS]
    assert len(header) == len(keys)
    return {row[1]: dict(zip(keys, row, strict=True)) for row in body}


@pytest.mark.parametrize("who", ["hub", "turner"])
def test_every_item_is_in_the_csv_and_on_the_page(chain, records, who, monkeypatch):
    billed, alone, statement = records
    statement = refreshed(statement)
    user, shop = (
        (chain.hub_owner, chain.hub) if who == "hub" else (chain.turner_owner, chain.turner)
    )
    client = client_for(user)
    response = client.get(f"/workshops/{shop.uuid}/records.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    keys = [key for key, _heading in COLUMNS]
    cells = {row[1]: dict(zip(keys, row, strict=True)) for row in rows[1:]}
    row = cells[str(billed.uuid)]
    assert set(ITEMS.values()) <= set(keys)
    for item, key in ITEMS.items():
        if key == "payments":
            continue  # paid through the statement: the order's own payments are empty
        assert row[key], f"第7条 {item} ({key}) is empty"
    assert row["ordered_on"] == billed.requested_at.astimezone().date().isoformat()
    assert "シャフト" in row["content"] and "10" in row["content"]
    assert row["inspection_due_date"] == "2027-11-20"
    assert row["receipts"].startswith("シャフト 2027-11-02 10/10 ○8 ×2 ")
    assert "シャフト" in row["returns"] and " 2 " in row["returns"]
    line = statement.lines.get()
    assert row["statements"] == (
        f"{statement.number} v1 {statement.get_status_display()} 2027-11-02 ×8 {line.amount}"
    )
    assert row["statement_payments"].startswith(f"{statement.number} 2027-12-20 {statement.total} ")
    assert row["statement_payments"].endswith(" 2027-12-20")  # confirmed that day
    other = cells[str(alone.uuid)]
    assert other["payments"].startswith("2027-12-21 55000 ")
    assert other["statements"] == "" and other["statement_payments"] == ""
    # The page shows the same cells.
    page = client.get(f"/workshops/{shop.uuid}/records/").content.decode()
    for key in ("statements", "statement_payments", "receipts", "returns"):
        assert row[key].split(";")[0].split(" ")[0] in page
    assert statement.number in page
