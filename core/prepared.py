"""Hot-path SELECTs: compiled by the ORM once per database, then run with new parameters.

Django compiles a QuerySet to SQL every time it is evaluated: the joins, select_related's
columns, the ordering and the converters are worked out again for each request. For the few
statements every floor tap makes (the step with its job, the user's shops, the job's lock, its
steps and links, its orders, the API token), that compile was a quarter of the request's
Python (docs/BENCHMARKS.md, "Writes, fourth pass").

A `Prepared` query is an ordinary QuerySet, written by a function of its parameters. Its first
run on a database builds it with marker values, lets the ORM compile it, and notes where each
marker landed among the statement's parameters; every later run binds the new values there and
reads the rows through a compiler of the same query: the same converters, the same model
instances, select_related's objects included, and the same query in `connection.queries`.

What a builder may do is narrow on purpose:
- it is a pure function of its parameters (no clock, no settings read per call): anything else
  it puts in the statement is fixed at the first run;
- each parameter is an int, a UUID or a str, used at least once, and only where the statement
  takes it as it is (`=`, `<`, a fixed list for `IN`; not `LIKE`, `icontains` or a value
  computed from it);
- the QuerySet yields model instances or `values_list` tuples.
A builder that breaks the last two is refused at its first run (`ImproperlyConfigured`);
tests/orders/test_prepared_queries.py runs every prepared query of the project against its ORM
twin. `read_together` runs several in one round trip on PostgreSQL (core/together.py).

The writes below (`save_fields`, `insert`, `add_to`) go through `core.together.queue_write`:
inside a floor tap's `writes_together` block on PostgreSQL they are held and sent with the
next statement; elsewhere at once.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import NOT_PROVIDED, Model, QuerySet, signals
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.transaction import TransactionManagementError

from .together import can_send_together, queue_write

Kind = type[int] | type[uuid.UUID] | type[str]

# Every Prepared, so that tests can run each against its ORM twin.
REGISTRY: list[Prepared] = []


def _marker(kind: Kind) -> Any:
    if kind is int:
        # Far from any id, count or constant a builder would write.
        return -(2**62) - secrets.randbelow(2**40)
    if kind is uuid.UUID:
        return uuid.uuid4()
    if kind is str:
        return "prepared-marker-" + secrets.token_hex(12)
    raise ImproperlyConfigured(f"A prepared query's parameter is an int, UUID or str, not {kind}.")


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _binders(kind: Kind, marker: Any) -> list[tuple[Any, Callable[[Any], Any]]]:
    """The forms `marker` may take among the compiled parameters, each with how a value of
    the same kind takes that form."""
    if kind is uuid.UUID:
        # A native uuid column takes the UUID (PostgreSQL); SQLite's char(32) takes its hex.
        return [
            (marker, _as_uuid),
            (marker.hex, lambda value: _as_uuid(value).hex),
            (str(marker), lambda value: str(_as_uuid(value))),
        ]
    if kind is int:
        return [(marker, int)]
    return [(marker, str)]


def _converted(rows, converters, connection):
    """What the compiler's `apply_converters` does to the rows, as tuples."""
    for row in rows:
        values = list(row)
        for position, (functions, expression) in converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, connection)
            values[position] = value
        yield tuple(values)


@dataclass(frozen=True)
class _Plan:
    query: Any  # the compiled Query: each run makes a compiler of it on this thread's connection
    alias: str
    sql: str
    slots: tuple[tuple[int, Any, Callable[[Any], Any] | None], ...]  # (arg, constant, binder)
    select: Any
    klass_info: Any
    annotation_col_map: Any
    col_count: int
    trim: bool
    for_update: bool
    iterable: type
    # The columns' converters (the fields' and the backend's): a function of the database's
    # backend and settings, not of the connection, which each call passes them anew. Under
    # daphne every request has a thread, and so a connection object, of its own.
    converters: list


