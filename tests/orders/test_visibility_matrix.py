"""Every orders page and API endpoint, walked as every kind of user.

Who: the hub's owner, the supplier's owner, the sub-supplier's owner, the sub-supplier's floor
staff, the district association's staff, and an outsider (owner of an unrelated shop).
Each URL has an expected outcome per role: "ok" (any non-404 answer the role is allowed),
or 404. A URL added to the project without an entry here fails `test_every_url_is_in_the_matrix`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import client_for
from tests.orders.conftest import Chain

ROLES = ("hub", "supplier", "sub_supplier", "floor", "staff", "outsider")
OK, NOT_FOUND = "ok", 404


def user_for(chain: Chain, role: str):
    return {
        "hub": chain.hub_owner,
        "supplier": chain.turner_owner,
        "sub_supplier": chain.grinder_owner,
        "floor": chain.grinder_floor,
        "staff": chain.staff,
        "outsider": chain.stranger_owner,
    }[role]


@dataclass
class Case:
    method: str
    url: Callable[[dict], str]
    expect: dict[str, object]
    data: dict | None = None


def everyone(**overrides) -> dict[str, object]:
    expect = {"hub": OK, "supplier": OK, "sub_supplier": OK, "floor": OK}
    expect.update({"staff": NOT_FOUND, "outsider": NOT_FOUND})
    expect.update(overrides)
    return expect


def only(*roles: str) -> dict[str, object]:
    return {role: (OK if role in roles else NOT_FOUND) for role in ROLES}


def signed_in() -> dict[str, object]:
    """Lists: everyone signed in gets a page (empty for those party to nothing)."""
    return {role: OK for role in ROLES}


# url name → case. `o` is a dict of the objects of the routed job (see `objects` below).
MATRIX: dict[str, Case] = {
    # --- pages ------------------------------------------------------------------------------
    "job_list": Case("get", lambda o: "/jobs/", signed_in()),
    "job_new": Case("get", lambda o: f"/workshops/{o['hub'].uuid}/jobs/new/", only("hub")),
    "job_detail": Case("get", lambda o: f"/jobs/{o['job'].uuid}/", everyone()),
    # The floor station of the grinding shop: its own people only.
    "floor": Case(
        "get", lambda o: f"/floor/?workshop={o['grinder'].uuid}", only("sub_supplier", "floor")
    ),
    # A traveler's QR code: the step's card, or the job page for others who may see the step.
    "floor_step": Case("get", lambda o: f"/floor/steps/{o['G'].uuid}/", everyone()),
    "job_traveler": Case("get", lambda o: f"/jobs/{o['job'].uuid}/traveler.pdf", everyone()),
    "job_edit": Case("get", lambda o: f"/jobs/{o['job'].uuid}/edit/", only("hub")),
    "job_copy": Case("get", lambda o: f"/jobs/{o['job'].uuid}/copy/", only("hub")),
    "job_cancel": Case("get", lambda o: f"/jobs/{o['job'].uuid}/cancel/", only("hub")),
    "job_close": Case("get", lambda o: f"/jobs/{o['job'].uuid}/close/", only("hub")),
    "step_new": Case("get", lambda o: f"/jobs/{o['job'].uuid}/steps/new/", only("hub")),
    "step_edit": Case(
        "get", lambda o: f"/jobs/{o['job'].uuid}/steps/{o['ASM'].uuid}/edit/", only("hub")
    ),
    "step_remove": Case(
        "post", lambda o: f"/jobs/{o['job'].uuid}/steps/{o['ASM'].uuid}/remove/", only("hub")
    ),
    # The grinding step: the sub-supplier performs it; its supplier and the hub see it.
    "step_action": Case(
        "post",
        lambda o: f"/jobs/{o['job'].uuid}/steps/{o['G'].uuid}/start/",
        everyone(),
        {"idempotency_key": "matrix"},
    ),
    "step_ship": Case(
        "post",
        lambda o: f"/jobs/{o['job'].uuid}/steps/{o['G'].uuid}/ship/",
        everyone(),
        {"quantity": 1},
    ),
    "handoff_receive": Case(
        "post", lambda o: f"/handoffs/{o['handoff'].uuid}/receive/", everyone(), {"quantity": 1}
    ),
    # Inspecting, returning and reworking a hand-off: its page access is the hand-off's (the
    # services then refuse whoever may not act, without a 404).
    "handoff_inspect": Case(
        "post", lambda o: f"/handoffs/{o['handoff'].uuid}/inspect/", everyone(), {"accepted": 1}
    ),
    "handoff_return": Case(
        "post",
        lambda o: f"/handoffs/{o['handoff'].uuid}/return/",
        everyone(),
        {"quantity": 1, "cause": "other"},
    ),
    "handoff_rework": Case(
        "post", lambda o: f"/handoffs/{o['handoff'].uuid}/rework/", everyone(), {"action": "rework"}
    ),
    "order_supply": Case(
        "post",
        lambda o: f"/orders/{o['sub'].uuid}/supply/",
        only("supplier", "sub_supplier", "hub"),
        {"quantity": 1},
    ),
    # A job's parts and what an assembly joins: the hub's managers alone; a supplier (who sees
    # its steps' parts on the job page) gets a 404 like an outsider.
    "part_new": Case("get", lambda o: f"/jobs/{o['job'].uuid}/parts/new/", only("hub")),
    "part_edit": Case(
        "get", lambda o: f"/jobs/{o['job'].uuid}/parts/{o['part'].uuid}/edit/", only("hub")
    ),
    "part_remove": Case(
        "post", lambda o: f"/jobs/{o['job'].uuid}/parts/{o['part'].uuid}/remove/", only("hub")
    ),
    "step_inputs": Case(
        "get", lambda o: f"/jobs/{o['job'].uuid}/steps/{o['ASM'].uuid}/inputs/", only("hub")
    ),
    "order_new": Case("get", lambda o: f"/jobs/{o['job'].uuid}/route/", only("hub")),
    "order_list": Case("get", lambda o: "/orders/", signed_in()),
    # The sub-order (turner → grinder): its two parties; the hub sees it on the job page but
    # its page carries the price, so it is not the hub's to open. Floor staff: no prices.
    "order_detail": Case(
        "get", lambda o: f"/orders/{o['sub'].uuid}/", only("supplier", "sub_supplier", "hub")
    ),
    "order_accept": Case(
        "post",
        lambda o: f"/orders/{o['sub'].uuid}/accept/",
        only("supplier", "sub_supplier", "hub"),
    ),
    # A counter-offer: only the order's supplier proposes (here the sub-order's: the grinder);
    # only its buyer answers one, and with none open there is nothing to answer (404 for all;
    # tests/orders/test_counter_offers.py walks the answers with one open).
    "order_counter": Case(
        "post", lambda o: f"/orders/{o['sub'].uuid}/counter/", only("sub_supplier")
    ),
    "counter_accept": Case("post", lambda o: f"/orders/{o['sub'].uuid}/counter/accept/", only()),
    "counter_decline": Case("post", lambda o: f"/orders/{o['sub'].uuid}/counter/decline/", only()),
    "order_decline": Case(
        "post",
        lambda o: f"/orders/{o['sub'].uuid}/decline/",
        only("supplier", "sub_supplier", "hub"),
    ),
    "order_withdraw": Case(
        "post",
        lambda o: f"/orders/{o['sub'].uuid}/withdraw/",
        only("supplier", "sub_supplier", "hub"),
    ),
    "order_change_terms": Case(
        "post", lambda o: f"/orders/{o['sub'].uuid}/terms/", only("supplier"), {"reason": ""}
    ),
    # Payments: the sub-order's buyer (the turner) records, its supplier confirms; never the
    # hub above them, floor staff or the association.
    "payment_add": Case(
        "post", lambda o: f"/orders/{o['sub'].uuid}/payments/", only("supplier"), {}
    ),
    "payment_confirm": Case(
        "post", lambda o: f"/payments/{o['payment'].uuid}/confirm/", only("sub_supplier")
    ),
    # The 第7条 record of a shop: its owners and managers only (floor staff neither).
    # A shipment's delivery note (納品書): the shops that shipped and received it (floor staff
    # included, without prices) and the parties of its order.
    "delivery_note_pdf": Case(
        "get", lambda o: f"/handoffs/{o['handoff'].uuid}/delivery-note.pdf", everyone()
    ),
    # Purchase statements (仕入明細書): the turner (buyer) and the grinder (supplier), their
    # owners and managers only: never the hub, floor staff or the association.
    "statement_list": Case(
        "get", lambda o: f"/workshops/{o['grinder'].uuid}/statements/", only("sub_supplier")
    ),
    "statement_new": Case(
        "get", lambda o: f"/workshops/{o['grinder'].uuid}/statements/new/", only("sub_supplier")
    ),
    "statement_detail": Case(
        "get",
        lambda o: f"/statements/{o['statement'].uuid}/",
        only("supplier", "sub_supplier"),
    ),
    "statement_pdf": Case(
        "get",
        lambda o: f"/statements/{o['statement'].uuid}/statement.pdf",
        only("supplier", "sub_supplier"),
    ),
    "statement_action": Case(
        "post",
        lambda o: f"/statements/{o['statement'].uuid}/dispute/",
        only("supplier", "sub_supplier"),
        {"reason": "数量違い"},
    ),
    "statement_payment_add": Case(
        "post", lambda o: f"/statements/{o['statement'].uuid}/payments/", only("supplier"), {}
    ),
    "workshop_records": Case(
        "get", lambda o: f"/workshops/{o['grinder'].uuid}/records/", only("sub_supplier")
    ),
    "workshop_records_csv": Case(
        "get", lambda o: f"/workshops/{o['grinder'].uuid}/records.csv", only("sub_supplier")
    ),
    "order_document_pdf": Case(
        "get",
        lambda o: f"/orders/{o['sub'].uuid}/documents/1.pdf",
        only("supplier", "sub_supplier"),
    ),
    # The sub-supplier's 注文請書 to the supplier: those two only (the hub is a third party).
    "order_acceptance_pdf": Case(
        "get",
        lambda o: f"/orders/{o['sub'].uuid}/acceptance.pdf",
        only("supplier", "sub_supplier"),
    ),
    # Ratings: the order's parties reach the forms (a refusal is a 400 with a message, not a
    # 404). The plater is in no district and none of these users belongs to it: its ratings are
    # nobody's here (who does see them: tests/orders/test_rating_views.py).
    "order_rate": Case(
        "post",
        lambda o: f"/orders/{o['sub'].uuid}/rating/",
        only("supplier", "sub_supplier", "hub"),
    ),
    "order_rating_reply": Case(
        "post",
        lambda o: f"/orders/{o['sub'].uuid}/rating/reply/",
        only("supplier", "sub_supplier", "hub"),
    ),
    "workshop_ratings": Case("get", lambda o: f"/workshops/{o['plater'].uuid}/ratings/", only()),
    # Asking a shop for work, from its public profile: any user who manages another shop.
    "workshop_request": Case(
        "get",
        lambda o: f"/workshops/{o['plater'].uuid}/request/",
        only("hub", "supplier", "sub_supplier", "outsider"),
    ),
    # A shop's load is for its owners and managers.
    "workshop_load": Case(
        "get", lambda o: f"/workshops/{o['grinder'].uuid}/load/", only("sub_supplier")
    ),
    # A trading pair's payment terms: the buyer's and the supplier's owners and managers (here
    # the turner passes grinding on to the grinder).
    "trading_terms": Case(
        "get",
        lambda o: f"/trading/{o['L'].workshop.uuid}/{o['grinder'].uuid}/terms/",
        only("supplier", "sub_supplier"),
    ),
    # The route form's payment date prefill: whoever may route the job's steps.
    "payment_due_prefill": Case(
        "get", lambda o: f"/jobs/{o['job'].uuid}/route/payment-due/", only("hub")
    ),
    # --- API --------------------------------------------------------------------------------
    "api_jobs": Case("get", lambda o: "/api/v1/jobs/", signed_in()),
    "api_job_detail": Case("get", lambda o: f"/api/v1/jobs/{o['job'].uuid}/", everyone()),
    "api_job_steps": Case("get", lambda o: f"/api/v1/jobs/{o['job'].uuid}/steps/", everyone()),
    "api_job_events": Case(
        "get", lambda o: f"/api/v1/jobs/{o['job'].uuid}/events?after=0", everyone()
    ),
    # Parties may see the job, so the service answers them (a refusal); outsiders get a 404.
    "api_job_cancel": Case(
        "post", lambda o: f"/api/v1/jobs/{o['job'].uuid}/cancel/", everyone(), {}
    ),
    "api_job_close": Case("post", lambda o: f"/api/v1/jobs/{o['job'].uuid}/close/", everyone(), {}),
    "api_step_start": Case("post", lambda o: f"/api/v1/steps/{o['G'].uuid}/start/", everyone(), {}),
    "api_step_done": Case(
        "post", lambda o: f"/api/v1/steps/{o['G'].uuid}/done/", everyone(), {"good": 1, "scrap": 0}
    ),
    "api_step_hold": Case(
        "post", lambda o: f"/api/v1/steps/{o['G'].uuid}/hold/", everyone(), {"reason": "machine"}
    ),
    "api_step_resume": Case(
        "post", lambda o: f"/api/v1/steps/{o['G'].uuid}/resume/", everyone(), {}
    ),
    "api_step_cancel": Case(
        "post", lambda o: f"/api/v1/steps/{o['G'].uuid}/cancel/", everyone(), {}
    ),
    "api_step_ship": Case(
        "post", lambda o: f"/api/v1/steps/{o['G'].uuid}/ship/", everyone(), {"quantity": 1}
    ),
    "api_handoff_receive": Case(
        "post",
        lambda o: f"/api/v1/handoffs/{o['handoff'].uuid}/receive/",
        everyone(),
        {"quantity": 1},
    ),
    # Shaping a job and the hand-offs after shipping: every party that sees the object gets
    # an answer (the services refuse all but the hub, or the buyer, with a 400); outsiders 404.
    "api_job_parts": Case(
        "post", lambda o: f"/api/v1/jobs/{o['job'].uuid}/parts/", everyone(), {"name": "x"}
    ),
    "api_job_orders": Case("post", lambda o: f"/api/v1/jobs/{o['job'].uuid}/orders/", everyone()),
    # A shop outside shopnet is asked by the hub's managers alone (docs/OUTSIDE_SHOPS.md).
    "api_job_outside_orders": Case(
        "post", lambda o: f"/api/v1/jobs/{o['job'].uuid}/outside-orders/", only("hub")
    ),
    "api_part": Case(
        "patch", lambda o: f"/api/v1/parts/{o['part'].uuid}/", everyone(), {"revision": "B"}
    ),
    "api_step": Case(
        "patch", lambda o: f"/api/v1/steps/{o['G'].uuid}/", everyone(), {"title": "t"}
    ),
    "api_step_links": Case(
        "post",
        lambda o: f"/api/v1/steps/{o['G'].uuid}/links/",
        everyone(),
        {"predecessor": "00000000-0000-0000-0000-000000000000"},
    ),
    "api_step_link": Case(
        "delete", lambda o: f"/api/v1/steps/{o['G'].uuid}/links/{o['L'].uuid}/", everyone()
    ),
    "api_step_inputs": Case(
        "put", lambda o: f"/api/v1/steps/{o['G'].uuid}/inputs/", everyone(), {"inputs": []}
    ),
    "api_handoff_inspect": Case(
        "post",
        lambda o: f"/api/v1/handoffs/{o['handoff'].uuid}/inspect/",
        everyone(),
        {"accepted": 1},
    ),
    "api_handoff_return": Case(
        "post",
        lambda o: f"/api/v1/handoffs/{o['handoff'].uuid}/return/",
        everyone(),
        {"quantity": 1, "cause": "other"},
    ),
    "api_handoff_rework": Case(
        "post",
        lambda o: f"/api/v1/handoffs/{o['handoff'].uuid}/rework/",
        everyone(),
        {"action": "rework"},
    ),
    "api_order_supply": Case(
        "post",
        lambda o: f"/api/v1/orders/{o['sub'].uuid}/supply/",
        only("supplier", "sub_supplier", "hub"),
        {"quantity": 1},
    ),
    "api_orders": Case("get", lambda o: "/api/v1/orders/", signed_in()),
    "api_order_detail": Case(
        "get", lambda o: f"/api/v1/orders/{o['sub'].uuid}/", only("supplier", "sub_supplier", "hub")
    ),
    "api_order_documents": Case(
        "get",
        lambda o: f"/api/v1/orders/{o['sub'].uuid}/documents/",
        only("supplier", "sub_supplier", "hub"),
    ),
    "api_order_accept": Case(
        "post",
        lambda o: f"/api/v1/orders/{o['sub'].uuid}/accept/",
        only("supplier", "sub_supplier", "hub"),
        {},
    ),
    "api_order_decline": Case(
        "post",
        lambda o: f"/api/v1/orders/{o['sub'].uuid}/decline/",
        only("supplier", "sub_supplier", "hub"),
        {"reason": "x"},
    ),
    # --- the open board -------------------------------------------------------------------
    # Every shop's managers have a board (empty for those invited to nothing); floor staff not.
    "board": Case(
        "get",
        lambda o: "/board/",
        {**signed_in(), "floor": NOT_FOUND, "staff": NOT_FOUND},
    ),
    "posting_new": Case("get", lambda o: f"/jobs/{o['job'].uuid}/post/", only("hub")),
    "job_suggestions": Case("get", lambda o: f"/jobs/{o['job'].uuid}/suggestions/", only("hub")),
    # The posting went to the turner alone: the grinder and the stranger never see it.
    "posting_detail": Case(
        "get", lambda o: f"/postings/{o['posting'].uuid}/", only("hub", "supplier")
    ),
    "posting_offer": Case(
        "post", lambda o: f"/postings/{o['posting'].uuid}/offer/", only("supplier")
    ),
    "posting_award": Case("post", lambda o: f"/postings/{o['posting'].uuid}/award/", only("hub")),
    "posting_withdraw": Case(
        "post", lambda o: f"/postings/{o['posting'].uuid}/withdraw/", only("hub")
    ),
    "offer_withdraw": Case(
        "post", lambda o: f"/offers/{o['offer'].uuid}/withdraw/", only("supplier")
    ),
    "api_postings": Case("get", lambda o: "/api/v1/postings/", signed_in()),
    "api_posting_detail": Case(
        "get", lambda o: f"/api/v1/postings/{o['posting'].uuid}/", only("hub", "supplier")
    ),
    "api_posting_offers": Case(
        "get", lambda o: f"/api/v1/postings/{o['posting'].uuid}/offers/", only("hub", "supplier")
    ),
    "api_posting_award": Case(
        "post", lambda o: f"/api/v1/postings/{o['posting'].uuid}/award/", only("hub"), {}
    ),
    "api_posting_withdraw": Case(
        "post", lambda o: f"/api/v1/postings/{o['posting'].uuid}/withdraw/", only("hub"), {}
    ),
    "api_offer_withdraw": Case(
        "post", lambda o: f"/api/v1/offers/{o['offer'].uuid}/withdraw/", only("supplier"), {}
    ),
    "api_job_suggestions": Case(
        "get", lambda o: f"/api/v1/jobs/{o['job'].uuid}/suggestions/", only("hub")
    ),
    "api_order_withdraw": Case(
        "post",
        lambda o: f"/api/v1/orders/{o['sub'].uuid}/withdraw/",
        only("supplier", "sub_supplier", "hub"),
        {},
    ),
    "api_order_rate": Case(
        "post",
        lambda o: f"/api/v1/orders/{o['sub'].uuid}/rating/",
        only("supplier", "sub_supplier", "hub"),
        {"quality": 5, "delivery": 5, "cost": 5},
    ),
    "api_order_rating_reply": Case(
        "post",
        lambda o: f"/api/v1/orders/{o['sub'].uuid}/rating/reply/",
        only("supplier", "sub_supplier", "hub"),
        {"reply": "x"},
    ),
    "api_workshop_ratings": Case(
        "get", lambda o: f"/api/v1/workshops/{o['plater'].uuid}/ratings/", only()
    ),
    "api_workshop_load": Case(
        "get", lambda o: f"/api/v1/workshops/{o['grinder'].uuid}/load/", only("sub_supplier")
    ),
}


def _names(patterns, prefix: str = "") -> dict[str, str]:
    found = {}
    for p in patterns:
        if isinstance(p, URLResolver):
            found.update(_names(p.url_patterns, prefix + str(p.pattern)))
        elif isinstance(p, URLPattern) and p.name:
            found[p.name] = prefix + str(p.pattern)
    return found


def project_urls() -> dict[str, str]:
    """The URL names that belong in the matrix: every orders and open board page and every
    orders and open board API route."""
    import board.urls
    import orders.urls

    names = {**_names(orders.urls.urlpatterns), **_names(board.urls.urlpatterns)}
    api = {
        name: route
        for name, route in _names(get_resolver().url_patterns).items()
        if route.startswith("api/v1/")
        and any(
            part in route
            for part in ("jobs", "parts", "steps", "orders", "handoffs", "postings", "offers")
        )
    }
    return {**names, **api}


def test_every_url_is_in_the_matrix():
    missing = sorted(set(project_urls()) - set(MATRIX))
    assert missing == [], f"add these URLs to the visibility matrix: {missing}"


@pytest.fixture
def objects(chain, routed_job):
    from board import services as board_services
    from orders.services.handoffs import handoff_ship
    from orders.services.progress import step_done, step_start

    job, steps, orders = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100, scrap=0)
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=100)
    # The open board: the hub posts a milling step to the district; only the turner mills,
    # and offers.
    import datetime as dt

    from django.utils import timezone

    from tests.orders.conftest import add, in_days
    from workshops.models import District

    # A district of the turner's alone, so that no two shops of the chain share one (that
    # would open their ratings to each other).
    district = District.objects.create(slug="board", name_ja="受発注", name_en="Board")
    chain.turner.districts.add(district)
    mill = add(job, chain, "M", 2, title="追加工")
    posting = board_services.posting_create(
        job=job,
        actor=chain.hub_owner,
        steps=[mill],
        districts=[district],
        answer_by=timezone.now() + dt.timedelta(days=2),
    )
    offer = board_services.offer_submit(
        posting=posting,
        workshop=chain.turner,
        actor=chain.turner_owner,
        price=9000,
        promised_date=in_days(5),
        valid_until=in_days(5),
    )
    from orders.services.payments import payment_record

    payment = payment_record(
        order=orders["sub"],
        actor=chain.turner_owner,
        paid_on=timezone.localdate(),
        amount=1000,
        means="bank_transfer",
    )
    from orders.models import PurchaseStatement

    statement = PurchaseStatement.objects.create(
        number="PS-202701-001",
        buyer=chain.turner,
        supplier=chain.grinder,
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 1, 31),
        due_date=dt.date(2027, 2, 28),
        amount=0,
        tax=0,
        total=0,
    )
    return {
        "statement": statement,
        "payment": payment,
        "posting": posting,
        "offer": offer,
        "job": job,
        "hub": chain.hub,
        "grinder": chain.grinder,
        "plater": chain.plater,
        "handoff": handoff,
        "part": steps["G"].part,
        **steps,
        **orders,
    }


CASES = [(name, role) for name in MATRIX for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_visibility(chain, objects, name, role):
    case = MATRIX[name]
    client = client_for(user_for(chain, role))
    url = case.url(objects)
    if case.method == "get":
        response = client.get(url)
    elif url.startswith("/api/"):
        send = getattr(client, case.method)
        response = send(url, case.data or {}, content_type="application/json")
    else:
        response = client.post(url, case.data or {})
    expected = case.expect[role]
    if expected == NOT_FOUND:
        assert response.status_code == 404, f"{role} must not reach {url}"
    else:
        assert response.status_code != 404, f"{role} should reach {url}"
        assert response.status_code < 500


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["staff", "outsider"])
def test_outsiders_change_nothing(chain, objects, role):
    """Walking every write as an outsider leaves the event log exactly as it was."""
    job = objects["job"]
    before = list(job.events.values_list("seq", flat=True))
    client = client_for(user_for(chain, role))
    for case in MATRIX.values():
        if case.method != "get":
            url = case.url(objects)
            if url.startswith("/api/"):
                send = getattr(client, case.method)
                send(url, case.data or {}, content_type="application/json")
            else:
                client.post(url, case.data or {})
    assert list(job.events.values_list("seq", flat=True)) == before
