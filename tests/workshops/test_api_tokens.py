"""Workshop API tokens: the page (make, shown once, revoke; managers only), the scopes, and
revocation on HTTP. The socket side is in tests/orders/test_consumers_tokens.py."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.conftest import client_for
from workshops import services, tokens
from workshops.models import ApiToken, AuditEvent, Role

pytestmark = pytest.mark.django_db


def api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def make(workshop, user, *scopes, name="生産管理"):
    return services.api_token_create(workshop=workshop, actor=user, name=name, scopes=scopes)


def url(workshop) -> str:
    return f"/workshops/{workshop.uuid}/tokens/"


# --- the page ----------------------------------------------------------------------------------


def test_it_makes_a_token_and_shows_the_key_once(owner, workshop):
    client = client_for(owner)
    response = client.post(url(workshop), {"name": "生産管理システム", "scopes": ["read", "write"]})
    assert response.status_code == 200
    key = re.search(r'value="(shn_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.name, token.scopes, token.workshop, token.created_by) == (
        "生産管理システム",
        ["read", "write"],
        workshop,
        owner,
    )
    # Only the digest is kept, and the page never shows the key again.
    assert token.digest == tokens.digest_of(key) and key not in str(token.__dict__)
    assert key not in client.get(url(workshop)).content.decode()
    assert AuditEvent.objects.filter(workshop=workshop, action="api_token.created").count() == 1
    assert api(key).get("/api/v1/processes/").status_code == 200


def test_it_shows_every_problem_of_the_form_at_once(owner, workshop):
    response = client_for(owner).post(url(workshop), {"name": "", "scopes": []})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scopes"}
    assert not ApiToken.objects.exists()


def test_a_manager_may_use_the_page_but_floor_staff_and_outsiders_get_404(
    manager, floor, outsider, workshop
):
    assert client_for(manager).get(url(workshop)).status_code == 200
    for user in (floor, outsider):
        assert client_for(user).get(url(workshop)).status_code == 404
        assert (
            client_for(user).post(url(workshop), {"name": "x", "scopes": ["read"]}).status_code
            == 404
        )
    assert not ApiToken.objects.exists()


def test_an_outsider_cannot_revoke_another_shops_token(
    owner, outsider, workshop, outsider_workshop
):
    token, _ = make(workshop, owner, "read")
    # Through the outsider's own shop, and through the token's shop.
    for shop in (outsider_workshop, workshop):
        response = client_for(outsider).post(f"/workshops/{shop.uuid}/tokens/{token.uuid}/revoke/")
        assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def page_queries(client, workshop) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(workshop)).status_code == 200
    return len(captured)


def test_the_page_lists_tokens_in_a_fixed_number_of_queries(owner, workshop):
    # session, user, the manage check, the tokens with their makers and revokers (one join),
    # and the base template's own: the same whatever the number of tokens.
    client = client_for(owner)
    revoked, _ = make(workshop, owner, "read", name="t0")
    services.api_token_revoke(token=revoked, actor=owner)
    one = page_queries(client, workshop)
    for i in range(1, 6):
        make(workshop, owner, "read", name=f"t{i}")
    assert page_queries(client, workshop) == one


def test_the_revoke_button_revokes_and_the_key_stops_working_at_once(owner, manager, workshop):
    token, key = make(workshop, owner, "read")
    assert api(key).get("/api/v1/processes/").status_code == 200
    response = client_for(manager).post(f"{url(workshop)}{token.uuid}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == manager
    answer = api(key).get("/api/v1/processes/")
    assert answer.status_code in (401, 403) and answer.json()["code"] == "authentication_failed"
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=manager).count() == 1


def test_revoke_wants_post(owner, workshop):
    token, _ = make(workshop, owner, "read")
    assert client_for(owner).get(f"{url(workshop)}{token.uuid}/revoke/").status_code == 405


# --- scopes ------------------------------------------------------------------------------------


def test_a_read_token_cannot_write(owner, workshop):
    _, key = make(workshop, owner, "read")
    assert api(key).get("/api/v1/notifications/").status_code == 200
    response = api(key).post(
        "/api/v1/notifications/read/", {"all": True}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "token_scope"


def test_a_write_token_reads_and_writes(owner, workshop):
    _, key = make(workshop, owner, "write")
    assert api(key).get("/api/v1/notifications/").status_code == 200
    response = api(key).post(
        "/api/v1/notifications/read/", {"all": True}, content_type="application/json"
    )
    assert response.status_code == 200


def test_a_webhooks_only_token_can_neither_read_nor_write_the_rest(owner, workshop):
    _, key = make(workshop, owner, "webhooks")
    assert api(key).get("/api/v1/notifications/").json()["code"] == "token_scope"


def test_a_token_stops_when_its_maker_no_longer_manages_the_shop(owner, manager, workshop):
    _, key = make(workshop, manager, "read")
    assert api(key).get("/api/v1/processes/").status_code == 200
    membership = manager.memberships.get(workshop=workshop)
    services.membership_change_role(membership=membership, actor=owner, role=Role.FLOOR)
    assert api(key).get("/api/v1/processes/").status_code in (401, 403)


def test_an_altered_key_is_refused(owner, workshop):
    _, key = make(workshop, owner, "read")
    altered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert api(altered).get("/api/v1/processes/").json()["code"] == "authentication_failed"


def test_last_used_is_recorded_at_most_once_a_minute(owner, workshop):
    token, key = make(workshop, owner, "read")
    assert token.last_used_at is None
    api(key).get("/api/v1/processes/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api(key).get("/api/v1/processes/")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    api(key).get("/api/v1/processes/")
    token.refresh_from_db()
    assert token.last_used_at > first - datetime.timedelta(minutes=1)
    assert token.last_used_at <= timezone.now()


def test_operators_tokens_still_work_with_every_scope(owner, workshop):
    key = Token.objects.create(user=owner).key
    response = api(key).post(
        "/api/v1/notifications/read/", {"all": True}, content_type="application/json"
    )
    assert response.status_code == 200


def test_only_a_manager_may_make_or_revoke_through_the_service(owner, floor, workshop):
    with pytest.raises(ValidationError):
        make(workshop, floor, "read")
    token, _ = make(workshop, owner, "read")
    with pytest.raises(ValidationError):
        services.api_token_revoke(token=token, actor=floor)
    token.refresh_from_db()
    assert token.revoked_at is None and ApiToken.objects.count() == 1
