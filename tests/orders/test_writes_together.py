"""Writes held together (core/together.py): on PostgreSQL a held write travels with the next
statement, which sees it; what is left goes at the block's end; a failure, an exception or a
rolled-back savepoint loses nothing and keeps nothing it should not. On SQLite every write is
sent at once, as before."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.prepared import add_to, save_fields
from core.together import (
    HeldWriteFailed,
    atomic_together,
    before_end,
    holding,
    queue_write,
    writes_together,
)
from orders.models import Step, StepDayStat

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="writes are held on PostgreSQL only"
)


def _title(pk: int) -> str:
    return Step.objects.values_list("title", flat=True).get(pk=pk)


def _titled(step: Step, title: str) -> None:
    step.title = title
    save_fields(step, ["title"])


@postgres_only
def test_a_held_write_travels_with_the_next_statement_which_sees_it(routed_job):
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    with transaction.atomic(), writes_together():
        with CaptureQueriesContext(connection) as ran:
            _titled(step, "held")
            assert len(ran.captured_queries) == 0  # nothing sent yet
            assert holding()
            # The read goes with the write in front of it, and reads what it wrote.
            assert _title(step.pk) == "held"
        assert len(ran.captured_queries) == 1
    assert not holding()
    assert _title(step.pk) == "held"


@postgres_only
def test_what_is_still_held_goes_at_the_end_in_one_query(routed_job):
    steps = routed_job[1]
    day_keys = {"day": "2027-01-13", "workshop_id": steps["L"].workshop_id}
    with CaptureQueriesContext(connection) as ran, transaction.atomic():
        with writes_together():
            _titled(Step.objects.get(pk=steps["L"].pk), "one")
            _titled(Step.objects.get(pk=steps["G"].pk), "two")
            add_to(
                StepDayStat, {**day_keys, "process_id": steps["L"].process_id}, {"steps_done": 2}
            )
            sent = len(ran.captured_queries)
        assert len(ran.captured_queries) == sent + 1
    assert (_title(steps["L"].pk), _title(steps["G"].pk)) == ("one", "two")
    assert StepDayStat.objects.get(process_id=steps["L"].process_id).steps_done == 2


@postgres_only
def test_a_held_write_that_finds_no_row_is_raised_by_the_statement_that_carries_it(routed_job):
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    gone = Step(pk=-1, title="nobody")
    with pytest.raises(Step.DoesNotExist), transaction.atomic(), writes_together():
        _titled(step, "rolled back")
        save_fields(gone, ["title"])
        Step.objects.count()  # carries both: the second one changes no row
    assert _title(step.pk) != "rolled back"


@postgres_only
def test_an_exception_drops_what_is_held_with_its_transaction(routed_job):
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    before = _title(step.pk)
    with pytest.raises(RuntimeError), transaction.atomic(), writes_together():
        _titled(step, "never")
        raise RuntimeError
    assert _title(step.pk) == before


@postgres_only
def test_a_rolled_back_savepoint_takes_only_its_own_writes(routed_job):
    steps = routed_job[1]
    kept, dropped = Step.objects.get(pk=steps["L"].pk), Step.objects.get(pk=steps["G"].pk)
    with transaction.atomic(), writes_together():
        _titled(kept, "kept")
        try:
            with transaction.atomic():  # a savepoint: created by a statement that carries "kept"
                _titled(dropped, "dropped")
                raise RuntimeError
        except RuntimeError:
            pass  # its rollback statement carried "dropped" before rolling it back
    assert _title(kept.pk) == "kept"
    assert _title(dropped.pk) != "dropped"


@postgres_only
def test_before_end_runs_after_the_blocks_work_and_its_writes_are_held_too(routed_job):
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    seen = []
    with transaction.atomic(), CaptureQueriesContext(connection) as ran:
        with writes_together():
            assert before_end(lambda: (seen.append("end"), _titled(step, "at the end")))
            _titled(step, "in the block")
            seen.append("block")
        # the block's write and the one made at its end: one query
        assert len(ran.captured_queries) == 1
    assert seen == ["block", "end"]
    assert _title(step.pk) == "at the end"


@postgres_only
def test_an_inner_block_joins_the_outer_one(routed_job):
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    with transaction.atomic(), writes_together():
        with writes_together():
            _titled(step, "inner")
        assert holding()  # still held: the outer block sends it
        with CaptureQueriesContext(connection) as ran:
            assert _title(step.pk) == "inner"
        assert len(ran.captured_queries) == 1


@postgres_only
def test_executemany_and_a_literal_percent_after_held_writes(routed_job):
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    with transaction.atomic(), writes_together():
        _titled(step, "100% done")
        with connection.cursor() as cursor:
            cursor.execute("SELECT '50%%' || title FROM orders_step WHERE id = %s", [step.pk])
            assert cursor.fetchone() == ("50%100% done",)
        _titled(step, "again")
        with connection.cursor() as cursor:
            cursor.execute("SELECT '5%' || 'x'")  # no parameters: % is literal
            assert cursor.fetchone() == ("5%x",)
        _titled(step, "many")
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE orders_step SET quantity = %s WHERE id = %s", [(3, step.pk)])
    assert _title(step.pk) == "many"
    assert Step.objects.get(pk=step.pk).quantity == 3


@postgres_only
def test_a_wrong_row_count_without_an_error_of_its_own(routed_job):
    step = routed_job[1]["L"]
    with pytest.raises(HeldWriteFailed), transaction.atomic(), writes_together():
        queue_write(
            connection, "UPDATE orders_step SET title = %s WHERE id = %s", ["x", step.pk], rows=2
        )


def test_outside_a_block_or_on_sqlite_a_write_is_sent_at_once(routed_job):
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    with CaptureQueriesContext(connection) as ran:
        _titled(step, "now")
    assert len(ran.captured_queries) == 1
    if connection.vendor != "postgresql":
        with transaction.atomic(), writes_together(), CaptureQueriesContext(connection) as ran:
            _titled(step, "now too")
            assert len(ran.captured_queries) == 1
            assert not holding()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_writes_are_held_inside_a_transaction_only():
    with pytest.raises(transaction.TransactionManagementError), writes_together():
        pass


def test_atomic_together_holds_in_its_body_and_under_an_idempotency_key(chain, routed_job):
    from core.services import idempotent

    step = routed_job[1]["L"]
    seen = []

    @idempotent("step.test", Step)
    @atomic_together
    def touch(*, actor, step):
        seen.append(holding())
        return step

    touch(actor=None, step=step)
    touch(actor=chain.hub_owner, step=step, idempotency_key="k-1")
    expected = connection.vendor == "postgresql"
    assert seen == [expected, expected]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_last_writes_go_with_the_commit(chain, routed_job):
    """A tap service called outside any transaction (as a request calls it) sends what it
    still holds with the COMMIT: one round trip; the on-commit work runs after it, as always,
    and a failure leaves nothing behind."""
    step = routed_job[1]["L"]
    committed = []

    @atomic_together
    def retitle(*, title: str, fail: bool = False) -> None:
        transaction.on_commit(lambda: committed.append(title))
        _titled(Step.objects.get(pk=step.pk), title)
        if fail:
            raise RuntimeError

    with CaptureQueriesContext(connection) as ran:
        retitle(title="committed")
    sent = [q["sql"] for q in ran.captured_queries]
    # The write, its row count checked by the server, and the COMMIT: one query.
    assert sent[-2].startswith('WITH held AS (UPDATE "orders_step"')
    assert sent[-2].endswith("; COMMIT")
    assert sent[-1] == "COMMIT"  # Django's own, which found the transaction committed
    assert committed == ["committed"]
    assert connection.connection.info.transaction_status == 0  # idle: nothing left open
    assert _title(step.pk) == "committed"

    with pytest.raises(RuntimeError):
        retitle(title="never", fail=True)
    assert committed == ["committed"]
    assert _title(step.pk) == "committed"

    # Inside a transaction it commits nothing: the transaction's owner does.
    with transaction.atomic():
        retitle(title="inner")
        assert connection.connection.info.transaction_status != 0
    assert committed == ["committed", "inner"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_write_that_fails_its_check_with_the_commit_commits_nothing(chain, routed_job):
    """The last writes travel with the COMMIT: their row counts are checked by the server
    before it, so a failed check leaves nothing committed and no on-commit work run."""
    step = routed_job[1]["L"]
    committed = []

    @atomic_together
    def retitle() -> None:
        transaction.on_commit(lambda: committed.append(1))
        _titled(Step.objects.get(pk=step.pk), "rolled back")
        save_fields(Step(pk=-1, title="gone"), ["title"])  # changes no row

    before = _title(step.pk)
    with pytest.raises(Step.DoesNotExist):
        retitle()
    assert _title(step.pk) == before
    assert committed == []
    assert connection.connection.info.transaction_status == 0


@postgres_only
def test_a_savepoint_whose_writes_fail_their_check_is_rolled_back(routed_job):
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    with transaction.atomic(), writes_together():
        _titled(step, "before the savepoint")
        try:
            with transaction.atomic():
                _titled(step, "inside the savepoint")
                save_fields(Step(pk=-1, title="gone"), ["title"])
        except Step.DoesNotExist:
            pass
        assert _title(step.pk) == "before the savepoint"
        try:
            with transaction.atomic():
                _titled(step, "rolled back with its savepoint")
                raise RuntimeError
        except RuntimeError:
            pass
    assert _title(step.pk) == "before the savepoint"


@postgres_only
def test_a_held_write_failing_at_a_later_statement_cannot_commit_quietly(chain, routed_job):
    """A held write's error surfaces at the statement that carries it, which may sit in a
    handler meant for that statement: the transaction then refuses to commit."""
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    other = Step.objects.exclude(pk=step.pk).filter(job_id=step.job_id).first()
    with (
        pytest.raises(transaction.TransactionManagementError),
        transaction.atomic(),
        writes_together(),
    ):
        queue_write(
            connection,
            "UPDATE orders_step SET uuid = %s WHERE id = %s",
            [other.uuid, step.pk],  # a duplicate key
        )
        try:
            with transaction.atomic():  # its SAVEPOINT carries the failing write
                pass
        except IntegrityError:
            pass  # meant for the savepoint's own work
    assert Step.objects.get(pk=step.pk).uuid != other.uuid


@postgres_only
def test_a_server_side_cursor_and_named_parameters_after_held_writes(routed_job):
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    sql = "UPDATE orders_step SET title = %(title)s WHERE id = %(id)s"
    with transaction.atomic(), writes_together():
        queue_write(connection, sql, {"title": "named", "id": step.pk})
        titles = Step.objects.filter(pk=step.pk).values_list("title", flat=True)
        assert list(titles.iterator(chunk_size=10)) == ["named"]


def test_events_are_named_for_work_after_the_commit_by_key_or_by_job_and_seq(chain, routed_job):
    """Webhooks and notifications name a tap's events after the commit; where the tap held its
    writes, by (job, seq): both read back the same events."""
    from integrations import subscriber as webhooks
    from orders.events import events_named
    from orders.models import ProgressEvent
    from orders.services.progress import step_start

    webhooks._any_active.update(checked=float("inf"), answer=True)
    try:
        connection._webhook_events = None
        with transaction.atomic():
            step_start(step=routed_job[1]["L"], actor=chain.turner_owner)
            refs = list(connection._webhook_events)
    finally:
        webhooks.endpoints_changed()
    assert None not in refs
    named = list(ProgressEvent.objects.filter(events_named(refs)).values_list("kind", flat=True))
    assert named == ["step.started"]
    by_key = ProgressEvent.objects.filter(kind="step.started").values_list("pk", flat=True)
    assert list(ProgressEvent.objects.filter(events_named(list(by_key)))) == list(
        ProgressEvent.objects.filter(kind="step.started")
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_count_with_the_commit_says_how_many_rows_it_changed(chain, routed_job):
    step = routed_job[1]["L"]

    @atomic_together
    def retitle() -> None:
        queue_write(
            connection, "UPDATE orders_step SET title = %s WHERE id = %s", ["x", step.pk], rows=2
        )

    with pytest.raises(HeldWriteFailed, match="1 rows, not 2"):
        retitle()
    assert _title(step.pk) != "x"
