"""Asking a workshop for work from its profile: the action, the contacts, and the page that
leads to the route form with the workshop chosen."""

from __future__ import annotations

import re

import pytest

from orders.models import Job
from tests.conftest import client_for
from tests.orders.conftest import post_job

pytestmark = pytest.mark.django_db


def profile(user, workshop) -> str:
    return client_for(user).get(f"/workshops/{workshop.uuid}/").content.decode()


def test_a_shops_manager_sees_the_action_and_the_contacts(chain):
    chain.plater_owner.email = "boss@plater.example.jp"
    chain.plater_owner.save(update_fields=["email"])
    chain.plater.phone = "03-1234-5678"
    chain.plater.save(update_fields=["phone"])
    body = profile(chain.hub_owner, chain.plater)
    assert f'id="request-this-workshop" href="/workshops/{chain.plater.uuid}/request/"' in body
    assert "この工場に依頼する" in body
    contacts = re.search(r'<section class="card" id="contacts">.*?</section>', body, re.S).group(0)
    assert "03-1234-5678" in contacts and "mailto:boss@plater.example.jp" in contacts
    assert str(chain.plater_owner) in contacts


def test_floor_staff_see_the_contacts_but_not_the_action(chain):
    body = profile(chain.turner_floor, chain.plater)
    assert 'id="contacts"' in body and 'id="request-this-workshop"' not in body


def test_association_staff_and_the_shop_itself_see_no_action_and_staff_no_contacts(chain):
    chain.plater.phone = "03-1234-5678"
    chain.plater.save(update_fields=["phone"])
    staff = profile(chain.staff, chain.plater)
    assert 'id="contacts"' not in staff and "03-1234-5678" not in staff
    assert 'id="request-this-workshop"' not in staff
    own = profile(chain.plater_owner, chain.plater)
    assert 'id="request-this-workshop"' not in own


def test_the_request_page_lists_the_jobs_with_steps_to_route_and_leads_to_the_route_form(
    chain, routed_job
):
    job, _steps, _ = routed_job  # assembly and inspection are still the hub's to route
    done = post_job(chain, part_name="完了済み")
    Job.objects.filter(pk=done.pk).update(status="done")
    response = client_for(chain.hub_owner).get(f"/workshops/{chain.plater.uuid}/request/")
    assert response.status_code == 200
    body = response.content.decode()
    link = f'href="/jobs/{job.uuid}/route/?supplier={chain.plater.uuid}"'
    assert link in body
    row = re.search(rf"<tr>\s*<td><a href=\"/jobs/{job.uuid}/\">.*?</tr>", body, re.S).group(0)
    assert re.search(r'<td class="num">2</td>', row)
    assert "完了済み" not in body
    hub = client_for(chain.hub_owner)
    route = hub.get(f"/jobs/{job.uuid}/route/?supplier={chain.plater.uuid}")
    assert route.status_code == 200
    # The steps are chosen first; the shop asked for rides along with them.
    first = route.content.decode()
    assert f'<input type="hidden" name="supplier" value="{chain.plater.uuid}">' in first
    assert chain.plater.name in first


def test_the_request_page_refuses_the_wrong_method_and_who_manages_no_other_shop(chain):
    url = f"/workshops/{chain.plater.uuid}/request/"
    assert client_for(chain.hub_owner).post(url).status_code == 405
    assert client_for(chain.turner_floor).get(url).status_code == 404
    assert client_for(chain.staff).get(url).status_code == 404
    assert client_for(chain.plater_owner).get(url).status_code == 404  # its own shop only
    assert client_for(None).get(url).status_code == 302
    empty = client_for(chain.stranger_owner).get(url).content.decode()
    assert "依頼できる工程のある案件がありません" in empty
