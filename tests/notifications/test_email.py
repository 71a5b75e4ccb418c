"""Mail end to end, against a real SMTP server started here: at once, in the digest, the
one-click unsubscribe, a server that is down and then back (the mail arrives once)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from notifications.delivery import next_digest_at, unsubscribe_token
from notifications.models import Delivery, DeliveryStatus, EmailMode, Preference
from notifications.tasks import send_due
from orders.services.routing import order_request
from tests.orders.conftest import add, post_job, terms
from tests.tasks import run_tasks

from .conftest import request_to_turner
from .smtp import SMTPServer, free_port, use_smtp

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    server = SMTPServer().start()
    use_smtp(settings, server.port)
    settings.SITE_URL = "https://shopnet.example.jp"
    yield server
    server.stop()


@pytest.fixture
def mailed(chain):
    chain.turner_owner.email = "turner@example.jp"
    chain.turner_owner.save(update_fields=["email"])
    return chain.turner_owner


def test_a_request_is_mailed_at_once_in_japanese_with_a_one_click_unsubscribe(
    chain, act, smtp, mailed
):
    order = request_to_turner(chain, act)
    assert len(smtp.messages) == 1
    to, message = smtp.messages[0]
    assert to == ["turner@example.jp"]
    assert (
        str(message["Subject"]).strip()
        == f"[shopnet] {chain.hub.name} から依頼: シャフト (MR-1001)"
    )
    body = message.get_content()
    assert f"https://shopnet.example.jp/orders/{order.uuid}/" in body
    unsubscribe = re.search(
        r"<(https://shopnet\.example\.jp/notifications/unsubscribe/[^>]+)>",
        message["List-Unsubscribe"],
    ).group(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in body
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    # Sending again sends nothing: the delivery is marked.
    send_due.call()
    assert len(smtp.messages) == 1


def test_the_unsubscribe_link_works_without_signing_in_and_stops_that_kind(
    chain, act, smtp, mailed
):
    token = unsubscribe_token(mailed, "request.received")
    anonymous = Client()
    page = anonymous.get(f"/notifications/unsubscribe/{token}/")
    assert page.status_code == 200
    assert not Preference.objects.exists()  # a link scanner's GET changes nothing
    assert anonymous.post(f"/notifications/unsubscribe/{token}/").status_code == 200
    assert Preference.objects.get(user=mailed, kind="request.received").email == EmailMode.OFF
    request_to_turner(chain, act)
    assert smtp.messages == []
    assert Delivery.objects.filter(channel="email").count() == 0


def test_a_tampered_unsubscribe_link_changes_nothing(mailed):
    token = unsubscribe_token(mailed, "request.received")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = Client().post(f"/notifications/unsubscribe/{tampered}/")
    assert response.status_code == 404
    assert not Preference.objects.exists()


def test_the_digest_gathers_a_days_worth_into_one_mail_at_the_chosen_hour(chain, act, smtp, mailed):
    Preference.objects.create(user=mailed, kind="request.received", email=EmailMode.DIGEST)
    request_to_turner(chain, act)
    request_to_turner(chain, act)
    assert smtp.messages == []
    digests = Delivery.objects.filter(channel="digest")
    assert digests.count() == 2
    at = digests.first().due_at
    assert at == next_digest_at(8)
    send_due.call()
    assert smtp.messages == []  # not yet its hour
    digests.update(due_at=timezone.now() - dt.timedelta(seconds=1))
    send_due.call()
    assert len(smtp.messages) == 1
    _, message = smtp.messages[0]
    assert "2" in message["Subject"]
    assert message.get_content().count("■") == 2
    send_due.call()
    assert len(smtp.messages) == 1


def test_a_mail_server_that_is_down_loses_nothing_and_the_mail_arrives_once(
    chain, act, settings, mailed
):
    port = free_port()
    use_smtp(settings, port)  # nothing listens there yet
    request_to_turner(chain, act)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error
    assert delivery.due_at > timezone.now()  # waits its backoff
    server = SMTPServer(port).start()
    try:
        send_due.call()
        assert server.messages == []  # not before its time
        Delivery.objects.update(due_at=timezone.now())
        send_due.call()
        send_due.call()
        assert len(server.messages) == 1
    finally:
        server.stop()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_after_the_last_attempt_it_stays_failed_for_an_operator(chain, act, settings, mailed):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    use_smtp(settings, free_port())
    request_to_turner(chain, act)
    Delivery.objects.update(due_at=timezone.now())
    send_due.call()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert delivery.last_error


def test_someone_without_an_address_is_skipped_with_a_reason(chain, act, smtp):
    request_to_turner(chain, act)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.last_error == "no e-mail address"
    assert smtp.messages == []


def test_the_tap_only_writes_rows_the_worker_sends(
    chain, smtp, mailed, django_capture_on_commit_callbacks
):
    job = post_job(chain)
    step = add(job, chain, "L")
    connection._notification_events = None  # what the fixtures did is not told
    with django_capture_on_commit_callbacks(execute=True):
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
        )
    assert smtp.messages == []  # nothing is sent in the request
    assert not Delivery.objects.exists()
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            run_tasks()
    assert len(smtp.messages) == 1
