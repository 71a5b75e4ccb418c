"""Home is a to-do list per role; floor staff land on the floor station, association staff on
their dashboard."""

from __future__ import annotations

import pytest

from orders.services.routing import order_request
from tests.conftest import client_for
from tests.orders.conftest import add, post_job, terms

from .factories import notify
from .test_subscriber import turned_and_shipped

pytestmark = pytest.mark.django_db


def requests_for_turner(chain, n: int):
    orders = []
    for _ in range(n):
        job = post_job(chain)
        step = add(job, chain, "L")
        orders.append(
            order_request(
                job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
            )
        )
    return orders


def section(response, code: str) -> str:
    html = response.content.decode()
    start = html.index(f'data-todo="{code}"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("n", [1, 7])
def test_the_supplier_sees_the_requests_waiting_one_tap_away(chain, n, django_assert_num_queries):
    orders = requests_for_turner(chain, n)
    notify(chain.turner_owner, 2, kind="document.issued", version=2)
    client = client_for(chain.turner_owner)
    # session, user, memberships, districts staffed; then per section a count and, when it is
    # not empty, its first five: requests (2), offers (1), arriving parts (1), late-risk jobs
    # (the user's roles, the count: 2), documents (2); the unread notifications (1)
    with django_assert_num_queries(13):
        response = client.get("/")
    assert response.status_code == 200
    requests = section(response, "requests")
    assert f'data-count="{n}"' in requests
    assert f"/orders/{orders[0].uuid}/" in requests
    assert requests.count("<li>") == min(n, 5)
    assert 'data-count="2"' in section(response, "documents")
    assert 'data-count="0"' in section(response, "offers")
    assert f"/workshops/{chain.turner.uuid}/jobs/new/" in response.content.decode()


def test_the_receiving_shop_sees_parts_on_their_way_and_others_nothing(chain, routed_job):
    job, steps, _ = routed_job
    turned_and_shipped(chain, steps)
    arriving = section(client_for(chain.grinder_owner).get("/"), "arriving")
    assert 'data-count="1"' in arriving
    assert f"/jobs/{job.uuid}/" in arriving
    assert 'data-count="0"' in section(client_for(chain.hub_owner).get("/"), "arriving")
    stranger = client_for(chain.stranger_owner).get("/")
    assert str(job.uuid) not in stranger.content.decode()


def test_floor_staff_land_on_the_floor_station_after_signing_in(chain, client):
    chain.turner_floor.set_password("pw-floor-1")
    chain.turner_floor.save()
    response = client.post(
        "/accounts/login/", {"username": "turner-floor", "password": "pw-floor-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/floor/"
    assert response.status_code == 200


def test_association_staff_land_on_their_dashboard(chain):
    response = client_for(chain.staff).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/districts/ota/dashboard/"


def test_someone_with_no_workshop_sees_the_plain_home(outsider):
    response = client_for(outsider).get("/")
    assert response.status_code == 200
    assert "data-todo" not in response.content.decode()


def test_the_anonymous_are_sent_to_sign_in():
    response = client_for(None).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_wrong_method_is_refused(chain):
    assert client_for(chain.turner_owner).post("/").status_code == 405
