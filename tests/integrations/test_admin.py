"""The admin shows tokens and webhooks read-only, never a token's digest or a signing secret."""

from __future__ import annotations

import socket

import pytest

from integrations.services import endpoint_create
from tests.conftest import client_for, make_user
from tests.integrations.test_webhooks import _resolver
from workshops import services

pytestmark = pytest.mark.django_db


def test_the_admin_lists_tokens_and_webhooks_without_their_secrets(owner, workshop, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _resolver({"hooks.example.com": "93.184.216.34"}))
    token, _ = services.api_token_create(
        workshop=workshop, actor=owner, name="生産管理", scopes=["read"]
    )
    endpoint, secret = endpoint_create(
        workshop=workshop, actor=owner, url="https://hooks.example.com/x", kinds=["step.done"]
    )
    admin = client_for(make_user("operator", is_staff=True, is_superuser=True))
    pages = [
        "/admin/workshops/apitoken/",
        f"/admin/workshops/apitoken/{token.pk}/change/",
        "/admin/integrations/webhookendpoint/",
        f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/",
        "/admin/integrations/webhookdelivery/",
        "/admin/integrations/webhooklog/",
    ]
    for url in pages:
        response = admin.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert token.digest not in text and secret not in text, url
