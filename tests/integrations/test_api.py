"""The webhook endpoints over the API: a workshop token needs the `webhooks` scope; owners
and managers only; refusals in the one error shape."""

from __future__ import annotations

import socket

import pytest
from django.test import Client

from integrations.models import WebhookEndpoint
from tests.conftest import client_for
from tests.integrations.test_webhooks import _resolver
from workshops import services

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/shopnet"


@pytest.fixture(autouse=True)
def _dns(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        _resolver({"hooks.example.com": "93.184.216.34", "intra": "10.0.0.2"}),
    )


def token(workshop, user, *scopes) -> Client:
    _, key = services.api_token_create(workshop=workshop, actor=user, name="x", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def api(workshop) -> str:
    return f"/api/v1/workshops/{workshop.uuid}/webhooks/"


def test_a_webhooks_token_registers_lists_and_removes(owner, workshop):
    client = token(workshop, owner, "webhooks")
    created = client.post(
        api(workshop), {"url": URL, "kinds": ["step.done"]}, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["kinds"] == ["step.done"]
    listed = client.get(api(workshop)).json()
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    assert client.delete(f"{api(workshop)}{body['id']}/").status_code == 204
    assert client.get(api(workshop)).json() == []


@pytest.mark.parametrize("scopes", [("read",), ("write",)])
def test_a_token_without_the_webhooks_scope_is_refused(owner, workshop, scopes):
    client = token(workshop, owner, *scopes)
    response = client.post(
        api(workshop), {"url": URL, "kinds": ["step.done"]}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "token_scope"
    assert client.get(api(workshop)).json()["code"] == "token_scope"
    assert not WebhookEndpoint.objects.exists()


def test_a_private_address_is_refused_with_its_code(owner, workshop):
    response = client_for(owner).post(
        api(workshop), {"url": "https://intra/x", "kinds": []}, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "private_address"
    assert set(body["fields"]) == {"url", "kinds"}


def test_floor_staff_and_outsiders_get_404(floor, outsider, workshop):
    for user in (floor, outsider):
        assert client_for(user).get(api(workshop)).status_code == 404
        response = client_for(user).post(
            api(workshop), {"url": URL, "kinds": ["step.done"]}, content_type="application/json"
        )
        assert response.status_code == 404
    assert not WebhookEndpoint.objects.exists()
