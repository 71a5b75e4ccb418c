"""The open board's pages, API and socket: who sees a posting, offers, the award, the
comparison and the suggestions, with pinned query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from board import services as board_services
from board.models import Offer, OfferStatus, Posting, PostingStatus
from orders.models import ProgressEvent
from tests.conftest import client_for
from tests.orders.conftest import add, in_days, post_job


def answer_in(hours=48) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


@pytest.fixture
def posting(chain, board):
    return board_services.posting_create(
        job=board["job"],
        actor=chain.hub_owner,
        steps=[board["grind"]],
        districts=[board["ota"]],
        answer_by=answer_in(),
        description="外径研削、Ra0.4",
    )


def offer(chain, posting, shop="turner", price=30000):
    return board_services.offer_submit(
        posting=posting,
        workshop=getattr(chain, shop),
        actor=getattr(chain, f"{shop}_owner"),
        price=price,
        promised_date=in_days(12),
        valid_until=in_days(20),
    )


# --- posting -----------------------------------------------------------------------------------


def test_the_hub_posts_steps_from_the_form(chain, board):
    client = client_for(chain.hub_owner)
    url = f"/jobs/{board['job'].uuid}/post/"
    page = client.get(url, {"step": board["grind"].uuid})
    assert page.status_code == 200
    assert "研削" in page.content.decode()
    local = timezone.localtime(answer_in())
    response = client.post(
        url,
        {
            "steps": [board["grind"].uuid],
            "districts": ["ota"],
            "answer_by": local.strftime("%Y-%m-%dT%H:%M"),
            "due_date": in_days(20).isoformat(),
            "quantity": "100",
            "material": "SUS304",
            "size_mm": "120x40x30",
            "description": "外径研削",
            "share_drawings": "on",
        },
    )
    posting = Posting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/postings/{posting.uuid}/"
    assert posting.size_mm == ["120", "40", "30"]
    assert posting.invites.count() == 2


def test_a_bad_posting_shows_the_reason_and_keeps_what_was_typed(chain, board):
    client = client_for(chain.hub_owner)
    response = client.post(
        f"/jobs/{board['job'].uuid}/post/",
        {
            "steps": [board["grind"].uuid],
            "districts": ["ota"],
            "answer_by": "2001-01-01T10:00",
            "due_date": in_days(20).isoformat(),
            "quantity": "100",
            "size_mm": "9999999",
            "description": "残す文章",
        },
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "残す文章" in body
    assert "100,000 mm" in body or "100,000" in body
    # The past answer-by time is said in the same answer as the size, not on a second submit.
    assert "回答期限は現在より後にしてください。" in body
    assert set(response.context["form"].errors) == {"size_mm", "answer_by"}
    assert Posting.objects.count() == 0


def test_posting_refuses_the_wrong_method_and_non_hubs(chain, board):
    url = f"/jobs/{board['job'].uuid}/post/"
    assert client_for(chain.hub_owner).put(url).status_code == 405
    assert client_for(chain.turner_owner).get(url).status_code == 404
    assert client_for(chain.hub_floor).get(url).status_code == 404


# --- who sees a posting --------------------------------------------------------------------------


def test_an_incapable_shop_never_sees_the_posting_page_or_api(chain, board, posting):
    for user in (chain.plater_owner, chain.stranger_owner, chain.grinder_floor, chain.staff):
        client = client_for(user)
        assert client.get(f"/postings/{posting.uuid}/").status_code == 404
        assert client.get(f"/api/v1/postings/{posting.uuid}/").status_code == 404
        listed = client.get("/api/v1/postings/")
        assert listed.status_code == 200 and listed.json()["results"] == []
    board_page = client_for(chain.plater_owner).get("/board/")
    assert board_page.status_code == 200
    assert "外径研削" not in board_page.content.decode()
    assert str(posting.uuid) not in board_page.content.decode()


def test_an_invited_shop_sees_the_posting_but_not_the_other_invitees_or_the_customer(
    chain,
    board,
    posting,
):
    offer(chain, posting, "grinder", price=25000)
    page = client_for(chain.turner_owner).get(f"/postings/{posting.uuid}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "外径研削" in body
    assert chain.grinder.name not in body
    assert "25,000" not in body and "25000" not in body
    assert "秘密顧客" not in body
    api = client_for(chain.turner_owner).get(f"/api/v1/postings/{posting.uuid}/").json()
    assert api["is_buyer"] is False and api["my_offer"] is None
    assert "秘密顧客" not in str(api)
    offers = client_for(chain.turner_owner).get(f"/api/v1/postings/{posting.uuid}/offers/")
    assert offers.json() == []


# --- offers ---------------------------------------------------------------------------------


def test_an_invited_shop_offers_revises_and_withdraws_on_the_page(chain, board, posting):
    client = client_for(chain.turner_owner)
    url = f"/postings/{posting.uuid}/offer/"
    data = {
        "workshop": chain.turner.uuid,
        "price": "28,000",
        "promised_date": in_days(10).isoformat(),
        "valid_until": in_days(20).isoformat(),
        "note": "2台で対応",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "price": "27000"}).status_code == 302
    made = Offer.objects.get()
    assert made.price == 27000 and made.revision == 2
    page = client.get(f"/postings/{posting.uuid}/").content.decode()
    assert "27,000" in page
    assert client.post(f"/offers/{made.uuid}/withdraw/").status_code == 302
    assert Offer.objects.get().status == OfferStatus.WITHDRAWN


def test_a_bad_offer_shows_a_translated_message_and_writes_nothing(chain, board, posting):
    client = client_for(chain.turner_owner)
    before = ProgressEvent.objects.count()
    response = client.post(
        f"/postings/{posting.uuid}/offer/",
        {"price": "0", "valid_until": in_days(20).isoformat(), "note": "残る"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "残る" in body
    assert Offer.objects.count() == 0 and ProgressEvent.objects.count() == before
    api = client.post(
        f"/api/v1/postings/{posting.uuid}/offers/",
        {"price": "-1", "valid_until": in_days(20).isoformat()},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json()["code"] == "offer_terms"
    assert set(api.json()["fields"]) == {"price", "promised_date"}  # neither date nor lead time


def test_offers_after_the_answer_by_time_are_refused(chain, board, posting):
    Posting.objects.filter(pk=posting.pk).update(answer_by=timezone.now() - dt.timedelta(minutes=1))
    response = client_for(chain.turner_owner).post(
        f"/api/v1/postings/{posting.uuid}/offers/",
        {
            "price": "1000",
            "promised_date": in_days(5).isoformat(),
            "valid_until": in_days(5).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["fields"]) == ("too_late", {})
    assert Offer.objects.count() == 0


# --- comparison and award --------------------------------------------------------------------


def test_the_hub_compares_offers_side_by_side(chain, board, posting):
    offer(chain, posting, "turner", price=30000)
    offer(chain, posting, "grinder", price=25000)
    client = client_for(chain.hub_owner)
    page = client.get(f"/postings/{posting.uuid}/")
    body = page.content.decode()
    assert body.index(chain.grinder.name) < body.index(chain.turner.name)  # cheapest first
    assert "25,000" in body and "30,000" in body
    rows = client.get(f"/api/v1/postings/{posting.uuid}/offers/").json()
    assert [r["offer"]["price"] for r in rows] == [25000, 30000]
    assert all(r["distance_km"] is not None for r in rows)


def test_the_posting_page_queries_do_not_grow_with_the_offers(chain, board, posting, district):
    from tests.conftest import add_capability, make_user, make_workshop

    client = client_for(chain.hub_owner)
    url = f"/postings/{posting.uuid}/"
    offer(chain, posting, "turner")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    posting.status = PostingStatus.WITHDRAWN
    posting.save()
    for n in range(4):
        owner = make_user(f"g{n}")
        shop = make_workshop(f"研削{n}", owner=owner, lat=35.56, lng=139.72, districts=[district])
        add_capability(shop, "G", materials=["SUS304"], size=(500, 300, 300), tolerance=5)
    again = board_services.posting_create(
        job=board["job"],
        actor=chain.hub_owner,
        steps=[board["grind"]],
        districts=[district],
        answer_by=answer_in(),
    )
    for n in range(4):
        from workshops.models import Workshop

        shop = Workshop.objects.get(name=f"研削{n}")
        board_services.offer_submit(
            posting=again,
            workshop=shop,
            actor=shop.memberships.get().user,
            price=20000 + n,
            promised_date=in_days(9),
            valid_until=in_days(9),
        )
    url = f"/postings/{again.uuid}/"
    client.get(url)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    assert len(five) == len(one)


def test_the_hub_awards_on_the_page_and_the_order_is_requested(chain, board, posting):
    won = offer(chain, posting, "grinder", price=25000)
    offer(chain, posting, "turner", price=30000)
    client = client_for(chain.hub_owner)
    response = client.post(
        f"/postings/{posting.uuid}/award/",
        {
            "offer": won.uuid,
            "delivery_place": "本社",
            "payment_due_date": in_days(40).isoformat(),
            "payment_method": "bank_transfer",
        },
    )
    posting.refresh_from_db()
    assert posting.status == PostingStatus.AWARDED
    assert response.status_code == 302 and response["Location"] == f"/orders/{posting.order.uuid}/"
    assert posting.order.price == 25000
    # The other shop is told, politely.
    body = client_for(chain.turner_owner).get(f"/postings/{posting.uuid}/").content.decode()
    assert "another shop" in body or "他の" in body


def test_a_bad_award_keeps_the_form(chain, board, posting):
    won = offer(chain, posting, "grinder")
    response = client_for(chain.hub_owner).post(
        f"/postings/{posting.uuid}/award/",
        {
            "offer": won.uuid,
            "delivery_place": "本社 第二工場",
            "payment_due_date": in_days(300).isoformat(),
            "payment_method": "bank_transfer",
        },
    )
    assert response.status_code == 400
    assert "本社 第二工場" in response.content.decode()
    assert Posting.objects.get().status == PostingStatus.OPEN


def test_the_api_awards_and_withdrawal_after_award_is_refused(chain, board, posting):
    won = offer(chain, posting, "grinder")
    client = client_for(chain.hub_owner)
    response = client.post(
        f"/api/v1/postings/{posting.uuid}/award/",
        {
            "offer": str(won.uuid),
            "delivery_place": "本社",
            "payment_due_date": in_days(40).isoformat(),
            "payment_method": "bank_transfer",
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "awarded"
    late = client_for(chain.grinder_owner).post(f"/api/v1/offers/{won.uuid}/withdraw/")
    assert late.status_code == 400
    assert late.json()["code"] == "decided"


def test_the_board_lists_invitations_and_own_postings(chain, board, posting):
    body = client_for(chain.turner_owner).get("/board/").content.decode()
    assert board["job"].part_name in body and str(posting.uuid) in body
    hub = client_for(chain.hub_owner).get("/board/").content.decode()
    assert str(posting.uuid) in hub
    filtered = client_for(chain.turner_owner).get(
        "/board/", {"status": "awarded", "workshop": chain.turner.uuid}
    )
    assert str(posting.uuid) not in filtered.content.decode()
    api = client_for(chain.turner_owner).get("/api/v1/postings/", {"role": "invited"}).json()
    assert [p["id"] for p in api["results"]] == [str(posting.uuid)]
    assert (
        client_for(chain.turner_owner).get("/api/v1/postings/", {"role": "buyer"}).json()["results"]
        == []
    )


def test_the_board_queries_do_not_grow_with_the_postings(chain, board, posting):
    client = client_for(chain.turner_owner)
    client.get("/board/")
    with CaptureQueriesContext(connection) as one:
        client.get("/board/")
    job = post_job(chain, part_name="別件")
    for _ in range(3):
        step = add(job, chain, "G", 1)
        board_services.posting_create(
            job=job,
            actor=chain.hub_owner,
            steps=[step],
            districts=[board["ota"]],
            answer_by=answer_in(),
        )
    with CaptureQueriesContext(connection) as four:
        body = client.get("/board/").content.decode()
    assert body.count("別件") == 3
    assert len(four) == len(one)


# --- suggestions -------------------------------------------------------------------------------


def test_one_tap_asks_the_chosen_suggestions_for_offers(chain, board):
    client = client_for(chain.hub_owner)
    url = f"/jobs/{board['job'].uuid}/suggestions/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert chain.grinder.name in body and "km" in body
    local = timezone.localtime(answer_in())
    response = client.post(
        url,
        {
            f"step-{board['grind'].uuid}": [chain.grinder.uuid],
            "answer_by": local.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    posting = Posting.objects.get()
    assert list(posting.invites.values_list("workshop", flat=True)) == [chain.grinder.pk]
    api = client.get(f"/api/v1/jobs/{board['job'].uuid}/suggestions/").json()
    assert board["grind"].uuid.hex not in str(api).replace("-", "")  # posted: no longer unrouted
    assert client_for(chain.turner_owner).get(url).status_code == 404
    nothing = client.post(url, {"answer_by": local.strftime("%Y-%m-%dT%H:%M")})
    assert nothing.status_code == 400


# --- the socket --------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_incapable_shop_never_hears_of_the_posting_on_its_socket(chain, board):
    from tests.orders.test_consumers import QUIET, run, watch

    sockets = {
        name: await watch(f"/ws/workshops/{getattr(chain, name).uuid}/floor/", user)
        for name, user in (
            ("grinder", chain.grinder_owner),
            ("plater", chain.plater_owner),
            ("stranger", chain.stranger_owner),
        )
    }
    grinder_floor = await watch(f"/ws/workshops/{chain.grinder.uuid}/floor/", chain.grinder_floor)
    posting = await run(
        board_services.posting_create,
        job=board["job"],
        actor=chain.hub_owner,
        steps=[board["grind"]],
        districts=[board["ota"]],
        answer_by=answer_in(),
    )
    heard = await sockets["grinder"].receive_json_from(timeout=5)
    assert heard == {"type": "board.update", "posting": str(posting.uuid)}
    for name in ("plater", "stranger"):
        assert await sockets[name].receive_nothing(timeout=QUIET)
    assert await grinder_floor.receive_nothing(timeout=QUIET)
    for communicator in (*sockets.values(), grinder_floor):
        await communicator.disconnect()


def test_an_invited_shop_opens_the_shared_drawing_from_the_posting(chain, board, settings):
    from tests.drawings.conftest import add_drawing

    settings.DRAWINGS_PREVIEW_ISOLATED = False
    revision = add_drawing(chain, board["job"], "png", number="MR-G", steps=[board["grind"]])
    posting = board_services.posting_create(
        job=board["job"],
        actor=chain.hub_owner,
        steps=[board["grind"]],
        districts=[board["ota"]],
        answer_by=answer_in(),
    )
    client = client_for(chain.turner_owner)
    body = client.get(f"/postings/{posting.uuid}/").content.decode()
    link = f"/drawings/revisions/{revision.uuid}/"
    assert link in body and "MR-G" in body
    assert client.get(link).status_code == 200
    # Not shared: the same page shows no drawing.
    Posting.objects.filter(pk=posting.pk).update(share_drawings=False)
    assert link not in client.get(f"/postings/{posting.uuid}/").content.decode()


def test_the_postings_api_queries_do_not_grow_with_the_postings(chain, board, posting):
    client = client_for(chain.turner_owner)
    offer(chain, posting)
    client.get("/api/v1/postings/")
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/postings/").json()["results"]) == 1
    job = post_job(chain, part_name="別件")
    for _ in range(3):
        board_services.posting_create(
            job=job,
            actor=chain.hub_owner,
            steps=[add(job, chain, "G", 1)],
            districts=[board["ota"]],
            answer_by=answer_in(),
        )
    with CaptureQueriesContext(connection) as four:
        assert len(client.get("/api/v1/postings/").json()["results"]) == 4
    assert len(four) == len(one)


@pytest.mark.parametrize("count", [1, 4])
def test_the_board_reads_a_pinned_number_of_queries(
    chain, board, posting, django_assert_num_queries, count
):
    job = post_job(chain, part_name="別件")
    for _ in range(count - 1):
        board_services.posting_create(
            job=job,
            actor=chain.hub_owner,
            steps=[add(job, chain, "G", 1)],
            districts=[board["ota"]],
            answer_by=timezone.now() + dt.timedelta(days=2),
        )
    offer(chain, posting)
    client = client_for(chain.turner_owner)
    # session, user; the user's memberships; the postings the shop is invited to, with its own
    # offers on them; the shop's own postings; the processes of the filter form
    with django_assert_num_queries(7):
        assert client.get("/board/").status_code == 200


# --- the board page at first sight -------------------------------------------------------------


def award(chain, posting, won):
    return client_for(chain.hub_owner).post(
        f"/postings/{posting.uuid}/award/",
        {
            "offer": won.uuid,
            "delivery_place": "本社",
            "payment_due_date": in_days(40).isoformat(),
            "payment_method": "bank_transfer",
        },
    )


def test_it_shows_the_shops_lists_before_a_folded_filter_that_names_what_it_narrows_to(
    chain, board, posting
):
    client = client_for(chain.turner_owner)
    body = client.get("/board/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    folded = re.search(r'<details class="filters card board-filters" id="board-filters"\s*>', body)
    assert folded, "the filter is folded when nothing is wrong with it"
    assert '絞り込み: <span class="active-filters">すべて</span>' in body
    # The lists come right after the one-line filter, not after every checkbox of it.
    assert body.index('id="board-live"') > body.index("</details>")
    narrowed = client.get(
        "/board/",
        {"status": "open", "process": "G", "workshop": chain.turner.uuid},
        HTTP_ACCEPT_LANGUAGE="ja",
    ).content.decode()
    summary = re.search(r'<span class="active-filters">(.*?)</span>', narrowed).group(1)
    assert summary == "見積受付中・研削"
    assert str(posting.uuid) in narrowed


def test_it_shows_an_awarded_offer_with_one_chip(chain, board, posting):
    won = offer(chain, posting, "grinder", price=25000)
    assert award(chain, posting, won).status_code == 302
    body = client_for(chain.grinder_owner).get("/board/", HTTP_ACCEPT_LANGUAGE="ja")
    row = re.search(
        rf'<tr>\s*<td><a href="/postings/{posting.uuid}/.*?</tr>', body.content.decode(), re.S
    ).group(0)
    assert re.findall(r'<span class="chip[^"]*">([^<]*)</span>', row) == ["決定"]


def test_it_counts_the_offers_a_decided_posting_received(chain, board, posting):
    won = offer(chain, posting, "grinder", price=25000)
    offer(chain, posting, "turner", price=30000)
    assert award(chain, posting, won).status_code == 302
    body = client_for(chain.hub_owner).get("/board/").content.decode()
    row = re.search(rf'<tr>\s*<td><a href="/postings/{posting.uuid}/">.*?</tr>', body, re.S).group(
        0
    )
    invited, offers = re.findall(r"<td>(\d+)</td>", row)
    assert offers == "2"
    assert int(invited) == posting.invites.count()


def test_it_does_not_count_a_withdrawn_offer(chain, board, posting):
    offer(chain, posting, "grinder", price=25000)
    gone = offer(chain, posting, "turner", price=30000)
    board_services.offer_withdraw(offer=gone, actor=chain.turner_owner)
    body = client_for(chain.hub_owner).get("/board/").content.decode()
    row = re.search(rf'<tr>\s*<td><a href="/postings/{posting.uuid}/">.*?</tr>', body, re.S).group(
        0
    )
    assert re.findall(r"<td>(\d+)</td>", row)[1] == "1"


def test_the_job_page_links_its_posted_steps_to_their_postings(chain, board, posting):
    job = board["job"]
    link = f'href="/board/?workshop={chain.hub.uuid}&amp;job={job.uuid}"'
    body = client_for(chain.hub_owner).get(f"/jobs/{job.uuid}/").content.decode()
    assert body.count(link) == 2  # the header, and the posted step's card
    grind_card = re.search(rf'id="step-{board["grind"].uuid}".*?</section>', body, re.S).group(0)
    assert link in grind_card
    turn_card = re.search(rf'id="step-{board["turn"].uuid}".*?</section>', body, re.S).group(0)
    assert link not in turn_card
    listed = client_for(chain.hub_owner).get(f"/board/?workshop={chain.hub.uuid}&job={job.uuid}")
    assert str(posting.uuid) in listed.content.decode()
    other = post_job(chain, part_name="別件")
    assert link not in client_for(chain.hub_owner).get(f"/jobs/{other.uuid}/").content.decode()


def test_the_offer_form_says_every_problem_in_one_answer(chain, board, posting):
    """A price the service refuses, a validity date missing (the form's own rule) and a
    promised date in the past (the service's): all three in one answer."""
    client = client_for(chain.turner_owner)
    client.cookies["shopnet_language"] = "en"
    before = ProgressEvent.objects.count()
    response = client.post(
        f"/postings/{posting.uuid}/offer/",
        {
            "workshop": chain.turner.uuid,
            "price": "-5",
            "promised_date": in_days(-3).isoformat(),
            "valid_until": "",
        },
    )
    assert response.status_code == 400
    errors = response.context["offer_form"].errors
    assert set(errors) == {"price", "promised_date", "valid_until"}
    assert "more than 0 yen" in errors["price"][0]
    assert "past" in errors["promised_date"][0]
    assert Offer.objects.count() == 0 and ProgressEvent.objects.count() == before
