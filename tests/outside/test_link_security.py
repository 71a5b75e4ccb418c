"""The link's visibility matrix: every link route with a valid, expired, revoked, altered
and other-order link. Only the valid link works; every other answer is the ordinary 404 and
writes nothing."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest
from django.test import Client
from django.utils import timezone

from drawings.models import DrawingAccessLog
from orders.models import CounterOffer, HandOff, Order, ProgressEvent, Step
from orders.services import progress, routing
from outside import services
from outside.models import CapabilityLink, LinkUse
from tests.orders.conftest import in_days
from workshops.models import User

from .conftest import phone

pytestmark = pytest.mark.django_db


def _accept(fx):
    routing.order_accept(order=fx.order, actor=fx.shop.link_user)


def _start(fx):
    _accept(fx)
    progress.step_start(step=Step.objects.get(pk=fx.turn.pk), actor=fx.shop.link_user)


def _finish(fx):
    _start(fx)
    progress.step_done(step=Step.objects.get(pk=fx.turn.pk), actor=fx.shop.link_user, good=100)


# route → (method, path after /l/<token>/, form data, what to do first, status when valid)
ROUTES = {
    "page": ("get", lambda fx: "", lambda fx: {}, None, 200),
    "accept": ("post", lambda fx: f"{fx.order.uuid}/accept/", lambda fx: {}, None, 302),
    "decline": (
        "post",
        lambda fx: f"{fx.order.uuid}/decline/",
        lambda fx: {"code": "fully_booked", "reason": ""},
        None,
        302,
    ),
    "counter": (
        "post",
        lambda fx: f"{fx.order.uuid}/counter/",
        lambda fx: {"counter-price": "150000", "counter-due_date": in_days(14).isoformat()},
        None,
        302,
    ),
    "start": (
        "post",
        lambda fx: f"{fx.order.uuid}/steps/{fx.turn.uuid}/start/",
        lambda fx: {},
        _accept,
        302,
    ),
    "done": (
        "post",
        lambda fx: f"{fx.order.uuid}/steps/{fx.turn.uuid}/done/",
        lambda fx: {f"done-{fx.turn.uuid}-good": "98", f"done-{fx.turn.uuid}-scrap": "2"},
        _start,
        302,
    ),
    "ship": (
        "post",
        lambda fx: f"{fx.order.uuid}/steps/{fx.turn.uuid}/ship/",
        lambda fx: {f"ship-{fx.turn.uuid}-quantity": "40"},
        _finish,
        302,
    ),
    "drawing": (
        "get",
        lambda fx: f"{fx.order.uuid}/drawings/{fx.revision.uuid}/1/",
        lambda fx: {},
        None,
        200,
    ),
    "document": (
        "get",
        lambda fx: f"{fx.order.uuid}/documents/1.pdf",
        lambda fx: {},
        None,
        200,
    ),
    "join": (
        "post",
        lambda fx: f"{fx.order.uuid}/join/",
        lambda fx: {
            "name": "大森 一郎",
            "email": "ichiro@omori.example.jp",
            "password": "kensaku-2026-ok",
            "password_again": "kensaku-2026-ok",
        },
        None,
        302,
    ),
}


def altered(token: str) -> str:
    """The token with one character changed."""
    swap = "A" if token[5] != "A" else "B"
    return token[:5] + swap + token[6:]


def written() -> tuple:
    """Everything a link route could write."""
    return (
        ProgressEvent.objects.count(),
        LinkUse.objects.count(),
        HandOff.objects.count(),
        CounterOffer.objects.count(),
        DrawingAccessLog.objects.count(),
        User.objects.count(),
        sorted(Order.objects.values_list("pk", "status")),
        sorted(Step.objects.values_list("pk", "status", "good_qty")),
        sorted(CapabilityLink.objects.values_list("pk", "revoked_at", "last_used_at")),
    )


def call(fx, route: str, token: str):
    method, path, data, _prepare, _status = ROUTES[route]
    client = phone()
    return getattr(client, method)(f"/l/{token}/{path(fx)}", data(fx))


@pytest.mark.parametrize("route", ROUTES)
def test_a_valid_link_works_on_every_route(outside, route):
    fx = outside
    prepare, status = ROUTES[route][3], ROUTES[route][4]
    if prepare:
        prepare(fx)
    before = LinkUse.objects.count()
    response = call(fx, route, fx.token)
    assert response.status_code == status, response.content[:500]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    assert LinkUse.objects.count() == before + 1
    use = LinkUse.objects.order_by("-pk").first()
    assert use.link_id == fx.link.pk and use.ok and use.ip == "203.0.113.7"


def _expire(fx):
    CapabilityLink.objects.filter(pk=fx.link.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )


def _revoke(fx):
    services.link_revoke(link=fx.link, actor=fx.link.created_by)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("variant", ["expired", "revoked", "altered", "other-order"])
def test_any_other_link_is_a_404_that_writes_nothing(outside, route, variant):
    fx = outside
    prepare = ROUTES[route][3]
    if prepare:
        prepare(fx)
    token = fx.token
    if variant == "expired":
        _expire(fx)
    elif variant == "revoked":
        _revoke(fx)
    elif variant == "altered":
        token = altered(fx.token)
    else:
        token = fx.other_token
    before = written()
    response = call(fx, route, token)
    if route == "page" and variant == "other-order":
        # The page names no order: the other link opens its own order, nothing of this one.
        assert response.status_code == 200
        assert "シャフト" not in response.content.decode()
        assert "フランジ" in response.content.decode()
        return
    assert response.status_code == 404
    assert page_of(response) == page_of(phone_from("192.0.2.9").get("/no-such-page/"))
    assert written() == before


def test_a_link_of_a_shop_that_joined_is_a_404(outside):
    fx = outside
    services.outside_join(
        link=fx.link, email="ichiro@omori.example.jp", password="kensaku-2026-ok", name="大森"
    )
    assert phone().get(f"/l/{fx.token}/").status_code == 404


@pytest.mark.parametrize("token", ["", "x", "a" * 43 + "=", "../../admin", "a" * 500])
def test_malformed_tokens_are_404(outside, token):
    response = phone().get(f"/l/{token}/")
    assert response.status_code == 404


def test_the_page_says_noindex_in_its_head(outside):
    body = phone().get(f"/l/{outside.token}/").content.decode()
    assert '<meta name="robots" content="noindex,nofollow">' in body


def test_after_the_limit_a_link_answers_429(outside, settings):
    settings.OUTSIDE_LINK_RATE_PER_LINK = 3
    client = phone()
    answers = [client.get(f"/l/{outside.token}/").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    assert LinkUse.objects.filter(link=outside.link).count() == 3


def test_guessing_from_one_address_is_stopped_with_429(outside, settings):
    settings.OUTSIDE_LINK_RATE_PER_ADDRESS = 4
    client = phone()
    answers = [client.get(f"/l/{altered(outside.token)}/").status_code for _ in range(4)]
    assert answers == [404] * 4
    # The next request from that address is refused whatever it carries, a valid link too.
    response = client.get(f"/l/{outside.token}/")
    assert response.status_code == 429
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Another address is not held up.
    assert phone_from("198.51.100.2").get(f"/l/{outside.token}/").status_code == 200


def phone_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def page_of(response) -> str:
    """The page without its per-visitor CSRF token and language-switch target."""
    body = response.content.decode()
    body = re.sub(r'value="[A-Za-z0-9]{32,}"', "", body)
    body = re.sub(r'"X-CSRFToken": "[A-Za-z0-9]+"', "", body)
    return re.sub(r'name="next" value="[^"]*"', "", body)


def test_a_write_route_refuses_get_without_writing(outside):
    before = written()
    response = phone().get(f"/l/{outside.token}/{outside.order.uuid}/accept/")
    assert response.status_code == 405
    assert written()[:1] == before[:1]
    assert Order.objects.get(pk=outside.order.pk).status == "requested"


def test_a_step_of_another_order_is_a_404_even_with_this_links_order(outside):
    fx = outside
    _accept(fx)
    before = written()
    response = phone().post(f"/l/{fx.token}/{fx.order.uuid}/steps/{fx.other_step.uuid}/start/")
    assert response.status_code == 404
    # The hub's own grinding step of the same job is not the link's either.
    response = phone().post(f"/l/{fx.token}/{fx.order.uuid}/steps/{fx.grind.uuid}/start/")
    assert response.status_code == 404
    assert written() == before


def test_a_cross_site_post_is_refused_and_writes_nothing(outside):
    before = written()
    response = phone().post(
        f"/l/{outside.token}/{outside.order.uuid}/accept/", HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert response.status_code == 403
    assert written() == before
    # The shop's own page posting to itself (same-origin) is answered.
    response = phone().post(
        f"/l/{outside.token}/{outside.order.uuid}/accept/", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert response.status_code == 302


def test_the_link_page_takes_a_fixed_number_of_queries(outside, django_assert_num_queries):
    client = phone()
    client.get(f"/l/{outside.token}/")
    # 1 the link (with its order, job, buyer, shop and link user), 2 its last use, 3 the use
    # logged; 4 the order's steps, 5 their hand-offs; the drawings as the order's supplier
    # sees them: 6 the link user's roles, 7 the job's orders, 8 their steps, 9 the steps'
    # shops, 10 the live orders, 11 their drawing policies, 12 their chosen drawings, 13 the
    # orders' steps, 14 the drawings' steps, 15 open postings, 16 the shared current
    # revisions; 17 the order's items, 18 an open counter-offer, 19 the order's documents.
    with django_assert_num_queries(19):
        assert client.get(f"/l/{outside.token}/").status_code == 200


def test_the_link_hands_the_shop_its_order_document(outside):
    """The 第4条 明示 is owed to the outside shop too: its link lists and serves the 発注書
    issued with the request, and no version that does not exist."""
    client = phone()
    page = client.get(f"/l/{outside.token}/").content.decode()
    assert f"/l/{outside.token}/{outside.order.uuid}/documents/1.pdf" in page
    response = client.get(f"/l/{outside.token}/{outside.order.uuid}/documents/1.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "製造委託等をした日" in text
    assert outside.order.buyer.name in text
    missing = client.get(f"/l/{outside.token}/{outside.order.uuid}/documents/2.pdf")
    assert missing.status_code == 404
