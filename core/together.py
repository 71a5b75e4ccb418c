"""Writes that need no answer, sent to the database with the next statement instead of alone.

A floor tap writes a handful of rows whose statements return nothing the service reads: the
step's new state, the day's counters, a lead time, the projection, the job's seq. Each was a
round trip of its own, and each round trip costs the request the wait and the driver's and
Django's work around it (docs/BENCHMARKS.md, "Writes, fifth pass").

Inside `writes_together()` on PostgreSQL, such a write (`queue_write`, which
`core.prepared.save_fields`, `add_to` and `insert(..., returning=False)` use) is held back and
sent in front of the next statement the connection executes, whatever it is (a read, an
insert that returns its id, a savepoint's release or rollback), as one multi-statement query:
psycopg's client-side binding cursors (Django's default) send it with the simple query
protocol, and the server runs the statements in order in the transaction. What is still held
at the end of the block is sent then, in one query. So every statement sees every write made
before it, exactly as if each had been sent alone, and the answers come back in one trip.

The rules that keep this exact:
- The block is entered directly inside the transaction or savepoint it writes in
  (`atomic_together`): an exception that leaves the block leaves that atomic block too, which
  rolls back, so what the block still holds is dropped with it.
- A held write that fails (a constraint, a row that was not there to update) is raised by the
  statement that carries it, inside the same block.
- `before_end(callback)`: work to do once the block's own work is done and before what it
  holds is sent (the notifications' task row, written once for all of the block's events).

Elsewhere (SQLite, a server-side binding cursor, no block), `queue_write` executes at once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.transaction import TransactionManagementError


class HeldWriteFailed(Exception):
    """A held write changed another number of rows than it must (`queue_write`'s `rows`)."""


class _Held:
    """The writes held on one connection, and the execute wrapper that sends them in front of
    the connection's next statement."""

    def __init__(self) -> None:
        self.writes: list[
            tuple[str, Sequence[Any], int | None, Callable[[], Exception] | None]
        ] = []
        self.before_end: list[Callable[[], None]] = []
        self.failed = False

    def take(self) -> list:
        writes, self.writes = self.writes, []
        return writes

    def __call__(self, execute, sql, params, many, context):
        if not self.writes:
            return execute(sql, params, many, context)
        writes = self.take()
        savepoint = _savepoint_statement(sql)
        if savepoint == "ROLLBACK TO SAVEPOINT":
            # Every write still held was made since that savepoint (its creation sent what
            # was held before): rolled back unsent.
            return execute(sql, params, many, context)
        try:
            if many or savepoint or getattr(context["cursor"].cursor, "name", None):
                # The held writes go first, alone (through a cursor of their own), their
                # counts checked: before an executemany, a server-side cursor's DECLARE, or a
                # savepoint's creation or release. A release whose writes fail their check
                # rolls the savepoint back first, as the block would have had they failed
                # inside it.
                with context["connection"].cursor() as cursor:
                    cursor.execute(_joined(cursor.cursor, writes), None)
                    try:
                        _check(cursor.cursor, writes)
                    except Exception:
                        if savepoint == "RELEASE SAVEPOINT":
                            name = sql.split()[-1]
                            cursor.execute(
                                f"ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}", None
                            )
                        raise
                return execute(sql, params, many, context)
            return _send(execute, writes, sql, params, context)
        except DatabaseError:
            # A held write failed at a later statement, maybe inside a handler meant for that
            # one: the transaction cannot commit now, and the block's end says so.
            self.failed = True
            context["connection"].needs_rollback = True
            raise


def _send(execute, writes, sql, params, context):
    """Execute `writes` and then `sql` as one query; leave the cursor on the result of `sql`,
    after checking each write's row count."""
    cursor = context["cursor"].cursor
    text = _joined(cursor, writes)
    # Each statement is bound on its own (psycopg caches how it splits each one) and the
    # whole is sent as it is, without parameters.
    carried = sql if params is None else cursor.mogrify(sql, params)
    result = execute(f"{text}; {carried}", None, False, context)
    _check(cursor, writes)
    return result


def _savepoint_statement(sql: str) -> str | None:
    head = sql.lstrip()[:24].upper()
    for statement in ("ROLLBACK TO SAVEPOINT", "RELEASE SAVEPOINT", "SAVEPOINT"):
        if head.startswith(statement):
            return statement
    return None


def _joined(cursor, writes) -> str:
    return "; ".join(cursor.mogrify(text, params) for text, params, _, _ in writes)


def _check(cursor, writes) -> None:
    """Step the cursor past each write's result, checking its row count."""
    for _text, _params, rows, error in writes:
        _counted(cursor.rowcount, rows, error)
        cursor.nextset()


def _counted(found: int, rows: int | None, error: Callable[[], Exception] | None) -> None:
    """Raise the write's error when it changed another number of rows than it must."""
    if rows is not None and found != rows:
        raise (error() if error else HeldWriteFailed(f"{found} rows, not {rows}"))


def _held(connection) -> _Held | None:
    return getattr(connection, "_held_writes", None)


def can_send_together(connection) -> bool:
    """PostgreSQL through psycopg 3 with client-side binding (Django's default): one execute
    may carry several statements, and the cursor steps through their results."""
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3 and not connection.settings_dict.get("OPTIONS", {}).get(
        "server_side_binding"
    )


@contextmanager
def writes_together(using: str = DEFAULT_DB_ALIAS, *, commit: bool = False) -> Iterator[None]:
    """Hold the block's `queue_write`s and send them with the next statement (see above).
    Entered inside a block already holding, it joins that one.

    With `commit`, the block is the whole of the transaction's work, and the transaction's
    atomic block ends right after it (`atomic_together` outside any transaction): what it
    still holds at the end goes with the transaction's COMMIT, in one round trip. The atomic
    block's own commit then finds the transaction committed, and runs its on-commit work."""
    connection = connections[using]
    if _held(connection) is not None or not can_send_together(connection):
        yield
        return
    if not connection.in_atomic_block:
        raise TransactionManagementError("Writes are held together inside a transaction only.")
    held = connection._held_writes = _Held()
    try:
        with connection.execute_wrapper(held):
            yield
            while held.before_end:
                held.before_end.pop(0)()
            if held.failed:
                raise TransactionManagementError(
                    "A held write failed: the transaction is rolled back."
                )
            writes = held.take()
            if writes and commit and not connection.needs_rollback:
                _send_with_commit(connection, writes)
            elif writes:
                with connection.cursor() as cursor:
                    cursor.execute(_joined(cursor.cursor, writes), None)
                    _check(cursor.cursor, writes)
    finally:
        connection._held_writes = None


def _send_with_commit(connection, writes) -> None:
    """The last held writes and the COMMIT, in one query. A write whose row count is checked
    is checked by the server, before the COMMIT: wrapped so that another count fails the
    query (a text that is no integer, naming the write and computed from the count, so that
    the planner cannot fold it ahead), and so nothing is committed."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        texts = []
        for index, (text, params, rows, _error) in enumerate(writes):
            statement = raw.mogrify(text, params)
            if rows is not None:
                statement = (
                    f"WITH held AS ({statement} RETURNING 1) SELECT CASE WHEN count(*) = "
                    f"{int(rows)} THEN 0 ELSE CAST('{_GUARD}{index}:' || count(*) AS integer) "
                    "END FROM held"
                )
            texts.append(statement)
        try:
            cursor.execute("; ".join([*texts, "COMMIT"]), None)
        except DatabaseError as exc:
            guarded = _guarded(exc)
            if guarded is None:
                raise
            index, found = guarded
            _text, _params, rows, error = writes[index]
            try:
                _counted(found, rows, error)
            except Exception as failed:
                raise failed from exc
            raise


_GUARD = "held-write-"


def _guarded(exc: DatabaseError) -> tuple[int, int] | None:
    """(the index of the checked write whose count failed the query, the rows it changed), if
    that is the error: its text reads `held-write-<index>:<count>`."""
    match = _GUARDED.search(str(exc))
    return (int(match[1]), int(match[2])) if match else None


_GUARDED = re.compile(re.escape(_GUARD) + r"(\d+):(\d+)")


def atomic_together(service: Callable) -> Callable:
    """`transaction.atomic`, with the service's body run in `writes_together` (and, outside
    any transaction, its last writes sent with the COMMIT). The decorated function's
    `__wrapped__` (what `core.services.idempotent` runs in its own transaction) is the body
    with its writes held."""

    @functools.wraps(service)
    def together(*args: Any, **kwargs: Any) -> Any:
        with writes_together():
            return service(*args, **kwargs)

    @functools.wraps(service)
    def atomic(*args: Any, **kwargs: Any) -> Any:
        outermost = not transaction.get_connection().in_atomic_block
        with transaction.atomic(), writes_together(commit=outermost):
            return service(*args, **kwargs)

    atomic.__wrapped__ = together  # type: ignore[attr-defined]
    return atomic


def queue_write(
    connection,
    sql: str,
    params: Sequence[Any],
    *,
    rows: int | None = None,
    error: Callable[[], Exception] | None = None,
) -> None:
    """Execute `sql`, a write whose result nobody reads, now or (in `writes_together` on
    PostgreSQL) with the connection's next statement. With `rows`, it must change exactly that
    many rows, else `error()` (or `HeldWriteFailed`) is raised, by whichever statement sends it."""
    held = _held(connection)
    if held is not None:
        held.writes.append(
            (sql, params if isinstance(params, Mapping) else list(params), rows, error)
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        _counted(cursor.rowcount, rows, error)


def before_end(callback: Callable[[], None], using: str = DEFAULT_DB_ALIAS) -> bool:
    """Run `callback` at the end of the current `writes_together` block, before what it holds
    is sent. False (and nothing registered) when no block holds writes on this connection."""
    held = _held(connections[using])
    if held is None:
        return False
    held.before_end.append(callback)
    return True


def holding(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a `writes_together` block holds writes on this connection now."""
    return _held(connections[using]) is not None
