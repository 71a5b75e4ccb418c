"""Passwords: everyone changes their own, a forgotten one is reset by e-mail, and an owner
sets a new one for a floor worker (who often has no e-mail), but for nobody whose account
reaches further than that shop's floor."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.conftest import client_for
from workshops import services
from workshops.models import AuditEvent, DistrictStaff, Membership, Role

pytestmark = pytest.mark.django_db

NEW = "kiriko-no-mado-2026"


def english(user=None) -> Client:
    client = client_for(user)
    client.cookies["shopnet_language"] = "en"
    return client


# --- change your own ----------------------------------------------------------------------------


def test_a_user_changes_their_own_password(owner):
    client = english(owner)
    assert client.get("/accounts/password/change/").status_code == 200
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "pw-owner", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    owner.refresh_from_db()
    assert owner.check_password(NEW)
    assert client.get("/accounts/password/change/done/").status_code == 200  # still signed in


def test_the_old_password_must_be_right(owner):
    response = english(owner).post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password("pw-owner")


def test_changing_a_password_needs_a_sign_in():
    response = Client().get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- reset by e-mail ----------------------------------------------------------------------------


def test_a_forgotten_password_is_reset_by_e_mail(owner):
    owner.email = "ichiro@example.jp"
    owner.save(update_fields=["email"])
    client = english()
    assert "Forgot your password?" in client.get("/accounts/login/").content.decode()

    response = client.post("/accounts/password/reset/", {"email": "ICHIRO@example.jp"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW)
    # The link works once.
    assert "no longer works" in client.get(link, follow=True).content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(owner):
    response = english().post("/accounts/password/reset/", {"email": "nobody@example.jp"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_the_reset_mail_is_japanese_by_default(owner):
    owner.email = "ichiro@example.jp"
    owner.save(update_fields=["email"])
    Client().post("/accounts/password/reset/", {"email": "ichiro@example.jp"})
    assert "パスワード" in mail.outbox[0].subject


# --- an owner sets a floor worker's ---------------------------------------------------------------


def password_url(workshop, user) -> str:
    membership = Membership.objects.get(workshop=workshop, user=user)
    return f"/workshops/{workshop.uuid}/members/{membership.uuid}/password/"


def test_an_owner_sets_a_floor_worker_s_password(workshop, owner, floor):
    Token.objects.create(user=floor)
    tablet = client_for(floor)
    client = english(owner)
    members = client.get(f"/workshops/{workshop.uuid}/members/").content.decode()
    assert password_url(workshop, floor) in members

    response = client.post(
        password_url(workshop, floor), {"new_password1": NEW, "new_password2": NEW}
    )

    assert response.status_code == 302
    floor.refresh_from_db()
    assert floor.check_password(NEW)
    assert not Token.objects.filter(user=floor).exists()
    assert AuditEvent.objects.filter(workshop=workshop, action="membership.password_set").exists()
    # The tablet's old session ended with the old password.
    assert tablet.get("/floor/").status_code == 302


@pytest.mark.parametrize("who", ["manager", "floor"])
def test_only_an_owner_sets_one(workshop, floor, manager, who):
    actor = {"manager": manager, "floor": floor}[who]
    response = english(actor).post(
        password_url(workshop, floor), {"new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code in (400, 404)
    floor.refresh_from_db()
    assert floor.check_password("pw-floor")


def test_an_owner_cannot_set_a_manager_s_password(workshop, owner, manager):
    response = english(owner).post(
        password_url(workshop, manager), {"new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 400
    assert "floor staff who belong to this workshop alone" in response.content.decode()
    manager.refresh_from_db()
    assert manager.check_password("pw-manager")


def test_nor_that_of_floor_staff_who_belong_elsewhere_too(workshop, partner, owner, floor):
    services.membership_add(workshop=partner, user=floor, role=Role.OWNER, actor=None)
    response = english(owner).post(
        password_url(workshop, floor), {"new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 400
    floor.refresh_from_db()
    assert floor.check_password("pw-floor")


def test_nor_that_of_district_staff(workshop, owner, floor, district):
    DistrictStaff.objects.create(district=district, user=floor)
    response = english(owner).post(
        password_url(workshop, floor), {"new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 400


def test_a_weak_password_is_refused_with_the_validators_message(workshop, owner, floor):
    response = english(owner).post(
        password_url(workshop, floor), {"new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 400
    assert "too common" in response.content.decode()


def test_an_outsider_gets_404(workshop, outsider, floor):
    assert english(outsider).get(password_url(workshop, floor)).status_code == 404


def test_the_wrong_method_is_405(workshop, owner, floor):
    assert english(owner).put(password_url(workshop, floor)).status_code == 405