class Prepared:
    """A SELECT compiled once per database (see the module's docstring).

    `Prepared(lambda pk: Job.objects.filter(pk=pk), int)(42)` returns the list the QuerySet
    would: model instances, or tuples (`values_list`), or values (`flat=True`)."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: Kind, name: str = "") -> None:
        self.build = build
        self.kinds = kinds
        self.name = name or getattr(build, "__qualname__", "prepared")
        self._plan: _Plan | None = None
        REGISTRY.append(self)

    def __repr__(self) -> str:
        return f"<Prepared {self.name}>"

    def queryset(self, *args: Any) -> QuerySet:
        """The ORM's own QuerySet for these values (for tests and for reading the code)."""
        return self.build(*args)

    def __call__(self, *args: Any) -> list[Any]:
        plan, params = self._bound(args)
        connection = connections[plan.alias]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            return self._read(plan, cursor.fetchall(), connection)

    def _bound(self, args: Sequence[Any]) -> tuple[_Plan, list[Any]]:
        """The plan, and the statement's parameters for these values."""
        if len(args) != len(self.kinds):
            raise TypeError(f"{self.name} takes {len(self.kinds)} parameters, not {len(args)}.")
        plan = self._plan or self._prepare()
        connection = connections[plan.alias]
        if (
            plan.for_update
            and connection.features.has_select_for_update
            and connection.get_autocommit()
        ):
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = [
            constant if binder is None else binder(args[index])
            for index, constant, binder in plan.slots
        ]
        return plan, params

    def _read(self, plan: _Plan, rows: list, connection) -> list[Any]:
        if plan.trim:
            rows = [row[: plan.col_count] for row in rows]
        if plan.converters:
            rows = _converted(rows, plan.converters, connection)
        if plan.iterable is ValuesListIterable:
            return list(rows)
        if plan.iterable is FlatValuesListIterable:
            return [row[0] for row in rows]
        return self._instances(plan, plan.alias, rows)

    def _instances(self, plan: _Plan, alias: str, rows) -> list[Model]:
        # What ModelIterable does with a compiled query's rows.
        klass_info, select = plan.klass_info, plan.select
        model_cls = klass_info["model"]
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        init_list = [f[0].target.attname for f in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        found = []
        for row in rows:
            obj = model_cls.from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attr, position in (plan.annotation_col_map or {}).items():
                setattr(obj, attr, row[position])
            found.append(obj)
        return found

    def _prepare(self) -> _Plan:
        markers = [_marker(kind) for kind in self.kinds]
        queryset = self.build(*markers)
        iterable = queryset._iterable_class
        if iterable not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise ImproperlyConfigured(f"{self.name}: only model rows or values_list are prepared.")
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ImproperlyConfigured(f"{self.name}: prefetches are not prepared.")
        alias = queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        binders = [_binders(kind, marker) for kind, marker in zip(self.kinds, markers, strict=True)]
        slots = []
        used = set()
        for param in params:
            slot = (0, param, None)
            for index, forms in enumerate(binders):
                for form, binder in forms:
                    if type(param) is type(form) and param == form:
                        slot = (index, None, binder)
                        used.add(index)
            slots.append(slot)
        if len(used) != len(self.kinds):
            raise ImproperlyConfigured(
                f"{self.name}: a parameter does not reach the statement unchanged."
            )
        plan = _Plan(
            query=queryset.query,
            alias=alias,
            sql=sql,
            slots=tuple(slots),
            select=compiler.select,
            klass_info=compiler.klass_info,
            annotation_col_map=compiler.annotation_col_map,
            col_count=compiler.col_count,
            trim=compiler.has_extra_select,
            for_update=bool(queryset.query.select_for_update),
            iterable=iterable,
            converters=list(
                compiler.get_converters(
                    [c[0] for c in compiler.select[: compiler.col_count]]
                ).items()
            ),
        )
        self._plan = plan
        return plan


def read_together(*calls: tuple[Prepared, Sequence[Any]]) -> list[list[Any]]:
    """Run several prepared queries, in order, and return each one's rows: on PostgreSQL (with
    psycopg 3's client-side binding, Django's default) in one round trip, as one
    multi-statement query whose results the cursor steps through; elsewhere one after the
    other. A query that locks (`select_for_update`) locks before the ones after it read."""
    plans = [prepared._bound(args) for prepared, args in calls]
    aliases = {plan.alias for plan, _ in plans}
    connection = connections[aliases.pop()]
    if aliases or not can_send_together(connection):
        return [prepared(*args) for prepared, args in calls]
    with connection.cursor() as cursor:
        # Each statement bound on its own (psycopg caches how it splits each), sent as one.
        cursor.execute("; ".join(cursor.cursor.mogrify(plan.sql, p) for plan, p in plans), None)
        found = []
        for (prepared, _args), (plan, _params) in zip(calls, plans, strict=True):
            found.append(prepared._read(plan, cursor.fetchall(), connection))
            cursor.cursor.nextset()
    return found


# --- writes: the same idea for the few rows every tap writes ---------------------------------
#
# `Model.save(update_fields=…)`, `QuerySet.update(…)` and `Model.objects.create(…)` build their
# statement anew each time too. These write what they would, with the statement written once
# per model, columns and database, and each value prepared by its own field for the database
# at hand (`get_db_prep_save`, after the field's `pre_save`, as `save` does). pre_save receivers
# are sent as `save` sends them; a model with post_save receivers is saved by the ORM instead,
# so no receiver is skipped.

_statements: dict[tuple, str] = {}


def _has_receivers(model: type[Model]) -> bool:
    """Whether the ORM must save this model: post_save receivers to run (they may read what
    only `save` sets), or columns the database fills itself (a generated column, a database
    default). pre_save receivers are sent here, as `save` sends them (`_pre_save`)."""
    if signals.post_save.has_listeners(model):
        return True
    return any(
        getattr(f, "generated", False) or f.db_default is not NOT_PROVIDED
        for f in model._meta.concrete_fields
    )


def _pre_save(obj: Model, connection, update_fields=None) -> None:
    """The pre_save signal, as `Model.save_base` sends it before the row is written."""
    model = type(obj)
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(
            sender=model,
            instance=obj,
            raw=False,
            using=connection.alias,
            update_fields=update_fields,
        )


def _connection_for(model: type[Model]):
    return connections[router.db_for_write(model)]


def save_fields(obj: Model, names: Sequence[str]) -> None:
    """`obj.save(update_fields=names)` for an existing row, in one prepared UPDATE."""
    model = type(obj)
    if _has_receivers(model):
        obj.save(update_fields=list(names))
        return
    connection = _connection_for(model)
    opts = model._meta
    fields = [opts.get_field(name) for name in names]
    key = ("update", model, tuple(names), connection.vendor)
    sql = _statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        sql = _statements[key] = (
            f"UPDATE {quote(opts.db_table)} SET {columns} WHERE {quote(opts.pk.column)} = %s"
        )
    _pre_save(obj, connection, frozenset(names))
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    pk = obj.pk
    queue_write(
        connection,
        sql,
        [*values, opts.pk.get_db_prep_value(pk, connection)],
        rows=1,
        error=lambda: model.DoesNotExist(f"No {opts.object_name} {pk} to update."),
    )


def insert(obj: Model, *, returning: bool = True) -> Model:
    """`obj.save()` for a new row (`Model.objects.create`), in one prepared INSERT that
    returns the new primary key. With `returning=False`, the row's key is not read back (the
    object keeps none of its own): the insert is a write nobody waits for
    (`core.together.queue_write`)."""
    model = type(obj)
    connection = _connection_for(model)
    if _has_receivers(model) or not connection.features.can_return_columns_from_insert:
        obj.save(force_insert=True)
        return obj
    opts = model._meta
    _pre_save(obj, connection)
    fields = [f for f in opts.concrete_fields if f is not opts.pk or obj.pk is not None]
    if not returning:
        key = ("insert", model, tuple(f.attname for f in fields), connection.vendor, False)
        sql = _statements.get(key)
        if sql is None:
            sql = _statements[key] = _insert_into(connection, model, fields)
        queue_write(connection, sql, _inserted(obj, fields, connection))
        return obj
    key = ("insert", model, tuple(f.attname for f in fields), connection.vendor)
    sql = _statements.get(key)
    if sql is None:
        returning = f" RETURNING {connection.ops.quote_name(opts.pk.column)}"
        sql = _statements[key] = _insert_into(connection, model, fields) + returning
    with connection.cursor() as cursor:
        cursor.execute(sql, _inserted(obj, fields, connection))
        (pk,) = cursor.fetchone()
    obj.pk = opts.pk.to_python(pk)
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


def add_to(model: type[Model], keys: dict[str, Any], amounts: dict[str, int]) -> None:
    """Add `amounts` to the counters of the row that `keys` name (its unique key), creating the
    row with them when it is the first: one `INSERT … ON CONFLICT (keys) DO UPDATE`, which
    PostgreSQL and SQLite both read. Two first writers at once cannot both insert: the second
    waits on the unique index, then adds."""
    connection = _connection_for(model)
    if _has_receivers(model) or signals.pre_save.has_listeners(model):
        raise ImproperlyConfigured(f"{model.__name__}: counters with receivers are not prepared.")
    opts = model._meta
    row = model(**keys, **amounts)
    fields = [f for f in opts.concrete_fields if f is not opts.pk]
    key = ("add", model, tuple(keys), tuple(amounts), connection.vendor)
    sql = _statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        table = quote(opts.db_table)
        target = ", ".join(quote(opts.get_field(name).column) for name in keys)
        adds = ", ".join(
            f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}"
            for c in (opts.get_field(name).column for name in amounts)
        )
        sql = _statements[key] = (
            f"{_insert_into(connection, model, fields)} ON CONFLICT ({target}) DO UPDATE SET {adds}"
        )
    queue_write(connection, sql, _inserted(row, fields, connection))


def _insert_into(connection, model: type[Model], fields) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )


def _inserted(obj: Model, fields, connection) -> list:
    """What `save` would insert for these fields: each one's `pre_save`, prepared for the
    database at hand."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
