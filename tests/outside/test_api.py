"""POST /api/v1/jobs/<uuid>/outside-orders/: the hub asks a shop not on shopnet over the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from orders.models import Order
from outside.links import live_link_for_token
from outside.models import CapabilityLink, OutsideShop
from tests.orders.conftest import add, in_days, post_job

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(steps, **overrides):
    data = {
        "steps": [str(s.uuid) for s in steps],
        "price": 80000,
        "due_date": in_days(12).isoformat(),
        "delivery_place": "丸山製作所 本社工場",
        "payment_due_date": in_days(40).isoformat(),
        "payment_method": "bank_transfer",
        "shop": {"name": "蒲田ラップ", "email": "lap@example.jp", "contact_name": "蒲田"},
    }
    data.update(overrides)
    return data


@pytest.fixture
def job_and_step(chain):
    job = post_job(chain)
    return job, add(job, chain, "L", 3)


def url(job) -> str:
    return f"/api/v1/jobs/{job.uuid}/outside-orders/"


def test_the_hub_asks_an_outside_shop_and_gets_its_link(chain, job_and_step, settings):
    settings.SITE_URL = "https://shopnet.example.jp"
    job, step = job_and_step
    response = api_for(chain.hub_owner).post(url(job), body([step]), format="json")
    assert response.status_code == 201, response.json()
    answer = response.json()
    order = Order.objects.get(uuid=answer["order"])
    assert order.status == "requested" and not order.supplier.is_member
    assert answer["supplier"] == str(order.supplier.uuid)
    assert answer["link"]["mailed"] is True
    token = answer["link"]["url"].rsplit("/l/", 1)[1].strip("/")
    assert live_link_for_token(token).order == order
    # Asked again (another step) with the same e-mail: the same shop.
    second = add(job, chain, "M", 2)
    again = api_for(chain.hub_owner).post(url(job), body([second]), format="json")
    assert again.json()["supplier"] == answer["supplier"]
    assert OutsideShop.objects.count() == 1


def test_every_problem_is_answered_at_once_and_nothing_written(chain, job_and_step):
    job, step = job_and_step
    response = api_for(chain.hub_owner).post(
        url(job),
        body([step], due_date=in_days(-2).isoformat(), shop={"name": "", "email": ""}),
        format="json",
    )
    assert response.status_code == 400
    answer = response.json()
    assert {"name", "due_date"} <= set(answer["fields"])
    # The shop must be reachable: said in `detail` (it names no field).
    assert "FAX" in answer["detail"]
    assert not Order.objects.exists() and not CapabilityLink.objects.exists()


@pytest.mark.parametrize("who", ["turner_owner", "hub_floor", "stranger_owner", "staff"])
def test_no_one_but_the_hubs_managers_may_ask(chain, job_and_step, who):
    job, step = job_and_step
    response = api_for(getattr(chain, who)).post(url(job), body([step]), format="json")
    assert response.status_code == 404
    assert not Order.objects.exists()
