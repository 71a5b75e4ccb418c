"""The load page and endpoint (負荷): a shop's committed hours per week against its capacity,
for its owners and managers only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from orders.load import week_start
from orders.models import Step
from orders.services.routing import order_accept, order_request
from tests.conftest import client_for, make_user
from tests.orders.conftest import add, post_job, terms
from tests.orders.test_load import capacity, project
from workshops import services as workshop_services
from workshops.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_turner(chain):
    """The turner accepted 12 h of milling this week (capacity 10 h: over) and 6 h of turning
    next week (capacity 10 h)."""
    job = post_job(chain)
    turn = add(job, chain, "L", 6)
    mill = add(job, chain, "M", 12, after=[turn])
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn, mill], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    project(Step.objects.get(pk=mill.pk), 0, 2)
    project(Step.objects.get(pk=turn.pk), 7, 11)
    capacity(chain.turner, "L", 10)
    capacity(chain.turner, "M", 10)
    return chain.turner


def url(workshop) -> str:
    return f"/workshops/{workshop.uuid}/load/"


def test_the_owner_sees_hours_against_capacity_with_over_capacity_in_words(chain, busy_turner):
    response = client_for(chain.turner_owner).get(url(busy_turner))
    html = response.content.decode()
    assert response.status_code == 200
    assert "田中旋盤の負荷" in html
    assert "今週" in html
    assert "12.0 / 10 h" in html  # milling this week
    assert "120%" in html
    assert "能力超過" in html  # in words, not by colour alone
    assert html.count('class="load-cell over"') == 1
    assert "6.0 / 10 h" in html  # turning next week
    assert "60%" in html
    assert "能力の申告なし" in html  # grinding: no capacity declared


def test_a_manager_sees_it_too(chain, busy_turner):
    manager = make_user("turner-manager")
    workshop_services.membership_add(
        workshop=busy_turner, user=manager, role=Role.MANAGER, actor=chain.turner_owner
    )
    assert client_for(manager).get(url(busy_turner)).status_code == 200


@pytest.mark.parametrize("who", ["turner_floor", "hub_owner", "stranger_owner", "staff"])
def test_floor_staff_and_everyone_else_get_404(chain, busy_turner, who):
    assert client_for(getattr(chain, who)).get(url(busy_turner)).status_code == 404
    api = client_for(getattr(chain, who)).get(f"/api/v1{url(busy_turner)}")
    assert api.status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(chain, busy_turner):
    response = client_for(None).get(url(busy_turner))
    assert response.status_code == 302


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_answers_405_to_a_wrong_method(chain, busy_turner, method):
    response = getattr(client_for(chain.turner_owner), method)(url(busy_turner))
    assert response.status_code == 405


def test_the_managers_pages_link_to_it(chain):
    client = client_for(chain.turner_owner)
    link = f'href="{url(chain.turner)}"'
    for page in ("/", f"/workshops/{chain.turner.uuid}/edit/", f"/workshops/{chain.turner.uuid}/"):
        assert link in client.get(page).content.decode(), page
    floor = client_for(chain.turner_floor)
    for page in ("/", f"/workshops/{chain.turner.uuid}/"):
        assert link not in floor.get(page).content.decode(), page


def test_the_api_gives_the_same_table(chain, busy_turner):
    response = client_for(chain.turner_owner).get(f"/api/v1{url(busy_turner)}")
    assert response.status_code == 200
    body = response.json()
    assert body["weeks"][0] == week_start(timezone.localdate()).isoformat()
    assert len(body["weeks"]) == 8
    rows = {row["process"]: row for row in body["processes"]}
    assert list(rows) == ["L", "M", "G"]
    assert rows["M"]["capacity"] == 10
    assert rows["M"]["weeks"][0] == {
        "week": body["weeks"][0],
        "hours": "12.00",
        "capacity": 10,
        "percent": 120,
        "over": True,
    }
    assert rows["L"]["weeks"][1]["hours"] == "6.00"
    assert rows["G"]["weeks"][0]["percent"] is None
    assert rows["M"]["name"] == "フライス削り"


@pytest.mark.parametrize("count", [1, 10])
def test_the_page_costs_the_same_whatever_the_number_of_steps(
    chain, busy_turner, django_assert_num_queries, count
):
    for i in range(count):
        job = post_job(chain, part_name=f"ピン{i}")
        step = add(job, chain, "L", 2)
        order = order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
        )
        order_accept(order=order, actor=chain.turner_owner)
    client = client_for(chain.turner_owner)
    # session, user; the workshop (may the user manage it?); the committed steps; the declared
    # capacities; the processes named; the navigation's memberships
    with django_assert_num_queries(7):
        response = client.get(url(busy_turner))
    assert response.status_code == 200
    # The same without the navigation.
    with django_assert_num_queries(6):
        response = client.get(f"/api/v1{url(busy_turner)}")
    assert response.status_code == 200
