from __future__ import annotations

import pytest

from notifications.kinds import KINDS
from notifications.models import DigestSetting, EmailMode, Preference
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {"digest_hour": "17", "language": "en"}
    for code, kind in KINDS.items():
        data[f"email:{code}"] = kind.email
        data[f"push:{code}"] = "on"
    data.update(overrides)
    return data


def test_it_shows_the_defaults_for_each_kind(owner):
    response = client_for(owner).get("/notifications/settings/")
    assert response.status_code == 200
    html = response.content.decode()
    for code in KINDS:
        assert f'name="email:{code}"' in html
    assert "data-push" in html


def test_it_saves_mail_mode_push_digest_hour_and_language(owner):
    data = form_data(**{"email:offer.won": "off", "email:rating.received": "immediate"})
    del data["push:parts.shipped"]
    response = client_for(owner).post("/notifications/settings/", data)
    assert response.status_code == 302
    prefs = {p.kind: (p.email, p.push) for p in Preference.objects.filter(user=owner)}
    assert prefs["offer.won"] == (EmailMode.OFF, True)
    assert prefs["rating.received"] == (EmailMode.IMMEDIATE, True)
    assert prefs["parts.shipped"][1] is False
    setting = DigestSetting.objects.get(user=owner)
    assert (setting.digest_hour, setting.language) == (17, "en")


def test_a_bad_value_is_refused_and_nothing_saved(owner):
    response = client_for(owner).post(
        "/notifications/settings/", form_data(**{"email:offer.won": "sometimes"})
    )
    assert response.status_code == 400
    assert not Preference.objects.exists()


def test_each_person_changes_only_their_own(owner, outsider):
    client_for(outsider).post("/notifications/settings/", form_data(**{"email:offer.won": "off"}))
    assert not Preference.objects.filter(user=owner).exists()


def test_the_anonymous_are_sent_to_sign_in():
    response = client_for(None).get("/notifications/settings/")
    assert response.status_code == 302
