"""The webhook pages: owners and managers only (floor staff and outsiders get 404), the secret
shown once, every problem of the form at once, the delivery log, remove and turn back on."""

from __future__ import annotations

import re
import socket

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import DeliveryStatus, WebhookEndpoint, WebhookLog
from integrations.services import endpoint_create
from orders.models import ProgressEvent
from tests.conftest import client_for
from tests.integrations.test_webhooks import _resolver

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/shopnet"


@pytest.fixture(autouse=True)
def _dns(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        _resolver({"hooks.example.com": "93.184.216.34", "intra": "10.0.0.2"}),
    )


def page(workshop) -> str:
    return f"/workshops/{workshop.uuid}/webhooks/"


def test_a_manager_adds_a_webhook_and_sees_its_secret_once(manager, workshop):
    client = client_for(manager)
    response = client.post(page(workshop), {"url": URL, "kinds": ["step.done", "handoff.shipped"]})
    assert response.status_code == 200
    secret = re.search(r'value="(whsec_[^"]+)"', response.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.kinds, endpoint.secret, endpoint.created_by) == (
        URL,
        ["step.done", "handoff.shipped"],
        secret,
        manager,
    )
    assert secret not in client.get(page(workshop)).content.decode()
    assert WebhookLog.objects.filter(action="endpoint.created", actor=manager).count() == 1


def test_the_form_shows_every_problem_at_once(owner, workshop):
    response = client_for(owner).post(page(workshop), {"url": "https://intra/x", "kinds": []})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"url", "kinds"}
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("who", ["floor", "outsider"])
def test_floor_staff_and_outsiders_get_404_everywhere(request, owner, workshop, who):
    user = request.getfixturevalue(who)
    endpoint, _ = endpoint_create(workshop=workshop, actor=owner, url=URL, kinds=["step.done"])
    client = client_for(user)
    base = f"{page(workshop)}{endpoint.uuid}/"
    assert client.get(page(workshop)).status_code == 404
    assert client.post(page(workshop), {"url": URL, "kinds": ["step.done"]}).status_code == 404
    assert client.get(base).status_code == 404
    assert client.post(f"{base}delete/").status_code == 404
    assert client.post(f"{base}enable/").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.deleted_at is None and WebhookEndpoint.objects.count() == 1


def test_another_shops_manager_cannot_reach_a_webhook_through_their_own_shop(
    owner, workshop, outsider, outsider_workshop
):
    endpoint, _ = endpoint_create(workshop=workshop, actor=owner, url=URL, kinds=["step.done"])
    url = f"/workshops/{outsider_workshop.uuid}/webhooks/{endpoint.uuid}/"
    assert client_for(outsider).get(url).status_code == 404


def test_remove_wants_post_and_hides_it(owner, workshop):
    endpoint, _ = endpoint_create(workshop=workshop, actor=owner, url=URL, kinds=["step.done"])
    client = client_for(owner)
    assert client.get(f"{page(workshop)}{endpoint.uuid}/delete/").status_code == 405
    assert client.post(f"{page(workshop)}{endpoint.uuid}/delete/").status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.deleted_at is not None and not endpoint.is_active
    assert client.get(f"{page(workshop)}{endpoint.uuid}/").status_code == 404
    assert URL not in client.get(page(workshop)).content.decode()


def test_turning_back_on_a_webhook_the_worker_turned_off(owner, workshop):
    endpoint, _ = endpoint_create(workshop=workshop, actor=owner, url=URL, kinds=["step.done"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, failures=20)
    client = client_for(owner)
    assert "webhook_enable" not in client.get(f"{page(workshop)}{endpoint.uuid}/").content.decode()
    response = client.post(f"{page(workshop)}{endpoint.uuid}/enable/")
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failures == 0
    assert WebhookLog.objects.filter(action="endpoint.enabled", actor=owner).exists()


def log_page_queries(client, chain, endpoint) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{page(chain.hub)}{endpoint.uuid}/")
    assert response.status_code == 200
    return len(captured)


def test_the_delivery_log_page_costs_the_same_whatever_its_length(chain, routed_job):
    job, _, _ = routed_job
    endpoint, _ = endpoint_create(
        workshop=chain.hub, actor=chain.hub_owner, url=URL, kinds=["step.added"]
    )
    events = list(ProgressEvent.objects.filter(job=job).order_by("seq"))
    assert len(events) > 5
    client = client_for(chain.hub_owner)

    def log(event):
        endpoint.deliveries.create(
            event=event, kind=event.kind, body="{}", status=DeliveryStatus.FAILED
        )

    log(events[0])
    one = log_page_queries(client, chain, endpoint)
    for event in events[1:]:
        log(event)
    # session, user, the manage check, the endpoint, the page's count, the deliveries with
    # their events and jobs (one join), the change log, and the base template's own.
    assert log_page_queries(client, chain, endpoint) == one


def test_the_webhook_list_costs_the_same_whatever_its_length(owner, workshop):
    client = client_for(owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page(workshop)).status_code == 200
        return len(captured)

    endpoint_create(workshop=workshop, actor=owner, url=URL, kinds=["step.done"])
    one = queries()
    for i in range(4):
        endpoint_create(workshop=workshop, actor=owner, url=f"{URL}/{i}", kinds=["step.done"])
    # session, user, the manage check, the endpoints with their delivery counts (one query),
    # and the base template's own.
    assert queries() == one
