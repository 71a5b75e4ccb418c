"""Webhooks against a local receiver: signed deliveries with a delivery id, retries after a
500, turned off after repeated failure with the managers told, only what the shop may see, and
no request to a loopback, private or link-local address."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations import addresses, services, signing, tasks
from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookLog
from integrations.services import endpoint_create, endpoint_enable
from notifications.models import Notification
from orders.models import ProgressEvent
from orders.services.progress import step_hold, step_start
from tests.conftest import client_for
from tests.integrations.conftest import body_of
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db


def register(chain, url, *kinds, shop="hub"):
    workshop = getattr(chain, shop)
    actor = getattr(chain, f"{shop}_owner")
    return endpoint_create(workshop=workshop, actor=actor, url=url, kinds=kinds or ["step.started"])


def start_turning(chain, steps, act):
    with act():
        step_start(step=steps["L"], actor=chain.turner_owner)


def test_a_delivery_is_signed_and_carries_its_id(chain, routed_job, receiver, local, act):
    job, steps, _ = routed_job
    _endpoint, secret = register(chain, receiver.url)
    start_turning(chain, steps, act)

    assert len(receiver.received) == 1
    request = receiver.received[0]
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks/shopnet"
    assert signing.verify(secret, body, headers["Shopnet-Signature"])
    assert not signing.verify("whsec_other", body, headers["Shopnet-Signature"])
    assert not signing.verify(secret, body + b" ", headers["Shopnet-Signature"])
    payload = body_of(request)
    delivery = WebhookDelivery.objects.get()
    assert headers["Shopnet-Delivery"] == payload["delivery"] == str(delivery.uuid)
    assert headers["Shopnet-Event"] == "step.started"
    assert payload["job"] == str(job.uuid) and payload["workshop"] == str(chain.hub.uuid)
    assert payload["event"]["kind"] == "step.started"
    assert payload["event"]["step"] == str(steps["L"].uuid)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
    )


def test_a_replayed_signature_is_refused_by_the_documented_check():
    body = b'{"x": 1}'
    value = signing.header("whsec_s", body, now=1_000_000)
    assert signing.verify("whsec_s", body, value, now=1_000_000 + 60)
    assert not signing.verify("whsec_s", body, value, now=1_000_000 + signing.TOLERANCE + 1)
    assert not signing.verify("whsec_s", body, "t=x,v1=y")


def test_it_retries_after_a_500_with_the_same_delivery_id(chain, routed_job, receiver, local, act):
    _, steps, _ = routed_job
    receiver.answers = [500, 200]
    register(chain, receiver.url)
    start_turning(chain, steps, act)

    assert len(receiver.received) == 2
    ids = {r["headers"]["Shopnet-Delivery"] for r in receiver.received}
    assert len(ids) == 1  # the receiver can tell the retry from a new event
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert WebhookEndpoint.objects.get().failures == 0


def test_it_gives_up_after_the_last_attempt(chain, routed_job, receiver, local, act):
    _, steps, _ = routed_job
    local.WEBHOOKS_MAX_ATTEMPTS = 3
    receiver.answers = [503]
    register(chain, receiver.url)
    start_turning(chain, steps, act)

    assert len(receiver.received) == 3
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.FAILED,
        3,
        503,
    )


def test_repeated_failure_turns_the_endpoint_off_and_tells_the_managers(
    chain, routed_job, receiver, local, act
):
    _, steps, _ = routed_job
    local.WEBHOOKS_DISABLE_AFTER = 3
    receiver.answers = [500]
    endpoint, _ = register(chain, receiver.url, "step.started", "step.held")
    start_turning(chain, steps, act)

    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert len(receiver.received) == 3  # nothing more once it is off
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
    told = Notification.objects.filter(kind="webhook.disabled")
    assert sorted(told.values_list("user__username", flat=True)) == ["hub-owner"]
    assert told.get().link == f"/workshops/{chain.hub.uuid}/webhooks/{endpoint.uuid}/"
    assert WebhookLog.objects.filter(endpoint=endpoint, action="endpoint.disabled").exists()
    inbox = client_for(chain.hub_owner).get("/notifications/")
    assert inbox.status_code == 200 and receiver.url in inbox.content.decode()

    # Turned back on by a manager, it is sent the next events again.
    endpoint_enable(endpoint=endpoint, actor=chain.hub_owner)
    receiver.answers = [200]
    with act():
        step_hold(step=steps["L"], actor=chain.turner_owner, reason="material")
    assert receiver.kinds()[-1] == "step.held"
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 1


def test_a_timeout_is_a_failure(chain, routed_job, receiver, local, act):
    _, steps, _ = routed_job
    local.WEBHOOKS_TIMEOUT = 0.2
    local.WEBHOOKS_MAX_ATTEMPTS = 1
    receiver.delay = 1.0
    register(chain, receiver.url)
    start_turning(chain, steps, act)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.error) == (DeliveryStatus.FAILED, "timeout")


def test_a_shop_is_sent_only_what_it_may_see(chain, routed_job, receiver, local, act):
    _, steps, _ = routed_job
    # The plater sees its own step, not the turner's; the turner sees its own.
    register(chain, receiver.url, "step.started", shop="plater")
    register(chain, receiver.url, "step.started", "order.accepted", shop="turner")
    start_turning(chain, steps, act)
    assert [body_of(r)["workshop"] for r in receiver.received] == [str(chain.turner.uuid)]


def test_only_the_kinds_asked_for_are_sent(chain, routed_job, receiver, local, act):
    _, steps, _ = routed_job
    register(chain, receiver.url, "step.done")
    start_turning(chain, steps, act)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


# --- no SSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, code",
    [
        ("http://example.com/hook", "not_https"),
        ("ftp://example.com/hook", "not_https"),
        ("https://127.0.0.1/hook", "private_address"),
        ("https://localhost/hook", "private_address"),
        ("https://10.1.2.3/hook", "private_address"),
        ("https://192.168.0.10/hook", "private_address"),
        ("https://172.16.5.5/hook", "private_address"),
        ("https://169.254.169.254/latest/meta-data/", "private_address"),
        ("https://[::1]/hook", "private_address"),
        ("https://[fe80::1]/hook", "private_address"),
        ("https://[::ffff:10.0.0.1]/hook", "private_address"),
        ("https://100.64.0.1/hook", "private_address"),
        ("https://user:pw@example.com/hook", "invalid_url"),
    ],
)
def test_it_refuses_urls_that_are_not_https_to_a_public_address(chain, url, code, monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        _resolver({"example.com": "93.184.216.34", "localhost": "127.0.0.1"}),
    )
    with pytest.raises(ValidationError) as refused:
        register(chain, url)
    assert refused.value.code == code
    assert not WebhookEndpoint.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_refused(chain, monkeypatch):
    monkeypatch.setattr(
        socket, "getaddrinfo", _resolver({"hooks.example.com": ["93.184.216.34", "10.0.0.7"]})
    )
    with pytest.raises(ValidationError) as refused:
        register(chain, "https://hooks.example.com/x")
    assert refused.value.code == "private_address"


def test_dns_rebinding_after_registration_is_refused_at_send_time(
    chain, routed_job, act, monkeypatch
):
    _, steps, _ = routed_job
    answers = {"hooks.example.com": "93.184.216.34"}
    monkeypatch.setattr(socket, "getaddrinfo", _resolver(answers))
    register(chain, "https://hooks.example.com/x")
    answers["hooks.example.com"] = "127.0.0.1"  # the name now points inside

    def no_connection(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    start_turning(chain, steps, act)
    delivery = WebhookDelivery.objects.first()
    assert delivery.error == "private_address" and delivery.response_status is None


def test_loopback_is_refused_even_over_http_without_the_development_allowance(chain, receiver):
    with pytest.raises(ValidationError) as refused:
        register(chain, receiver.url)
    assert refused.value.code == "not_https"
    with pytest.raises(addresses.UnsafeURL):
        addresses.check(receiver.url.replace("http://", "https://"))


def _resolver(names: dict):
    def getaddrinfo(host, port, *args, **kwargs):
        found = names.get(host, host)
        found = found if isinstance(found, list) else [found]
        result = []
        for address in found:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            result.append((family, socket.SOCK_STREAM, 6, "", (address, port)))
        return result

    return getaddrinfo


def test_the_sweep_sends_what_a_lost_task_left_and_a_claim_is_taken_once(
    chain, routed_job, receiver, local, django_capture_on_commit_callbacks
):
    _, steps, _ = routed_job
    register(chain, receiver.url)
    local.WEBHOOKS_ENABLED = False  # no task rings: the delivery is planned by hand, as if lost
    step_start(step=steps["L"], actor=chain.turner_owner)
    local.WEBHOOKS_ENABLED = True
    event = ProgressEvent.objects.get(kind="step.started")
    (delivery_id,) = services.deliveries_plan(event_ids=[event.pk])
    assert services.deliveries_plan(event_ids=[event.pk]) == []  # planned once: nothing new
    assert WebhookDelivery.objects.count() == 1

    later = timezone.now() + dt.timedelta(minutes=5)
    first = services.delivery_claim(delivery_id=delivery_id, now=later)
    assert first is not None
    assert services.delivery_claim(delivery_id=delivery_id, now=later) is None  # leased
    assert services.deliveries_due(now=later) == []
    # The worker died mid-attempt: after the lease, the sweep sends it again.
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        next_attempt_at=timezone.now() - dt.timedelta(minutes=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep.call() == 1
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert len(receiver.received) == 1
