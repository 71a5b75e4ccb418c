"""Ratings pages: the form on a delivered order's page, the supplier's one reply, and a workshop's
ratings on its profile for the members of its district."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from orders.models import Order, ProgressEvent, Rating
from orders.ratings import LATEST_SHOWN, can_see_ratings
from tests.conftest import client_for, make_user
from tests.orders.rating_data import many_ratings, place_in_districts, snapshot
from tests.orders.test_ratings import delivered_order, rate
from workshops import services as workshop_services
from workshops.models import Role

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def order(chain):
    return delivered_order(chain)


@pytest.fixture
def neighbours(chain, district):
    return place_in_districts(chain, district)


# --- the order page: rating --------------------------------------------------------------------


def test_the_buyer_sees_the_rating_form_with_big_radio_buttons(chain, order):
    response = client_for(chain.hub_owner).get(f"/orders/{order.uuid}/")
    html = page(response)
    assert response.status_code == 200
    assert f'action="/orders/{order.uuid}/rating/"' in html
    for name in ("quality", "delivery", "cost"):
        for score in range(1, 6):
            assert f'type="radio" name="{name}" value="{score}"' in html
    assert "score-choices" in html
    assert "この発注を評価する" in html


def test_the_supplier_sees_no_rating_form(chain, order):
    html = page(client_for(chain.turner_owner).get(f"/orders/{order.uuid}/"))
    assert "/rating/" not in html


def test_an_order_not_yet_delivered_shows_no_form(chain, routed_job):
    _job, _steps, orders = routed_job
    html = page(client_for(chain.hub_owner).get(f"/orders/{orders['plating'].uuid}/"))
    assert "/rating/" not in html


def test_the_buyer_rates_and_both_parties_see_the_rating(chain, order):
    response = client_for(chain.hub_owner).post(
        f"/orders/{order.uuid}/rating/",
        {"quality": "5", "delivery": "4", "cost": "3", "comment": "仕上げがきれい"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.uuid}/"
    rating = Rating.objects.get(order=order)
    assert (rating.quality, rating.delivery, rating.cost, rating.comment) == (
        5,
        4,
        3,
        "仕上げがきれい",
    )
    assert rating.rated_by == chain.hub_owner
    assert ProgressEvent.objects.filter(kind="order.rated", order=order).count() == 1
    for user in (chain.hub_owner, chain.turner_owner):
        html = page(client_for(user).get(f"/orders/{order.uuid}/"))
        assert "仕上げがきれい" in html
        assert "丸山製作所" in html  # the buyer, named
        assert f'action="/orders/{order.uuid}/rating/"' not in html  # rated once


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quality": "9", "delivery": "4", "cost": "3"}, "1〜5 の点数を選んでください。"),
        ({"quality": "", "delivery": "4", "cost": "3"}, "1〜5 の点数を選んでください。"),
        ({"quality": "x", "delivery": "4", "cost": "0"}, "1〜5 の点数を選んでください。"),
        (
            {"quality": "5", "delivery": "4", "cost": "3", "comment": "長" * 1001},
            "1000",  # Django's own "at most 1000 characters", in Japanese
        ),
    ],
)
def test_bad_input_is_shown_with_what_was_typed_and_nothing_is_written(chain, order, data, message):
    before = snapshot()
    data = {"comment": "バリが残っていた", **data}
    response = client_for(chain.hub_owner).post(f"/orders/{order.uuid}/rating/", data)
    html = page(response)
    assert response.status_code == 400
    assert message in html
    assert data["comment"][:20] in html  # the comment is kept
    if data["delivery"] == "4":
        assert re.search(r'name="delivery" value="4"[^>]*checked', html)
    assert snapshot() == before


def test_a_second_rating_is_refused_with_a_message(chain, order):
    rate(chain, order)
    before = snapshot()
    response = client_for(chain.hub_owner).post(
        f"/orders/{order.uuid}/rating/", {"quality": "1", "delivery": "1", "cost": "1"}
    )
    assert response.status_code == 400
    assert "この発注はすでに評価済みです。" in page(response)
    assert snapshot() == before


def test_the_supplier_cannot_rate_its_own_order(chain, order):
    before = snapshot()
    response = client_for(chain.turner_owner).post(
        f"/orders/{order.uuid}/rating/", {"quality": "5", "delivery": "5", "cost": "5"}
    )
    assert response.status_code == 400
    assert "この操作は丸山製作所のオーナーまたは管理者だけが行えます。" in page(response)
    assert snapshot() == before


def test_an_undelivered_order_cannot_be_rated(chain, routed_job):
    _job, _steps, orders = routed_job
    before = snapshot()
    response = client_for(chain.hub_owner).post(
        f"/orders/{orders['plating'].uuid}/rating/", {"quality": "5", "delivery": "5", "cost": "5"}
    )
    assert response.status_code == 400
    assert "発注は、部品が納品・受領されてから評価できます。" in page(response)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["hub_floor", "turner_floor", "stranger_owner", "staff"])
def test_floor_staff_and_outsiders_get_404(chain, order, who):
    rate(chain, order)
    before = snapshot()
    client = client_for(getattr(chain, who))
    assert client.get(f"/orders/{order.uuid}/").status_code == 404
    data = {"quality": "5", "delivery": "5", "cost": "5", "reply": "x"}
    assert client.post(f"/orders/{order.uuid}/rating/", data).status_code == 404
    assert client.post(f"/orders/{order.uuid}/rating/reply/", data).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("suffix", ["rating/", "rating/reply/"])
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_wrong_methods_are_refused(chain, order, suffix, method):
    response = getattr(client_for(chain.hub_owner), method)(f"/orders/{order.uuid}/{suffix}")
    assert response.status_code == 405


def test_an_unknown_order_is_404(chain):
    client = client_for(chain.hub_owner)
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.post(f"/orders/{missing}/rating/", {"quality": "5"}).status_code == 404


# --- the order page: reply ---------------------------------------------------------------------


def test_the_supplier_replies_once(chain, order):
    rate(chain, order, comment="少し遅れた")
    client = client_for(chain.turner_owner)
    html = page(client.get(f"/orders/{order.uuid}/"))
    assert f'action="/orders/{order.uuid}/rating/reply/"' in html
    response = client.post(f"/orders/{order.uuid}/rating/reply/", {"reply": "次回は前倒しします"})
    assert response.status_code == 302
    rating = Rating.objects.get(order=order)
    assert (rating.reply, rating.replied_by) == ("次回は前倒しします", chain.turner_owner)
    assert ProgressEvent.objects.filter(kind="order.rating_replied").count() == 1
    for user in (chain.hub_owner, chain.turner_owner):
        html = page(client_for(user).get(f"/orders/{order.uuid}/"))
        assert "次回は前倒しします" in html
        assert "/rating/reply/" not in html
    before = snapshot()
    again = client.post(f"/orders/{order.uuid}/rating/reply/", {"reply": "もう一度"})
    assert again.status_code == 400
    assert "評価への返信は 1 回までです。" in page(again)
    assert snapshot() == before


def test_the_buyer_sees_no_reply_form_and_cannot_reply(chain, order):
    rate(chain, order)
    client = client_for(chain.hub_owner)
    assert "/rating/reply/" not in page(client.get(f"/orders/{order.uuid}/"))
    before = snapshot()
    response = client.post(f"/orders/{order.uuid}/rating/reply/", {"reply": "自作自演"})
    assert response.status_code == 400
    assert "この操作は田中旋盤のオーナーまたは管理者だけが行えます。" in page(response)
    assert snapshot() == before


def test_an_empty_reply_or_no_rating_is_refused_with_a_message(chain, order):
    client = client_for(chain.turner_owner)
    before = snapshot()
    response = client.post(f"/orders/{order.uuid}/rating/reply/", {"reply": "ありがとう"})
    assert response.status_code == 400
    assert "この発注はまだ評価されていません。" in page(response)
    rate(chain, order)
    before = snapshot()
    response = client.post(f"/orders/{order.uuid}/rating/reply/", {"reply": "  "})
    assert response.status_code == 400
    assert "返信を入力してください。" in page(response)
    assert snapshot() == before


# --- who may see a workshop's ratings ----------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("turner_owner", True),  # its own members
        ("turner_floor", True),
        ("hub_owner", True),  # a member of a workshop in the same district
        ("hub_floor", True),
        ("staff", True),  # that district's association staff
        ("stranger_owner", False),  # a workshop in another district
        ("grinder_owner", False),  # a workshop in no district
    ],
)
def test_ratings_are_for_the_district(chain, neighbours, who, sees):
    many_ratings(chain, 3)
    user = getattr(chain, who)
    assert can_see_ratings(user, chain.turner) is sees
    html = page(client_for(user).get(f"/workshops/{chain.turner.uuid}/"))
    assert ('id="ratings"' in html) is sees
    assert ("コメント0" in html) is sees
    status = client_for(user).get(f"/workshops/{chain.turner.uuid}/ratings/").status_code
    assert status == (200 if sees else 404)


def test_staff_of_another_district_and_users_of_no_workshop_do_not_see_them(chain, neighbours):
    many_ratings(chain, 3)
    kawasaki_staff = make_user("kawasaki-staff")
    neighbours.staff.create(user=kawasaki_staff)
    nobody = make_user("nobody")
    for user in (kawasaki_staff, nobody):
        assert not can_see_ratings(user, chain.turner)
        assert client_for(user).get(f"/workshops/{chain.turner.uuid}/ratings/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(chain, neighbours):
    response = client_for(None).get(f"/workshops/{chain.turner.uuid}/ratings/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_profile_shows_averages_from_three_ratings(chain, neighbours):
    many_ratings(chain, 2)
    html = page(client_for(chain.hub_owner).get(f"/workshops/{chain.turner.uuid}/"))
    assert "評価数がまだ足りません" in html
    assert "コメント1" in html  # the ratings themselves are listed
    many_ratings(chain, 1)
    html = page(client_for(chain.hub_owner).get(f"/workshops/{chain.turner.uuid}/"))
    assert "品質 4.0 · 納期 3.0 · コスト 5.0" in html


def test_the_profile_shows_the_on_time_rate_from_three_deliveries(chain, neighbours):
    orders = [delivered_order(chain) for _ in range(2)]
    html = page(client_for(chain.hub_owner).get(f"/workshops/{chain.turner.uuid}/"))
    assert "納品数がまだ足りません" in html
    orders.append(delivered_order(chain))
    Order.objects.filter(pk=orders[0].pk).update(due_date=timezone.localdate() - dt.timedelta(1))
    html = page(client_for(chain.hub_owner).get(f"/workshops/{chain.turner.uuid}/"))
    assert "67%" in html
    assert "納品 3 件中 2 件が納期内" in html


def test_the_reply_and_the_date_are_shown_in_the_users_language(chain, neighbours):
    (rating,) = many_ratings(chain, 1)
    Rating.objects.filter(pk=rating.pk).update(
        created_at=timezone.make_aware(dt.datetime(2026, 3, 5, 10)),
        reply="ありがとうございました",
        replied_at=timezone.make_aware(dt.datetime(2026, 3, 6, 10)),
    )
    client = client_for(chain.hub_owner)
    html = page(client.get(f"/workshops/{chain.turner.uuid}/"))
    assert "2026年3月5日" in html
    assert "ありがとうございました" in html
    client.cookies["shopnet_language"] = "en"
    html = page(client.get(f"/workshops/{chain.turner.uuid}/"))
    assert "5 Mar 2026" in html  # the one English format (shopnet/formats/en)
    assert "The workshop's reply, 6 Mar 2026" in html


def test_the_profile_lists_the_latest_ratings_and_links_to_the_rest(chain, neighbours):
    many_ratings(chain, LATEST_SHOWN + 1)
    html = page(client_for(chain.hub_owner).get(f"/workshops/{chain.turner.uuid}/"))
    assert html.count('class="rating"') == LATEST_SHOWN
    assert "コメント0" in html
    assert f"コメント{LATEST_SHOWN}<" not in html  # the oldest
    assert f'href="/workshops/{chain.turner.uuid}/ratings/"' in html
    full = page(client_for(chain.hub_owner).get(f"/workshops/{chain.turner.uuid}/ratings/"))
    assert full.count('class="rating"') == LATEST_SHOWN + 1


@pytest.mark.parametrize("count", [3, 30])
def test_the_profile_costs_the_same_whatever_the_number_of_ratings(
    chain, neighbours, django_assert_num_queries, count
):
    many_ratings(chain, count)
    client = client_for(chain.hub_owner)
    # session, user; the workshop; the profile (workshop, then capabilities with processes,
    # their materials, their machines, certifications, districts, machines); the viewer's
    # membership there; the viewer's own workshops (distance); may the viewer see ratings;
    # the rating summary; the delivery record; the latest ratings with their buyers;
    # the navigation's memberships (which also say the viewer may see contacts); the contacts
    with django_assert_num_queries(18):
        response = client.get(f"/workshops/{chain.turner.uuid}/")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 60])
def test_the_ratings_page_costs_the_same_whatever_the_number_of_ratings(
    chain, neighbours, django_assert_num_queries, count
):
    many_ratings(chain, count)
    client = client_for(chain.hub_owner)
    # session, user; the workshop; may the viewer see ratings; summary; delivery record;
    # COUNT of ratings; the page of ratings with their buyers; the navigation's memberships
    with django_assert_num_queries(9):
        response = client.get(f"/workshops/{chain.turner.uuid}/ratings/")
    assert response.status_code == 200


def test_the_ratings_page_refuses_a_wrong_method(chain, neighbours):
    response = client_for(chain.turner_owner).post(f"/workshops/{chain.turner.uuid}/ratings/")
    assert response.status_code == 405


def test_a_manager_rates_too(chain, order):
    manager = make_user("hub-manager")
    workshop_services.membership_add(
        workshop=chain.hub, user=manager, role=Role.MANAGER, actor=chain.hub_owner
    )
    response = client_for(manager).post(
        f"/orders/{order.uuid}/rating/", {"quality": "3", "delivery": "3", "cost": "3"}
    )
    assert response.status_code == 302
    assert Rating.objects.get(order=order).rated_by == manager
