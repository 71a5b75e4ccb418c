"""The queries of a floor tap through the API, counted and pinned (hold, resume, done), so a
change that adds one is seen. What each is, in order, for a hold:

 1    the token and its user
 2–8  the job's access for the user: the job, the user's memberships, the job's orders, their
      steps, the job's steps, then the step itself
 9–12 savepoints and the idempotency key claimed
 13–17 the service: the step's job, the job locked, the step locked, the performer's membership,
      the step written
 18–19 the event: the job's seq, the event row
 20–21 where the event goes: the performing shop, the orders' buyers and suppliers
 22–31 readiness, the job's status and the schedule: the job's steps, the orders' steps, the
      links, the hand-offs, the statuses, then the schedule's steps, links, order dates, one
      bulk update
 32–34 savepoints released and the idempotency key's result
 35–36 the answer: the step and its links
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from orders.services.progress import step_hold, step_start

pytestmark = pytest.mark.django_db

QUERIES = {"hold": 36, "resume": 36, "done": 41}


@pytest.mark.parametrize("action", ["hold", "resume", "done"])
def test_a_floor_tap_through_the_api_costs_a_pinned_number_of_queries(chain, routed_job, action):
    _job, steps, _ = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    if action == "resume":
        step_hold(step=turn, actor=chain.turner_floor, reason="material")
    token = Token.objects.create(user=chain.turner_floor).key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    body = {
        "hold": {"reason": "material", "note": "SUS304 入荷待ち"},
        "resume": {},
        "done": {"good": 90, "scrap": 0},
    }[action]
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/steps/{turn.uuid}/{action}/",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"tap-{action}",
        )
    assert response.status_code == 200, response.content
    assert len(queries) == QUERIES[action], "\n".join(q["sql"][:120] for q in queries)
    # No query opens a connection of its own: one per request, from the pool on PostgreSQL.
    assert connection.connection is not None
