"""The orders chain (a hub, a turner who passes grinding on to a grinder, a plater, a
stranger, district staff), and a way to act as a request does: commit, then let the worker
run."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from notifications.models import Notification
from notifications.tasks import fan_out
from orders.services.routing import order_request
from tests.board.conftest import board  # noqa: F401  (fixture)
from tests.orders import conftest as orders
from tests.orders.conftest import chain, routed_job  # noqa: F401  (fixtures)
from tests.tasks import run_tasks


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """`with act(): service(...)` commits (runs the on-commit callbacks) and then runs the
    worker's tasks. What the fixtures did before is not told: it happened before the test."""

    @contextmanager
    def acting():
        connection._notification_events = None
        # The fixtures' fan-outs were queued with their changes: they are not this test's.
        DBTaskResult.objects.filter(task_path=fan_out.module_path).delete()
        with django_capture_on_commit_callbacks(execute=True):
            yield
        # A task's own on-commit work may enqueue more (fan-out, then sending): run to the end.
        for _ in range(10):
            with django_capture_on_commit_callbacks(execute=True):
                ran = run_tasks()
            if not ran:
                break

    return acting


def told(kind: str | None = None) -> list[tuple[str, str]]:
    """(username, kind) of every notification, sorted."""
    qs = Notification.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return sorted(qs.values_list("user__username", "kind"))


def request_to_turner(shops, act):
    """The hub asks the turner for one turning step, committed and seen through by the worker."""
    job = orders.post_job(shops)
    step = orders.add(job, shops, "L")
    with act():
        return order_request(
            job=job,
            actor=shops.hub_owner,
            supplier=shops.turner,
            steps=[step],
            terms=orders.terms(),
        )
