"""Every login path is throttled per (username, client address) by django-axes: the site's
form and the admin's. A locked-out pair gets 429 with how long to wait, even with the right
password; an operator unlocks it from the admin."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

SITE, ADMIN = "/accounts/login/", "/admin/login/"


def sign_in(url: str, username: str, password: str, address: str = "203.0.113.5", lang="ja"):
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.cookies["shopnet_language"] = lang
    response = client.post(
        url, {"username": username, "password": password, "next": "/"}, REMOTE_ADDR=address
    )
    return client, response


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def operator(db):
    return make_user("operator", is_staff=True, is_superuser=True)


def fail_until_locked(url: str, username: str, address: str = "203.0.113.5"):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _client, response = sign_in(url, username, "wrong", address)
        assert response.status_code == 200  # the form again, with its error
    _client, response = sign_in(url, username, "wrong", address)
    return response


def test_the_admin_login_locks_after_the_limit_even_for_the_right_password(operator):
    response = fail_until_locked(ADMIN, "operator")
    assert response.status_code == 429

    client, response = sign_in(ADMIN, "operator", "pw-operator")

    assert response.status_code == 429
    assert not signed_in(client)
    assert "ログイン失敗が多すぎます" in response.content.decode()


def test_the_admin_login_works_below_the_limit(operator):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(ADMIN, "operator", "wrong")
    client, response = sign_in(ADMIN, "operator", "pw-operator")
    assert response.status_code == 302
    assert signed_in(client)


def test_the_site_login_locks_the_pair_only(owner, manager):
    assert fail_until_locked(SITE, "owner").status_code == 429
    client, response = sign_in(SITE, "owner", "pw-owner", lang="en")
    assert response.status_code == 429
    assert not signed_in(client)
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    # The same username from elsewhere, and a colleague behind the same address, get in.
    elsewhere, response = sign_in(SITE, "owner", "pw-owner", "198.51.100.7")
    assert signed_in(elsewhere)
    colleague, response = sign_in(SITE, "manager", "pw-manager")
    assert signed_in(colleague)


def test_the_username_counts_whatever_its_case(owner):
    for name in ["owner", "OWNER", " Owner", "owner", "oWner"][: settings.LOGIN_FAILURE_LIMIT]:
        sign_in(SITE, name, "wrong")
    _client, response = sign_in(SITE, "owner", "pw-owner")
    assert response.status_code == 429


def test_the_site_and_the_admin_share_one_count(operator):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(SITE, "operator", "wrong")
    _client, response = sign_in(ADMIN, "operator", "wrong")
    assert response.status_code == 429


def test_a_success_starts_the_count_again(owner):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(SITE, "owner", "wrong")
    client, _response = sign_in(SITE, "owner", "pw-owner")
    assert signed_in(client)
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(SITE, "owner", "wrong")
    client, _response = sign_in(SITE, "owner", "pw-owner")
    assert signed_in(client)


def test_an_operator_unlocks_a_locked_sign_in_from_the_admin(owner, operator):
    fail_until_locked(SITE, "owner")
    admin = client_for(operator)
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert "owner" in page.content.decode()

    attempt = AccessAttempt.objects.get(username="owner")
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": [attempt.pk]},
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    client, _response = sign_in(SITE, "owner", "pw-owner")
    assert signed_in(client)


def test_nobody_but_an_operator_sees_the_lockouts(owner):
    fail_until_locked(SITE, "owner")
    response = client_for(owner).get("/admin/axes/accessattempt/")
    assert response.status_code == 302  # to the admin's login
