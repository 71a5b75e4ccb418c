"""Ratings over the JSON API: rate and reply (the same services, refusals as 400 with the
translated message), and a workshop's ratings for the members of its district."""

from __future__ import annotations

import pytest

from orders.models import Rating
from tests.conftest import client_for
from tests.orders.rating_data import many_ratings, place_in_districts, snapshot
from tests.orders.test_ratings import delivered_order, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(chain):
    return delivered_order(chain)


@pytest.fixture
def neighbours(chain, district):
    return place_in_districts(chain, district)


def post(user, url, data, *, language="ja"):
    client = client_for(user)
    client.cookies["shopnet_language"] = language
    return client.post(url, data, content_type="application/json")


def test_the_buyer_rates_through_the_api(chain, order):
    response = post(
        chain.hub_owner,
        f"/api/v1/orders/{order.uuid}/rating/",
        {"quality": 5, "delivery": 4, "cost": 3, "comment": "良い"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["quality"], body["delivery"], body["cost"], body["comment"]) == (5, 4, 3, "良い")
    assert body["buyer"] == {
        "id": str(chain.hub.uuid),
        "name": "丸山製作所",
        "display_name": "丸山製作所",
    }
    assert body["reply"] == "" and body["replied_at"] is None
    assert Rating.objects.get(order=order).rated_by == chain.hub_owner


SCORE = "1〜5 の点数を選んでください。"


@pytest.mark.parametrize(
    ("data", "code", "fields"),
    [
        ({"quality": 6, "delivery": 4, "cost": 3}, "max_value", {"quality": [SCORE]}),
        ({"quality": "a", "delivery": 4, "cost": 3}, "invalid", {"quality": [SCORE]}),
        ({"delivery": 4, "cost": 3}, "required", {"quality": [SCORE]}),
        (
            {"quality": 1, "delivery": 0, "cost": None},
            "invalid",
            {"delivery": [SCORE], "cost": [SCORE]},
        ),
    ],
)
def test_bad_scores_are_400_and_nothing_is_written(chain, order, data, code, fields):
    before = snapshot()
    response = post(chain.hub_owner, f"/api/v1/orders/{order.uuid}/rating/", data)
    assert response.status_code == 400
    assert response.json() == {"detail": SCORE, "code": code, "fields": fields}
    assert snapshot() == before


def test_refusals_carry_the_services_message_in_the_callers_language(chain, order):
    rate(chain, order)
    before = snapshot()
    url = f"/api/v1/orders/{order.uuid}/rating/"
    data = {"quality": 1, "delivery": 1, "cost": 1}
    response = post(chain.hub_owner, url, data)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "この発注はすでに評価済みです。",
        "code": "already_rated",
        "fields": {},
    }
    response = post(chain.hub_owner, url, data, language="en")
    assert response.json() == {
        "detail": "This order has already been rated.",
        "code": "already_rated",
        "fields": {},
    }
    assert snapshot() == before


def test_the_supplier_is_refused_as_a_rater(chain, order):
    before = snapshot()
    response = post(
        chain.turner_owner,
        f"/api/v1/orders/{order.uuid}/rating/",
        {"quality": 5, "delivery": 5, "cost": 5},
        language="en",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Only an owner or manager of 丸山製作所 may do this.",
        "code": "not_allowed",
        "fields": {},
    }
    assert snapshot() == before


@pytest.mark.parametrize("who", ["hub_floor", "stranger_owner", "staff"])
def test_those_who_may_not_see_the_order_get_404(chain, order, who):
    before = snapshot()
    user = getattr(chain, who)
    data = {"quality": 5, "delivery": 5, "cost": 5, "reply": "x"}
    assert post(user, f"/api/v1/orders/{order.uuid}/rating/", data).status_code == 404
    assert post(user, f"/api/v1/orders/{order.uuid}/rating/reply/", data).status_code == 404
    assert snapshot() == before


