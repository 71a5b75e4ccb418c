"""The job end pages (/jobs/<uuid>/cancel/ and /close/): what they say will happen, the
confirmation, every error at once, and nobody but the hub's managers reaching them."""

from __future__ import annotations

import pytest
from django.test import Client

from orders.models import Job, JobStatus, OrderStatus, ProgressEvent
from tests.conftest import client_for
from tests.orders.conftest import add, post_job, refreshed
from tests.orders.test_services import run_through, two_in_house

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies["shopnet_language"] = "en"
    return client


def cancel_url(job: Job) -> str:
    return f"/jobs/{job.uuid}/cancel/"


def close_url(job: Job) -> str:
    return f"/jobs/{job.uuid}/close/"


def test_the_cancel_page_says_what_will_happen_in_japanese(chain, routed_job):
    job, _steps, _orders = routed_job
    response = client_for(chain.hub_owner).get(cancel_url(job))
    page = response.content.decode()
    assert response.status_code == 200
    assert "案件を中止" in page
    # The accepted orders it would cancel, and the agreement the hub must confirm.
    for supplier in ("田中旋盤", "松本研削", "糀谷鍍金"):
        assert supplier in page
    assert 'name="suppliers_agreed"' in page
    for code in ("customer_cancelled", "design_changed", "posted_by_mistake", "other"):
        assert f'value="{code}"' in page
    assert 'value="delivered_as_made"' not in page


def test_an_in_house_job_asks_for_no_agreement(chain):
    job, _first, _second = two_in_house(chain)
    page = client_for(chain.hub_owner).get(close_url(job)).content.decode()
    assert 'name="suppliers_agreed"' not in page
    assert 'value="delivered_as_made"' in page and 'value="customer_cancelled"' not in page


def test_the_hub_confirms_and_the_job_is_cancelled(chain, routed_job):
    job, _steps, _orders = routed_job
    client = english(client_for(chain.hub_owner))
    response = client.post(
        cancel_url(job),
        {"reason": "customer_cancelled", "note": "先方都合", "suppliers_agreed": "on"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/jobs/{job.uuid}/", 302)]
    job = refreshed(job)
    assert (job.status, job.end_reason, job.end_note) == (
        JobStatus.CANCELLED,
        "customer_cancelled",
        "先方都合",
    )
    page = response.content.decode()
    assert "The job was cancelled. The suppliers were told." in page
    assert "The customer cancelled" in page and "先方都合" in page
    # Ended: the page offers no more cancelling or closing.
    assert cancel_url(job) not in page and close_url(job) not in page


def test_every_error_shows_at_once_and_nothing_is_written(chain, routed_job):
    job, _steps, _orders = routed_job
    before = refreshed(job).last_seq
    response = english(client_for(chain.hub_owner)).post(cancel_url(job), {"note": "x" * 301})
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("Choose a reason.") == 1
    assert "accepted orders for this job" in page
    assert "at most 300 characters" in page
    assert refreshed(job).last_seq == before
    assert refreshed(job).status == JobStatus.OPEN


def test_a_refusal_of_the_service_shows_on_the_form(chain):
    job, _first, _second = two_in_house(chain)
    response = english(client_for(chain.hub_owner)).post(
        close_url(job), {"reason": "rest_not_needed"}
    )
    assert response.status_code == 400
    assert "cancel it instead of closing it" in response.content.decode()
    assert refreshed(job).status == JobStatus.OPEN


def test_the_hub_closes_a_job_with_what_was_made(chain):
    job, first, _second = two_in_house(chain)
    run_through(chain, first)
    response = client_for(chain.hub_owner).post(close_url(job), {"reason": "delivered_as_made"})
    assert response.status_code == 302
    assert refreshed(job).status == JobStatus.CLOSED
    assert ProgressEvent.objects.filter(job=job, kind="job.closed").count() == 1


@pytest.mark.parametrize("who", ["hub_floor", "turner_owner", "grinder_floor", "stranger_owner"])
def test_no_one_but_the_hubs_managers_reaches_the_pages(chain, routed_job, who):
    job, _steps, orders = routed_job
    client = client_for(getattr(chain, who))
    assert client.get(cancel_url(job)).status_code == 404
    assert client.get(close_url(job)).status_code == 404
    response = client.post(
        cancel_url(job), {"reason": "customer_cancelled", "suppliers_agreed": "on"}
    )
    assert response.status_code == 404
    assert refreshed(job).status != JobStatus.CANCELLED
    assert refreshed(orders["top"]).status == OrderStatus.ACCEPTED


def test_the_job_page_offers_the_buttons_to_the_hub_only(chain, routed_job):
    job, _steps, _orders = routed_job
    hub_page = client_for(chain.hub_owner).get(f"/jobs/{job.uuid}/").content.decode()
    supplier_page = client_for(chain.turner_owner).get(f"/jobs/{job.uuid}/").content.decode()
    assert cancel_url(job) in hub_page and close_url(job) in hub_page
    assert cancel_url(job) not in supplier_page and close_url(job) not in supplier_page


def test_an_ended_job_sends_the_hub_back_with_a_message(chain):
    job, _first, _second = two_in_house(chain)
    client = english(client_for(chain.hub_owner))
    client.post(cancel_url(job), {"reason": "posted_by_mistake"})
    response = client.get(close_url(job), follow=True)
    assert response.redirect_chain == [(f"/jobs/{job.uuid}/", 302)]
    assert "This job is already Cancelled." in response.content.decode()


def test_the_pages_refuse_other_methods_and_unknown_jobs(chain):
    job = post_job(chain)
    add(job, chain, "L")
    client = client_for(chain.hub_owner)
    assert client.put(cancel_url(job)).status_code == 405
    assert client.get("/jobs/00000000-0000-0000-0000-000000000000/cancel/").status_code == 404
    assert client_for(None).get(cancel_url(job)).status_code == 302


@pytest.mark.parametrize("routed", [False, True], ids=["in-house", "three orders"])
def test_the_cancel_page_reads_a_fixed_number_of_queries(
    chain, routed_job, django_assert_num_queries, routed
):
    job = routed_job[0] if routed else two_in_house(chain)[0]
    client = client_for(chain.hub_owner)
    client.get(cancel_url(job))  # the process's first request fills its caches
    # 1 session, 2 user, 3 job (with hub and material), 4 the user's memberships, 5 the job's
    # orders, 6 their steps, 7 the job's steps and shops (the access check), 8 the accepted
    # orders to agree on, 9 every order with its supplier, 10 the unfinished steps counted,
    # 11 the top bar's memberships.
    with django_assert_num_queries(11):
        assert client.get(cancel_url(job)).status_code == 200
