"""Two requests at once: the row locks and the idempotency key make exactly one of them count.

PostgreSQL only: SQLite serialises every writer on one file lock, so it cannot show a race.
Each racer runs in its own thread with its own connection, lined up on a Barrier, and the
locked section is stretched a little so the second racer surely arrives while the first holds
the lock.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from core.services import Refused
from orders.models import OrderDocument, ProgressEvent, StepStatus
from orders.services import progress as progress_services
from orders.services.progress import step_done, step_start
from orders.services.routing import order_accept, order_request
from tests.orders.conftest import add, post_job, refreshed, terms

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL (set DATABASE_URL): SQLite serialises all writers, so "
        "there is no race to test",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def slow_recompute(monkeypatch):
    """Every service ends with recompute() while it holds the job lock: linger there."""
    original = progress_services.recompute

    def lingering(*args, **kwargs):
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(progress_services, "recompute", lingering)


def race(*calls):
    """Run `calls` at the same moment, each in its own thread; return ('ok', value) or
    ('refused', error) per call. Any other exception fails the test."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", call())
        except Refused as error:
            results[i] = ("refused", error)
        except BaseException as error:
            results[i] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a racer hung"
    for outcome in results:
        assert outcome[0] != "error", repr(outcome[1])
    return results


def in_progress_step(chain):
    job = post_job(chain)
    step = add(job, chain, "L", 2)
    step_start(step=step, actor=chain.hub_floor)
    return job, refreshed(step)


def test_two_step_done_at_once_make_one_transition(chain, slow_recompute):
    job, step = in_progress_step(chain)
    seq = refreshed(job).last_seq
    results = race(
        lambda: step_done(step=step, actor=chain.hub_floor, good=100),
        lambda: step_done(step=step, actor=chain.hub_owner, good=90, scrap=10),
    )
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["ok", "refused"]
    refusal = next(r[1] for r in results if r[0] == "refused")
    assert refusal.code == "bad_state_done"
    winner = next(r[1] for r in results if r[0] == "ok")
    step = refreshed(step)
    assert step.status == StepStatus.DONE and step.good_qty == winner.good_qty
    assert ProgressEvent.objects.filter(step=step, kind="step.done").count() == 1
    job = refreshed(job)
    seqs = list(job.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, job.last_seq + 1)) and job.last_seq > seq


def test_two_calls_with_the_same_idempotency_key_apply_once(chain, slow_recompute):
    job, step = in_progress_step(chain)
    results = race(
        lambda: step_done(step=step, actor=chain.hub_floor, good=100, idempotency_key="tap-42"),
        lambda: step_done(step=step, actor=chain.hub_floor, good=100, idempotency_key="tap-42"),
    )
    assert [r[0] for r in results] == ["ok", "ok"]
    assert {r[1].pk for r in results} == {step.pk}
    assert sorted(bool(getattr(r[1], "_replayed", False)) for r in results) == [False, True]
    assert refreshed(step).status == StepStatus.DONE
    assert ProgressEvent.objects.filter(step=step, kind="step.done").count() == 1
    job = refreshed(job)
    assert job.events.count() == job.last_seq


def test_two_accepts_at_once_make_one_acceptance_and_one_document(chain, slow_recompute):
    job = post_job(chain)
    turn = add(job, chain, "L")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    results = race(
        lambda: order_accept(order=order, actor=chain.turner_owner),
        lambda: order_accept(order=order, actor=chain.turner_owner),
    )
    assert sorted(r[0] for r in results) == ["ok", "refused"]
    assert next(r[1] for r in results if r[0] == "refused").code == "not_requested"
    assert OrderDocument.objects.filter(order=order).count() == 1
    assert ProgressEvent.objects.filter(order=order, kind="order.accepted").count() == 1
    assert ProgressEvent.objects.filter(order=order, kind="document.issued").count() == 1
    job = refreshed(job)
    assert job.events.count() == job.last_seq
