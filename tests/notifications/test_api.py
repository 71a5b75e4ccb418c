from __future__ import annotations

import pytest
from django.utils import translation

from tests.conftest import client_for

from .factories import notify

pytestmark = pytest.mark.django_db


def test_it_lists_my_notifications_newest_first_with_the_unread_count(
    owner, outsider, django_assert_num_queries
):
    (old,) = notify(owner, 1, read=True, kind="offer.won")
    old.created_at = old.created_at.replace(year=2025)
    old.save(update_fields=["created_at"])
    mine = notify(owner, 3)
    notify(outsider, 2)
    client = client_for(owner)
    # session, user, the unread count, the page's count, the page (with the actors)
    with django_assert_num_queries(5):
        response = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert body["unread"] == 3
    ids = [row["id"] for row in body["results"]]
    assert ids == [*(str(n.uuid) for n in reversed(mine)), str(old.uuid)]
    first = body["results"][0]
    assert first["kind"] == "request.received"
    assert first["read"] is False
    assert first["link"] == "/jobs/"
    assert first["job"] == "シャフト 2"
    with translation.override("ja"):
        assert "丸山製作所" in first["title"]


def test_the_query_count_does_not_grow_with_the_page(owner, django_assert_num_queries):
    notify(owner, 30)
    client = client_for(owner)
    with django_assert_num_queries(5):
        assert client.get("/api/v1/notifications/").status_code == 200


def test_it_marks_some_or_all_read_and_ignores_someone_elses(owner, outsider):
    a, _, _ = notify(owner, 3)
    (theirs,) = notify(outsider, 1)
    client = client_for(owner)
    response = client.post(
        "/api/v1/notifications/read/",
        {"ids": [str(a.uuid), str(theirs.uuid)]},
        content_type="application/json",
    )
    assert response.json() == {"marked": 1, "unread": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(
        "/api/v1/notifications/read/", {"all": True}, content_type="application/json"
    )
    assert response.json() == {"marked": 2, "unread": 0}


def test_marking_needs_ids_or_all(owner):
    response = client_for(owner).post(
        "/api/v1/notifications/read/", {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "`ids` か `all: true` を指定してください。",
        "code": "nothing_chosen",
        "fields": {},
    }


def test_an_outsider_sees_none_of_mine_and_anonymous_nothing(owner, outsider):
    notify(owner, 2)
    assert client_for(outsider).get("/api/v1/notifications/").json()["count"] == 0
    assert client_for(None).get("/api/v1/notifications/").status_code in (401, 403)
    assert client_for(None).post("/api/v1/notifications/read/", {"all": True}).status_code in (
        401,
        403,
    )


def test_the_wrong_method_is_refused(owner):
    assert client_for(owner).post("/api/v1/notifications/").status_code == 405
    assert client_for(owner).get("/api/v1/notifications/read/").status_code == 405


def test_both_endpoints_are_in_the_schema(owner):
    schema = client_for(owner).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/notifications/" in schema["paths"]
    assert "/api/v1/notifications/read/" in schema["paths"]
    listing = schema["paths"]["/api/v1/notifications/"]["get"]["responses"]["200"]
    assert listing["content"]["application/json"]["schema"]["$ref"].endswith(
        "PaginatedNotificationList"
    )
    paged = schema["components"]["schemas"]["PaginatedNotificationList"]
    assert "unread" in paged["properties"]
