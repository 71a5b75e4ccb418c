"""Schemathesis over every operation of the published schema (/api/v1/schema/): generated
requests, bounded to 25 examples per operation and derandomized so a run repeats, must never
get a server error nor an answer that the schema does not describe.

The requests are signed in with a token and aimed at real objects (a routed job of the
chain, its steps and orders, a district): with random ids every answer would be a 404."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

# Read at collection, like a client would: the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request (request_finished),
    which would end the test's transaction on PostgreSQL; Django's own test client holds these
    signals off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def signed_in(user, chain, routed_job, district, settings):
    """Headers for `user` and the real objects to aim at. Throttles are off: this is many
    requests from one client."""
    settings.API_THROTTLE_RATES = {}
    job, steps, orders = routed_job
    for workshop in (chain.hub, chain.turner, chain.grinder, chain.plater):
        workshop.districts.add(district)
    token, _ = Token.objects.get_or_create(user=user)
    targets = {
        "job_uuid": job.uuid,
        "step_uuid": steps["G"].uuid,
        "part_uuid": steps["G"].part.uuid,
        "predecessor_uuid": steps["L"].uuid,
        "order_uuid": orders["sub"].uuid,
        "workshop_uuid": chain.grinder.uuid,
        "slug": district.slug,
    }
    return {"Authorization": f"Token {token.key}"}, targets


@pytest.fixture
def as_the_hub(chain, routed_job, district, settings):
    """The hub sees the whole job."""
    return signed_in(chain.hub_owner, chain, routed_job, district, settings)


@pytest.fixture
def as_the_grinder(chain, routed_job, district, settings):
    """The grinder sees its sub-order only, and not the order it comes from."""
    return signed_in(chain.grinder_owner, chain, routed_job, district, settings)


def call_and_check(case, headers, targets) -> None:
    for name in list(case.path_parameters or {}):
        if name in targets:
            case.path_parameters[name] = str(targets[name])
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


BOUNDED = hypothesis.settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)


@schema.parametrize()
@BOUNDED
def test_no_operation_fails_or_answers_outside_its_schema_for_the_hub(case, as_the_hub):
    call_and_check(case, *as_the_hub)


@schema.parametrize()
@BOUNDED
def test_no_operation_fails_or_answers_outside_its_schema_for_a_sub_supplier(case, as_the_grinder):
    call_and_check(case, *as_the_grinder)
