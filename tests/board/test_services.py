"""The open board's services: posting to capable shops, offers, award, withdrawal, closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from board import services as board_services
from board.models import Offer, OfferStatus, Posting, PostingStatus
from core.services import Refused
from orders.models import Order, OrderStatus, ProgressEvent
from orders.services.routing import order_accept, order_request
from tests.conftest import add_capability, make_user
from tests.orders.conftest import add, in_days, refreshed, terms
from workshops.models import Certification, Role
from workshops.services import membership_add


def answer_in(hours: int = 48) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def post(chain, board, *, steps=None, **extra) -> Posting:
    values = {
        "job": board["job"],
        "actor": chain.hub_owner,
        "steps": steps or [board["grind"]],
        "districts": [board["ota"]],
        "answer_by": answer_in(),
    }
    values.update(extra)
    return board_services.posting_create(**values)


def offer(chain, posting, shop="turner", **extra) -> Offer:
    values = {
        "posting": posting,
        "workshop": getattr(chain, shop),
        "actor": getattr(chain, f"{shop}_owner"),
        "price": 30000,
        "promised_date": in_days(12),
        "valid_until": in_days(20),
        "note": "",
    }
    values.update(extra)
    return board_services.offer_submit(**values)


def kinds(job) -> list[str]:
    return list(
        ProgressEvent.objects.filter(job=job).order_by("seq").values_list("kind", flat=True)
    )


# --- Posting --------------------------------------------------------------------------------


def test_it_invites_exactly_the_capable_shops_of_the_chosen_districts(chain, board):
    posting = post(chain, board)
    invited = set(posting.invites.values_list("workshop__name", flat=True))
    # Grinding: the turner and the grinder list it; the plater does not; the hub is the buyer.
    assert invited == {chain.turner.name, chain.grinder.name}
    assert posting.status == PostingStatus.OPEN
    assert posting.quantity == 100
    assert posting.material == board["job"].material
    event = ProgressEvent.objects.get(job=board["job"], kind="posting.opened")
    assert event.data["invited"] == 2
    assert event.step_id is None and event.order_id is None  # the hub's log only


def test_it_keeps_shops_of_other_districts_out(chain, board):
    posting = post(chain, board, steps=[board["turn"]])
    invited = set(posting.invites.values_list("workshop", flat=True))
    assert chain.stranger.pk not in invited  # it turns, but it is in Kawasaki


def test_it_reaches_other_districts_when_chosen(chain, board):
    posting = post(chain, board, steps=[board["turn"]], districts=[board["kawasaki"]])
    assert set(posting.invites.values_list("workshop", flat=True)) == {chain.stranger.pk}


def test_it_asks_for_material_size_tolerance_lot_and_certifications(chain, board):
    # The grinder grinds only up to 100 pieces and holds ISO 9001; the turner neither limits
    # its lots nor holds a certificate.
    capability = chain.grinder.capabilities.get(process__code="G")
    capability.lot_max = 100
    capability.save()
    iso = Certification.objects.get(code="ISO9001")
    chain.grinder.certifications.add(iso)
    assert set(
        post(chain, board, certifications=[iso]).invites.values_list("workshop", flat=True)
    ) == {chain.grinder.pk}
    board_services.posting_withdraw(posting=Posting.objects.get(), actor=chain.hub_owner)
    assert set(post(chain, board, quantity=150).invites.values_list("workshop", flat=True)) == {
        chain.turner.pk
    }
    Posting.objects.all().update(status=PostingStatus.WITHDRAWN)
    # Both grind to 5 µm within 500×300×300: 2 µm or 600 mm finds nobody, and nothing is written.
    before = kinds(board["job"])
    for extra, condition in (
        ({"tolerance_um": 2}, "公差: 2 µm"),
        ({"size_mm": [600, 10, 10]}, "ワークサイズ: 600×10×10 mm"),
    ):
        with translation.override("ja"), pytest.raises(Refused) as refused:
            post(chain, board, **extra)
        assert refused.value.code == "nobody_capable"
        # The refusal names the condition that ruled every shop out.
        assert f"対象外になった条件: {condition}。" in refused.value.messages[0]
    assert kinds(board["job"]) == before


def test_it_refuses_bad_postings_and_writes_nothing(chain, board, district):
    job = board["job"]
    before = (kinds(job), Posting.objects.count())
    cases = [
        {"answer_by": timezone.now() - dt.timedelta(minutes=1)},
        {"answer_by": timezone.now() + dt.timedelta(days=60)},  # after the delivery date
        {"districts": []},
        {"due_date": in_days(-1)},
        {"steps": [board["turn"], add(job, chain, "PLT", 1)]},  # not consecutive
        {"actor": chain.turner_owner},
        {"actor": chain.hub_floor},
    ]
    for case in cases:
        with pytest.raises(Refused):
            post(chain, board, **case)
    assert Posting.objects.count() == before[1]
    assert [k for k in kinds(job) if k.startswith("posting")] == []


def test_a_posted_step_cannot_be_posted_twice_or_requested_directly(chain, board):
    post(chain, board)
    with pytest.raises(Refused):
        post(chain, board)
    with translation.override("en"), pytest.raises(Refused) as refused:
        order_request(
            job=board["job"],
            actor=chain.hub_owner,
            supplier=chain.grinder,
            steps=[board["grind"]],
            terms=terms(),
        )
    assert "open board" in str(refused.value)


def test_it_can_invite_only_chosen_capable_shops(chain, board):
    posting = post(chain, board, only_workshops=[chain.grinder])
    assert list(posting.invites.values_list("workshop", flat=True)) == [chain.grinder.pk]
    posting.status = PostingStatus.WITHDRAWN
    posting.save()
    with pytest.raises(Refused) as refused:
        post(chain, board, only_workshops=[chain.grinder, chain.plater])
    assert refused.value.code == "not_capable"


# --- Offers -----------------------------------------------------------------------------------


def test_an_invited_shop_offers_revises_and_withdraws(chain, board):
    posting = post(chain, board)
    first = offer(chain, posting, price="28,000", note="研削盤2台で対応")
    assert first.price == 28000 and first.revision == 1 and first.status == OfferStatus.ACTIVE
    revised = offer(chain, posting, price=26000, promised_date=None, lead_time_days=7)
    assert revised.pk == first.pk and revised.revision == 2 and revised.price == 26000
    assert revised.promised_date == in_days(7)
    withdrawn = board_services.offer_withdraw(offer=revised, actor=chain.turner_owner)
    assert withdrawn.status == OfferStatus.WITHDRAWN
    again = offer(chain, posting)
    assert again.status == OfferStatus.ACTIVE and again.revision == 3
    job_kinds = kinds(board["job"])
    assert job_kinds[-4:] == [
        "offer.submitted",
        "offer.revised",
        "offer.withdrawn",
        "offer.submitted",
    ]
    # Prices stay out of the log.
    for event in ProgressEvent.objects.filter(kind__startswith="offer."):
        assert "price" not in event.data
        assert "26000" not in str(event.data) and "28000" not in str(event.data)


@pytest.mark.parametrize(
    ("shop", "extra", "code"),
    [
        ("plater", {}, None),  # not invited
        ("stranger", {}, None),  # not invited either (another district)
        ("turner", {"price": 0}, "price"),
        ("turner", {"price": -5}, "price"),
        ("turner", {"price": "12.5"}, "price"),
        ("turner", {"price": "abc"}, "price"),
        ("turner", {"promised_date": None}, None),
        ("turner", {"promised_date": in_days(-1)}, None),
        ("turner", {"valid_until": in_days(-1)}, None),
        ("turner", {"valid_until": None}, None),
        ("turner", {"note": "x" * 1001}, None),
        ("turner", {"actor": "turner_floor"}, "not_allowed"),
    ],
)
def test_bad_offers_are_refused_and_write_nothing(chain, board, shop, extra, code):
    posting = post(chain, board)
    before = kinds(board["job"])
    if extra.get("actor") == "turner_floor":
        extra["actor"] = chain.turner_floor
    with pytest.raises(Refused) as refused:
        offer(chain, posting, shop=shop, **extra)
    if code:
        assert getattr(refused.value, "code", None) == code or code in getattr(
            refused.value, "error_dict", {}
        )
    assert Offer.objects.count() == 0
    assert kinds(board["job"]) == before


def test_no_offer_after_the_answer_by_time(chain, board):
    posting = post(chain, board)
    Posting.objects.filter(pk=posting.pk).update(answer_by=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(Refused) as refused:
        offer(chain, posting)
    assert refused.value.code == "too_late"
    assert Offer.objects.count() == 0


# --- Award ------------------------------------------------------------------------------------


def award_terms(**overrides):
    base = terms()
    base.update(overrides)
    return base


def test_award_requests_the_order_like_a_direct_request_and_tells_the_others(chain, board):
    posting = post(chain, board)
    won = offer(chain, posting, shop="grinder", price=25000, promised_date=in_days(9))
    lost = offer(chain, posting, shop="turner", price=27000)
    board_services.posting_award(
        posting=posting, offer=won, actor=chain.hub_owner, terms=award_terms(price=1, due_date=None)
    )
    posting = refreshed(posting)
    assert posting.status == PostingStatus.AWARDED and posting.awarded_offer_id == won.pk
    order = posting.order
    # The offer's price and date are the terms; the rest comes from the award form.
    assert (order.supplier, order.price, order.due_date) == (chain.grinder, 25000, in_days(9))
    assert order.status == OrderStatus.REQUESTED
    assert list(order.steps.all()) == [board["grind"]]
    assert refreshed(won).status == OfferStatus.AWARDED
    assert refreshed(lost).status == OfferStatus.NOT_SELECTED
    # The award is a request like any other: the order document goes with it.
    assert kinds(board["job"])[-3:] == ["order.requested", "document.issued", "posting.awarded"]
    document = order.documents.get()
    assert document.version == 1 and document.content["price"] == 25000
    # The same road as a direct request from here on: accept records the order acceptance.
    order_accept(order=order, actor=chain.grinder_owner)
    assert order.documents.count() == 1
    assert order.acceptances.get().document == document
    assert refreshed(board["job"]).joint_at is not None


def test_award_refusals_change_nothing(chain, board):
    posting = post(chain, board)
    mine = offer(chain, posting)
    before = kinds(board["job"])
    with pytest.raises(Refused):  # not the hub
        board_services.posting_award(
            posting=posting, offer=mine, actor=chain.turner_owner, terms=award_terms()
        )
    with pytest.raises(Refused):  # bad terms: payment beyond 60 days
        board_services.posting_award(
            posting=posting,
            offer=mine,
            actor=chain.hub_owner,
            terms=award_terms(payment_due_date=in_days(200)),
        )
    board_services.offer_withdraw(offer=mine, actor=chain.turner_owner)
    with pytest.raises(Refused):  # a withdrawn offer
        board_services.posting_award(
            posting=posting, offer=mine, actor=chain.hub_owner, terms=award_terms()
        )
    assert refreshed(posting).status == PostingStatus.OPEN
    assert Order.objects.filter(job=board["job"]).count() == 0
    assert kinds(board["job"]) == [*before, "offer.withdrawn"]


def test_no_withdrawal_after_award(chain, board):
    posting = post(chain, board)
    won = offer(chain, posting, shop="grinder")
    lost = offer(chain, posting)
    board_services.posting_award(
        posting=posting, offer=won, actor=chain.hub_owner, terms=award_terms()
    )
    for shop_offer, user in ((won, chain.grinder_owner), (lost, chain.turner_owner)):
        with pytest.raises(Refused) as refused:
            board_services.offer_withdraw(offer=shop_offer, actor=user)
        assert refused.value.code == "decided"
    with pytest.raises(Refused):
        offer(chain, posting)


def test_expired_offers_cannot_be_awarded(chain, board):
    posting = post(chain, board)
    stale = offer(chain, posting)
    Offer.objects.filter(pk=stale.pk).update(valid_until=in_days(-1))
    with pytest.raises(Refused) as refused:
        board_services.posting_award(
            posting=posting, offer=stale, actor=chain.hub_owner, terms=award_terms()
        )
    assert refused.value.code == "offer_expired"


# --- Withdrawal and closing ------------------------------------------------------------------


def test_the_hub_withdraws_a_posting_and_the_step_is_free_again(chain, board):
    posting = post(chain, board)
    active = offer(chain, posting)
    board_services.posting_withdraw(posting=posting, actor=chain.hub_owner)
    assert refreshed(posting).status == PostingStatus.WITHDRAWN
    assert refreshed(active).status == OfferStatus.CLOSED
    order = order_request(
        job=board["job"],
        actor=chain.hub_owner,
        supplier=chain.grinder,
        steps=[board["grind"]],
        terms=terms(),
    )
    assert order.status == OrderStatus.REQUESTED


def test_postings_past_their_answer_by_time_close_by_themselves(chain, board):
    expired = post(chain, board)
    live = post(chain, board, steps=[board["turn"]])
    active = offer(chain, expired)
    Posting.objects.filter(pk=expired.pk).update(answer_by=timezone.now() - dt.timedelta(minutes=1))
    assert board_services.postings_close_expired() == 1
    assert refreshed(expired).status == PostingStatus.CLOSED
    assert refreshed(active).status == OfferStatus.CLOSED
    assert refreshed(live).status == PostingStatus.OPEN
    closed = ProgressEvent.objects.get(kind="posting.closed")
    assert closed.actor is None
    assert board_services.postings_close_expired() == 0  # idempotent


def test_the_close_postings_command(chain, board):
    from io import StringIO

    from django.core.management import call_command

    expired = post(chain, board)
    Posting.objects.filter(pk=expired.pk).update(answer_by=timezone.now() - dt.timedelta(hours=1))
    out = StringIO()
    call_command("close_postings", stdout=out)
    assert refreshed(expired).status == PostingStatus.CLOSED
    assert "1" in out.getvalue()


def test_a_manager_of_another_role_in_the_hub_may_post(chain, board):
    manager = make_user("hub-manager")
    membership_add(workshop=chain.hub, user=manager, role=Role.MANAGER, actor=chain.hub_owner)
    assert post(chain, board, actor=manager).posted_by == manager


def test_capabilities_added_later_do_not_widen_a_posting(chain, board):
    posting = post(chain, board)
    add_capability(
        chain.plater, "G", materials=["SUS304", "S45C"], size=(500, 300, 300), tolerance=5
    )
    assert not posting.invites.filter(workshop=chain.plater).exists()
    with pytest.raises(Refused):
        offer(chain, posting, shop="plater")


@pytest.mark.parametrize(
    ("typed", "price"), [("２８，０００", 28000), ("28,000円", 28000), ("￥２８０００", 28000)]
)
def test_it_reads_an_offer_price_as_typed_in_japanese(chain, board, typed, price):
    posting = post(chain, board)
    assert offer(chain, posting, shop="grinder", price=typed).price == price


@pytest.mark.parametrize("typed", ["2,80,00", "28.000,5", "たくさん"])
def test_it_refuses_an_offer_price_it_cannot_read(chain, board, typed):
    posting = post(chain, board)
    with pytest.raises(Refused) as refused:
        offer(chain, posting, shop="grinder", price=typed)
    assert "price" in refused.value.message_dict
    assert not Offer.objects.exists()
