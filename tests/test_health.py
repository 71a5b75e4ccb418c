from unittest import mock

import pytest
from django.test import Client


@pytest.mark.django_db
def test_it_answers_200_when_the_database_answers(settings):
    settings.REDIS_URL = ""
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True}}


@pytest.mark.django_db
def test_it_answers_503_when_the_database_fails(settings):
    settings.REDIS_URL = ""
    with mock.patch("shopnet.health.connection.cursor", side_effect=Exception("down")):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


@pytest.mark.django_db
def test_it_answers_503_when_redis_is_configured_but_unreachable(settings):
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "redis": False}


@pytest.mark.django_db
def test_it_checks_real_redis_when_the_suite_has_one(settings):
    import os

    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL not set: no Redis to check against")
    settings.REDIS_URL = os.environ["REDIS_URL"]
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "redis": True}


@pytest.mark.django_db
def test_it_refuses_other_methods():
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db
def test_it_is_not_redirected_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/accounts/login/").status_code == 301