def test_signed_out_callers_are_refused(chain, order):
    response = post(None, f"/api/v1/orders/{order.uuid}/rating/", {"quality": 5})
    assert response.status_code in (401, 403)


def test_the_supplier_replies_once_through_the_api(chain, order):
    url = f"/api/v1/orders/{order.uuid}/rating/reply/"
    response = post(chain.turner_owner, url, {"reply": "ありがとうございます"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "この発注はまだ評価されていません。",
        "code": "not_rated",
        "fields": {},
    }
    rate(chain, order)
    response = post(chain.turner_owner, url, {"reply": ""})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "返信を入力してください。",
        "code": "blank",
        "fields": {"reply": ["返信を入力してください。"]},
    }
    response = post(chain.turner_owner, url, {"reply": "ありがとうございます"})
    assert response.status_code == 200
    assert response.json()["reply"] == "ありがとうございます"
    before = snapshot()
    response = post(chain.turner_owner, url, {"reply": "もう一度"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "評価への返信は 1 回までです。",
        "code": "already_replied",
        "fields": {},
    }
    response = post(chain.hub_owner, url, {"reply": "自作自演"})
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("suffix", ["rating/", "rating/reply/"])
def test_the_write_endpoints_take_only_post(chain, order, suffix):
    response = client_for(chain.hub_owner).get(f"/api/v1/orders/{order.uuid}/{suffix}")
    assert response.status_code == 405


# --- a workshop's ratings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("turner_owner", 200),
        ("turner_floor", 200),
        ("hub_owner", 200),
        ("staff", 200),
        ("stranger_owner", 404),
        ("grinder_owner", 404),
    ],
)
def test_a_workshops_ratings_are_for_its_district(chain, neighbours, who, status):
    many_ratings(chain, 2)
    response = client_for(getattr(chain, who)).get(
        f"/api/v1/workshops/{chain.turner.uuid}/ratings/"
    )
    assert response.status_code == status


def test_the_ratings_endpoint_gives_the_summary_the_record_and_a_page(chain, neighbours):
    many_ratings(chain, 55)
    delivered_order(chain)
    client = client_for(chain.hub_owner)
    body = client.get(f"/api/v1/workshops/{chain.turner.uuid}/ratings/").json()
    assert body["summary"] == {
        "count": 55,
        "shown": True,
        "quality": "4.00",
        "delivery": "3.00",
        "cost": "5.00",
        "overall": "4.00",
    }
    assert body["delivery"] == {"delivered": 56, "on_time": 56, "percent": 100}
    assert body["count"] == 55
    assert len(body["results"]) == 50
    assert body["results"][0]["comment"] == "コメント0"  # newest first
    assert body["results"][0]["buyer"]["name"] == "丸山製作所"
    assert body["previous"] is None
    second = client.get(body["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None


def test_fewer_than_three_ratings_give_no_averages(chain, neighbours):
    many_ratings(chain, 2)
    body = client_for(chain.hub_owner).get(f"/api/v1/workshops/{chain.turner.uuid}/ratings/")
    summary = body.json()["summary"]
    assert summary["count"] == 2
    assert summary["shown"] is False
    assert summary["quality"] is None and summary["overall"] is None


@pytest.mark.parametrize("count", [3, 40])
def test_the_ratings_endpoint_costs_the_same_whatever_the_number(
    chain,
    neighbours,
    django_assert_num_queries,
    count,
):
    many_ratings(chain, count)
    client = client_for(chain.hub_owner)
    # session, user; the workshop; may the caller see ratings; summary; delivery record;
    # COUNT of ratings; the page of ratings with their buyers
    with django_assert_num_queries(8):
        response = client.get(f"/api/v1/workshops/{chain.turner.uuid}/ratings/")
    assert response.status_code == 200


def test_an_unknown_workshop_is_404(chain):
    missing = "00000000-0000-0000-0000-000000000000"
    response = client_for(chain.hub_owner).get(f"/api/v1/workshops/{missing}/ratings/")
    assert response.status_code == 404
