"""What every app's services share: the refusal they raise, and safe retries."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from .models import IdempotencyKey

T = TypeVar("T", bound=models.Model)


REFUSED_CODE = "refused"


class Refused(ValidationError):
    """A business rule said no. Nothing was written.

    `code` is the stable reason the API answers with (docs/API.md): the one given, or
    `refused`. It holds for a refusal of one message and for one of messages per field (where
    Django's ValidationError would drop it).
    """

    def __init__(self, message: Any, code: str | None = None, params: Any = None) -> None:
        super().__init__(message, code, params)
        self.code = code or getattr(message, "code", None) or REFUSED_CODE


class Problems(dict):
    """Every reason a service would refuse, by field, gathered so that one answer says them
    all; `code` is the first one's, which a `Refused(problems)` answers with."""

    code: str | None = None

    def add(self, field: str, message: Any, code: str) -> None:
        self.setdefault(field, []).append(str(message))
        self.code = self.code or code

    def add_refused(self, refused: Refused) -> None:
        for field, messages in refused.message_dict.items():
            for message in messages:
                self.add(field, message, refused.code)


class Replayed(Exception):
    """Raised inside `idempotent` to hand back the object an earlier call produced."""


def _target_of(kwargs: dict[str, Any]) -> str | None:
    """The object a service call acts on, by its public id."""
    for name in ("step", "handoff", "order", "job", "part", "workshop"):
        obj = kwargs.get(name)
        if obj is not None and hasattr(obj, "uuid"):
            return f"{name}:{obj.uuid}"
    return None


def _claim(user: Any, key: str, action: str) -> IdempotencyKey | None:
    """Insert the key's row, or None when the user already has that key: one statement
    (`ON CONFLICT DO NOTHING`), so no savepoint is needed to survive the conflict. Like a
    plain insert, it waits on the unique index for a concurrent request with the same key
    until that one commits (then None) or rolls back (then this one's row)."""
    record = IdempotencyKey(user=user, key=key, action=action)
    connection = transaction.get_connection()
    opts = IdempotencyKey._meta
    fields = [opts.get_field(name) for name in ("user", "key", "action", "result", "created_at")]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(record, True), connection) for f in fields]
    conflict = ", ".join(quote(opts.get_field(name).column) for name in ("user", "key"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(opts.db_table)} ({columns}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) "
            f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(opts.pk.column)}",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return None
    record.pk = row[0]
    record._state.adding = False
    return record


def idempotent(action: str, model: type[T]) -> Callable:
    """Make a service safe to retry: the same (user, key) applies once; a repeat returns the
    object the first call returned, without changing anything or writing another event.

    The key row is inserted first, inside the service's transaction: a concurrent request
    with the same key waits on the unique index until the first commits, then replays.
    """

    def decorate(service: Callable[..., T]) -> Callable[..., T]:
        # With a key, the service runs inside the transaction opened here; its own atomic block
        # (the decorator under this one) would only add a savepoint that serves nothing, since a
        # refusal rolls back the key with the rest. So its body runs here directly.
        body = getattr(service, "__wrapped__", service)

        @functools.wraps(service)
        def wrapper(*, actor: Any, idempotency_key: str | None = None, **kwargs: Any) -> T:
            if not idempotency_key or actor is None:
                return service(actor=actor, **kwargs)
            if len(idempotency_key) > 64:
                raise Refused(
                    _("The idempotency key is too long (64 characters at most)."),
                    code="key_too_long",
                )
            target = _target_of(kwargs)
            with transaction.atomic():
                record = _claim(actor, idempotency_key, action)
                if record is None:
                    record = IdempotencyKey.objects.get(user=actor, key=idempotency_key)
                    # A key names one request: the same action on the same object.
                    if record.action != action or record.result.get("target") != target:
                        raise Refused(
                            _("This idempotency key was already used for another request."),
                            code="key_reused",
                        ) from None
                    obj = model.objects.get(uuid=record.result["uuid"])
                    obj._replayed = True
                    return obj
                result = body(actor=actor, **kwargs)
                record.result = {"uuid": str(result.uuid), "target": target}
                record.save(update_fields=["result"])
                return result

        wrapper.action = action  # type: ignore[attr-defined]
        return wrapper

    return decorate
