"""Every query the project prepares (core/prepared.py) against its ORM twin, on the data of a
routed job: the same rows, the same field values, the same select_related objects; and the
mechanism's own promises (new parameters bind, constants stay, refusals at the first run)."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from core import prepared
from core.prepared import Prepared
from orders.access import STEP_TO_PERFORM
from orders.dag import JOB_LINKS, JOB_STEPS
from orders.events import LOCKED_JOB
from orders.joborders import JOB_ORDERS
from orders.models import Job, Step, StepStatus
from orders.rollups import WORKSHOP_DISTRICTS
from workshops.models import District, Membership
from workshops.selectors import USER_ROLES
from workshops.tokens import OPERATOR_TOKEN

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if k != "_state"}


def _same(found: list, expected: list) -> None:
    assert len(found) == len(expected)
    for a, b in zip(found, expected, strict=True):
        if not hasattr(b, "_meta"):
            assert a == b
            if isinstance(b, tuple):
                assert [type(x) for x in a] == [type(x) for x in b]
            else:  # a flat values_list
                assert type(a) is type(b)
            continue
        assert type(a) is type(b)
        assert _fields(a) == _fields(b)
        assert a._state.db == b._state.db and a._state.adding is False
        # select_related's objects come with the row, the same as the ORM's.
        for name, related in b._state.fields_cache.items():
            assert name in a._state.fields_cache
            if related is None:
                assert a._state.fields_cache[name] is None
            else:
                assert _fields(a._state.fields_cache[name]) == _fields(related)


def _cases(chain, routed_job) -> dict[Prepared, list[tuple]]:
    job, steps, _ = routed_job
    other = Job.objects.exclude(pk=job.pk).first()
    token = Token.objects.create(user=chain.turner_floor)
    for slug in ("prepared-a", "prepared-b"):
        District.objects.create(slug=slug, name_ja=slug).workshops.add(chain.hub)
    return {
        STEP_TO_PERFORM: [(steps["L"].uuid,), (str(steps["G"].uuid),), (uuid.uuid4(),)],
        USER_ROLES: [(chain.turner_owner.pk,), (chain.hub_floor.pk,), (chain.staff.pk,)],
        LOCKED_JOB: [(job.pk,), (-1,)] + ([(other.pk,)] if other else []),
        JOB_STEPS: [(job.pk,), (-1,)],
        JOB_LINKS: [(job.pk,), (-1,)],
        JOB_ORDERS: [(job.pk,), (-1,)],
        OPERATOR_TOKEN: [(token.key,), ("no-such-key",)],
        WORKSHOP_DISTRICTS: [(chain.hub.pk,), (-1,)],
    }


def test_every_prepared_query_reads_what_the_orm_reads(chain, routed_job):
    cases = _cases(chain, routed_job)
    # A query prepared anywhere in the project is covered here.
    assert set(cases) >= {p for p in prepared.REGISTRY if p.name != "test only"}
    with transaction.atomic():  # the job's lock needs one
        for query, calls in cases.items():
            for args in calls:
                for _run in range(2):  # the first run prepares, the second binds
                    with CaptureQueriesContext(connection) as ran:
                        found = query(*args)
                    assert len(ran.captured_queries) == 1, query
                    _same(found, list(query.queryset(*args)))
    assert STEP_TO_PERFORM(routed_job[1]["L"].uuid)[0].job.pk == routed_job[0].pk


def test_a_new_value_binds_where_the_marker_landed_and_constants_stay(chain, routed_job):
    job, steps, _ = routed_job
    started = Prepared(
        lambda job_id: (
            Step.objects.filter(job_id=job_id, status=StepStatus.IN_PROGRESS)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        int,
        name="test only",
    )
    try:
        assert started(job.pk) == []
        Step.objects.filter(pk=steps["G"].pk).update(status=StepStatus.IN_PROGRESS)
        assert started(job.pk) == [steps["G"].pk]
        assert started(-1) == []
    finally:
        prepared.REGISTRY.remove(started)


@pytest.mark.parametrize(
    "build, kinds",
    [
        (lambda pk: Step.objects.filter(pk=pk + 1), (int,)),  # a value made from it
        (lambda name: Step.objects.filter(title__icontains=name), (str,)),
        (lambda pk: Step.objects.filter(pk=pk).prefetch_related("orders"), (int,)),
        (lambda pk: Step.objects.filter(pk=pk).values("pk"), (int,)),
        (lambda pk: Step.objects.all(), (int,)),  # the parameter is never used
    ],
)
def test_what_cannot_be_prepared_is_refused_at_the_first_run(build, kinds):
    query = Prepared(build, *kinds, name="test only")
    try:
        with pytest.raises(ImproperlyConfigured):
            query(1 if kinds[0] is int else "x")
    finally:
        prepared.REGISTRY.remove(query)


def test_the_wrong_number_of_parameters_is_refused():
    with pytest.raises(TypeError):
        USER_ROLES(1, 2)


@pytest.mark.skipif(
    not connection.features.has_select_for_update, reason="the database locks no rows"
)
@pytest.mark.django_db(transaction=True)  # no test transaction around it
def test_a_lock_outside_a_transaction_is_refused_as_the_orm_refuses_it(routed_job):
    with pytest.raises(TransactionManagementError):
        LOCKED_JOB(routed_job[0].pk)


def test_the_roles_of_a_user_follow_their_memberships(chain):
    before = set(USER_ROLES(chain.turner_floor.pk))
    Membership.objects.filter(user=chain.turner_floor).delete()
    assert before and USER_ROLES(chain.turner_floor.pk) == []


def test_read_together_reads_what_each_query_reads_in_one_round_trip(chain, routed_job):
    """On PostgreSQL the queries go as one multi-statement query, the lock first; elsewhere one
    after the other. Either way each result is the query's own."""
    job, steps, _ = routed_job
    calls = [
        (LOCKED_JOB, (job.pk,)),
        (JOB_STEPS, (job.pk,)),
        (JOB_LINKS, (job.pk,)),
        (JOB_ORDERS, (job.pk,)),
        (USER_ROLES, (chain.turner_owner.pk,)),
        (STEP_TO_PERFORM, (uuid.uuid4(),)),
    ]
    with transaction.atomic():
        alone = [query(*args) for query, args in calls]
        with CaptureQueriesContext(connection) as ran:
            found = prepared.read_together(*calls)
    assert len(ran.captured_queries) == (1 if connection.vendor == "postgresql" else len(calls))
    for rows, expected in zip(found, alone, strict=True):
        _same(rows, expected)
    assert found[-1] == [] and len(found[1]) == len(steps)
