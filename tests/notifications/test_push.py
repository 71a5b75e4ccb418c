"""Web Push against a local endpoint standing in for the push service: the payload is
encrypted for the device (RFC 8291), signed with the site's VAPID key; 404/410 drops the
subscription; a 500 is tried again; nobody registers someone else's device away from them."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications import services as notification_services
from notifications.models import Delivery, DeliveryStatus, PushSubscription
from notifications.tasks import send_due
from tests.conftest import client_for

from .conftest import request_to_turner
from .pushservice import Browser, PushService

pytestmark = pytest.mark.django_db


@pytest.fixture
def vapid(settings):
    out = StringIO()
    call_command("vapid_keys", stdout=out)
    keys = dict(line.split("=", 1) for line in out.getvalue().split())
    settings.VAPID_PUBLIC_KEY = keys["VAPID_PUBLIC_KEY"]
    settings.VAPID_PRIVATE_KEY = keys["VAPID_PRIVATE_KEY"]
    settings.VAPID_SUBJECT = "mailto:ops@shopnet.example.jp"
    return keys


@pytest.fixture
def push_service(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture
def tablet(chain, push_service):
    browser = Browser()
    notification_services.push_subscribe(
        user=chain.turner_owner,
        endpoint=push_service.url("/push/turner-tablet"),
        p256dh=browser.p256dh,
        auth=browser.auth_b64,
        device="iPad",
    )
    return browser


def test_a_request_is_pushed_to_the_tablet_encrypted_for_it(
    chain, act, vapid, push_service, tablet
):
    order = request_to_turner(chain, act)
    assert len(push_service.received) == 1
    path, headers, body = push_service.received[0]
    assert path == "/push/turner-tablet"
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    assert vapid["VAPID_PUBLIC_KEY"] in headers["authorization"]
    assert "丸山製作所".encode() not in body  # encrypted on the wire
    message = json.loads(tablet.decrypt(body))
    assert message["link"] == f"/orders/{order.uuid}/"
    assert "丸山製作所" in message["title"]
    delivery = Delivery.objects.get(channel="push")
    assert delivery.status == DeliveryStatus.SENT
    assert PushSubscription.objects.get().last_success_at is not None


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_dropped(chain, act, vapid, push_service, tablet, status):
    push_service.status = status
    request_to_turner(chain, act)
    assert not PushSubscription.objects.exists()
    delivery = Delivery.objects.get(channel="push")
    assert delivery.status == DeliveryStatus.SKIPPED
    assert str(status) in delivery.last_error


def test_a_push_service_error_is_tried_again_and_sent_once(chain, act, vapid, push_service, tablet):
    push_service.status = 500
    request_to_turner(chain, act)
    delivery = Delivery.objects.get(channel="push")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert PushSubscription.objects.exists()
    push_service.status = 201
    Delivery.objects.update(due_at=timezone.now())
    send_due.call()
    send_due.call()
    assert len(push_service.received) == 2  # the 500, then the one that arrived
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_without_vapid_keys_nothing_is_pushed(chain, act, push_service, tablet, settings):
    settings.VAPID_PRIVATE_KEY = ""
    request_to_turner(chain, act)
    assert push_service.received == []
    assert Delivery.objects.get(channel="push").status == DeliveryStatus.SKIPPED


def test_a_device_registers_through_the_api_and_is_removed_by_its_owner_only(
    chain, settings, push_service
):
    settings.PUSH_ALLOW_HTTP = True
    browser = Browser()
    body = {
        "endpoint": push_service.url("/push/a"),
        "keys": {"p256dh": browser.p256dh, "auth": browser.auth_b64},
        "device": "現場タブレット",
    }
    owner = client_for(chain.turner_owner)
    response = owner.post("/api/v1/push/subscriptions/", body, content_type="application/json")
    assert response.status_code == 201
    uuid = response.json()["id"]
    assert [d["id"] for d in owner.get("/api/v1/push/subscriptions/").json()] == [uuid]
    stranger = client_for(chain.stranger_owner)
    assert stranger.get("/api/v1/push/subscriptions/").json() == []
    assert stranger.delete(f"/api/v1/push/subscriptions/{uuid}/").status_code == 404
    assert PushSubscription.objects.filter(uuid=uuid).exists()
    assert owner.delete(f"/api/v1/push/subscriptions/{uuid}/").status_code == 204
    assert not PushSubscription.objects.exists()


def test_a_plain_http_endpoint_is_refused_in_production(chain, settings):
    settings.PUSH_ALLOW_HTTP = False
    browser = Browser()
    response = client_for(chain.turner_owner).post(
        "/api/v1/push/subscriptions/",
        {
            "endpoint": "http://push.example/x",
            "keys": {"p256dh": browser.p256dh, "auth": browser.auth_b64},
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


def test_the_same_browser_signed_in_as_someone_else_moves_to_them(chain, push_service):
    browser = Browser()
    endpoint = push_service.url("/push/shared-tablet")
    for user in (chain.turner_owner, chain.grinder_owner):
        notification_services.push_subscribe(
            user=user, endpoint=endpoint, p256dh=browser.p256dh, auth=browser.auth_b64
        )
    assert list(PushSubscription.objects.values_list("user__username", flat=True)) == [
        "grinder-owner"
    ]


def test_the_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"showNotification" in response.content


def test_a_device_is_removed_from_the_settings_page_by_its_owner_only(chain, push_service):
    browser = Browser()
    subscription = notification_services.push_subscribe(
        user=chain.turner_owner,
        endpoint=push_service.url("/push/b"),
        p256dh=browser.p256dh,
        auth=browser.auth_b64,
        device="iPad",
    )
    path = f"/notifications/devices/{subscription.uuid}/remove/"
    page = client_for(chain.turner_owner).get("/notifications/settings/").content.decode()
    assert path in page
    assert client_for(chain.stranger_owner).post(path).status_code == 404
    assert client_for(chain.turner_owner).get(path).status_code == 405
    assert PushSubscription.objects.exists()
    assert client_for(chain.turner_owner).post(path).status_code == 302
    assert not PushSubscription.objects.exists()
