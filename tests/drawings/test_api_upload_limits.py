"""The API's upload limits answer as docs/API.md says: 413 for a file over
DRAWINGS_MAX_UPLOAD_BYTES, whichever way the caller signs in, and nothing is stored."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token

from drawings.models import DrawingRevision
from tests.conftest import client_for
from tests.drawings.files import VALID, upload


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.DRAWINGS_MAX_UPLOAD_BYTES = 1024


def token_client(user) -> Client:
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")


def big_file():
    name, make = VALID["tiff"]
    data = make()
    assert len(data) > 1024
    return upload(name, data)


@pytest.mark.parametrize("signed_in", [token_client, client_for], ids=["token", "session"])
def test_an_over_limit_file_is_413_with_the_limit_in_the_message(chain, routed_job, signed_in):
    job, _steps, _orders = routed_job
    client = signed_in(chain.hub_owner)
    client.cookies["shopnet_language"] = "en"
    with translation.override("en"):
        response = client.post("/api/v1/drawings/", {"job": str(job.uuid), "file": big_file()})
    assert response.status_code == 413, response.content
    assert "too large" in response.json()["detail"]
    assert response.json()["code"] == "too_large"
    assert not DrawingRevision.objects.exists()


def test_an_over_limit_file_is_413_in_japanese_by_default(chain, routed_job):
    job, _steps, _orders = routed_job
    response = token_client(chain.hub_owner).post(
        "/api/v1/drawings/",
        {"job": str(job.uuid), "file": big_file()},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.json()["detail"]
    assert response.json()["code"] == "too_large"
