"""Every write about webhooks: the pages, the API and the worker call these.

An endpoint is registered, removed or turned back on by an owner or manager of its shop. The
worker plans deliveries from the job log (`deliveries_plan`), claims one before sending it
(`delivery_claim`) and records how it went (`delivery_record`), which schedules the retry with
backoff, or turns the endpoint off after WEBHOOKS_DISABLE_AFTER failures in a row and tells the
shop's managers.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import Refused
from notifications.services import notify_managers
from orders.access import workshop_job_access
from orders.events import EVENT_LABELS, events_named
from orders.models import Order, ProgressEvent, Step
from orders.selectors import wire_events
from worker.retry import backoff_seconds
from workshops.access import require_member
from workshops.models import User, Workshop

from . import addresses, signing
from .delivery import Outcome
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookLog

# While an attempt runs, no other worker may start the same delivery.
ATTEMPT_LEASE = dt.timedelta(seconds=60)


def _log(endpoint: WebhookEndpoint, actor: User | None, action: str, **data) -> None:
    WebhookLog.objects.create(endpoint=endpoint, actor=actor, action=action, data=data)


def endpoint_problems(*, workshop: Workshop, url: str, kinds: Iterable[str]) -> dict[str, str]:
    """Every reason the endpoint cannot be registered, per field (read-only; the form shows
    them beside its own)."""
    problems: dict[str, tuple[str, str]] = {}
    try:
        addresses.check(url)
    except addresses.UnsafeURL as refused:
        problems["url"] = (str(refused.message), refused.code)
    kinds = list(kinds)
    if not kinds:
        problems["kinds"] = (_("Choose at least one kind of event."), "no_kinds")
    elif set(kinds) - set(EVENT_LABELS):
        problems["kinds"] = (_("Choose kinds of event from the list."), "unknown_kind")
    live = WebhookEndpoint.objects.filter(workshop=workshop, deleted_at=None)
    if live.count() >= settings.WEBHOOKS_MAX_PER_WORKSHOP:
        problems["__all__"] = (
            _("A workshop may have at most %(n)d webhooks.")
            % {"n": settings.WEBHOOKS_MAX_PER_WORKSHOP},
            "too_many",
        )
    return problems


@transaction.atomic
def endpoint_create(
    *, workshop: Workshop, actor: User, url: str, kinds: Iterable[str]
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret (shown to the shop once)."""
    require_member(actor, workshop, manage=True)
    kinds = [k for k in EVENT_LABELS if k in set(kinds)] or list(kinds)
    problems = endpoint_problems(workshop=workshop, url=url, kinds=kinds)
    if problems:
        first = next(iter(problems.values()))[1]
        raise Refused({field: [message] for field, (message, _c) in problems.items()}, code=first)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        workshop=workshop, url=url, kinds=kinds, secret=secret, created_by=actor
    )
    _log(endpoint, actor, "endpoint.created", url=url, kinds=",".join(kinds))
    return endpoint, secret


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """Stop sending to it. The row stays (its delivery log and change log with it), hidden."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    require_member(actor, endpoint.workshop, manage=True)
    if endpoint.deleted_at is not None:
        raise Refused(_("This webhook was already removed."), code="already_removed")
    endpoint.deleted_at = timezone.now()
    endpoint.is_active = False
    endpoint.save(update_fields=["deleted_at", "is_active"])
    _log(endpoint, actor, "endpoint.deleted", url=endpoint.url)


@transaction.atomic
def endpoint_enable(*, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    """Turn a webhook the worker turned off back on (its failures forgotten). Deliveries that
    failed meanwhile are not sent again: the receiver can read them from the event cursor."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    require_member(actor, endpoint.workshop, manage=True)
    if endpoint.is_active or endpoint.deleted_at is not None:
        raise Refused(_("This webhook is not turned off."), code="not_disabled")
    try:
        addresses.check(endpoint.url)
    except addresses.UnsafeURL as refused:
        raise Refused({"url": [str(refused.message)]}, code=refused.code) from None
    endpoint.is_active = True
    endpoint.failures = 0
    endpoint.disabled_at = None
    endpoint.save(update_fields=["is_active", "failures", "disabled_at"])
    _log(endpoint, actor, "endpoint.enabled")
    return endpoint


# --- the worker ----------------------------------------------------------------------------------


def _party_workshops(job_id: int) -> set[int]:
    """The shops that may see anything of the job: its hub, the parties to its orders, the
    shops performing its steps (the access check then says what each sees)."""
    shops: set[int] = set()
    for buyer, supplier in Order.objects.filter(job_id=job_id).values_list(
        "buyer_id", "supplier_id"
    ):
        shops |= {buyer, supplier}
    shops |= set(Step.objects.filter(job_id=job_id).values_list("workshop_id", flat=True))
    return shops


@transaction.atomic
def deliveries_plan(*, event_ids: list[int | list[int]]) -> list[int]:
    """The deliveries of these events (each named by its key or as [job, seq],
    `orders.events.event_ref`): one per event and endpoint that asked for its kind and
    whose shop may see it, with the body as that shop's view of the log words it (the API's
    event cursor, `wire_events`). Planned once: a second call finds them already there."""
    events = list(ProgressEvent.objects.filter(events_named(event_ids)).select_related("job"))
    by_job: dict[int, list[ProgressEvent]] = defaultdict(list)
    for event in events:
        by_job[event.job_id].append(event)
    planned: list[WebhookDelivery] = []
    for job_events in by_job.values():
        job = job_events[0].job
        kinds = {e.kind for e in job_events}
        shops = _party_workshops(job.pk) | {job.owner_id}
        endpoints = [
            e
            for e in WebhookEndpoint.objects.filter(
                workshop_id__in=shops, is_active=True, deleted_at=None
            ).select_related("workshop")
            if kinds & set(e.kinds)
        ]
        views: dict[int, dict[int, dict]] = {}
        for endpoint in endpoints:
            if endpoint.workshop_id not in views:
                access = workshop_job_access(endpoint.workshop_id, job)
                seen = (
                    wire_events(
                        access.events().filter(pk__in=[e.pk for e in job_events]),
                        limit=len(job_events),
                    )
                    if access is not None
                    else []
                )
                views[endpoint.workshop_id] = {row["seq"]: row for row in seen}
            for event in job_events:
                row = views[endpoint.workshop_id].get(event.seq)
                if row is None or not endpoint.wants(event.kind):
                    continue
                delivery_id = uuid.uuid4()
                body = {
                    "delivery": str(delivery_id),
                    "workshop": str(endpoint.workshop.uuid),
                    "job": str(job.uuid),
                    "event": row,
                }
                planned.append(
                    WebhookDelivery(
                        uuid=delivery_id,
                        endpoint=endpoint,
                        event=event,
                        kind=event.kind,
                        body=json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
                    )
                )
    if not planned:
        return []
    WebhookDelivery.objects.bulk_create(planned, ignore_conflicts=True)
    return list(
        WebhookDelivery.objects.filter(
            uuid__in=[d.uuid for d in planned], status=DeliveryStatus.PENDING
        ).values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    uuid: str
    kind: str
    url: str
    secret: str
    body: bytes


@transaction.atomic
def delivery_claim(*, delivery_id: int, now: dt.datetime | None = None) -> Claimed | None:
    """Take a due delivery for one attempt (None: not due, done, or another worker has it).
    A delivery whose endpoint was turned off or removed fails without being sent."""
    now = now or timezone.now()
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .first()
    )
    if delivery is None:
        return None
    if not delivery.endpoint.is_active:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = "disabled"
        delivery.save(update_fields=["status", "error"])
        return None
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.next_attempt_at = now + ATTEMPT_LEASE
    delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    return Claimed(
        delivery.pk,
        str(delivery.uuid),
        delivery.kind,
        delivery.endpoint.url,
        delivery.endpoint.secret,
        delivery.body.encode(),
    )


@transaction.atomic
def delivery_record(
    *, delivery_id: int, outcome: Outcome, now: dt.datetime | None = None
) -> dt.datetime | None:
    """Record an attempt; returns when to try again (None: delivered, or given up)."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    delivery.response_status = outcome.status
    delivery.error = outcome.error
    fields = ["status", "response_status", "error", "next_attempt_at"]
    retry_at = None
    if outcome.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        if endpoint.failures:
            endpoint.failures = 0
            endpoint.save(update_fields=["failures"])
    else:
        endpoint.failures += 1
        endpoint_fields = ["failures"]
        if endpoint.is_active and endpoint.failures >= settings.WEBHOOKS_DISABLE_AFTER:
            _disable(endpoint, now)
            endpoint_fields += ["is_active", "disabled_at"]
        endpoint.save(update_fields=endpoint_fields)
        if endpoint.is_active and delivery.attempts < settings.WEBHOOKS_MAX_ATTEMPTS:
            retry_at = now + dt.timedelta(
                seconds=backoff_seconds(delivery.attempts, settings.WEBHOOKS_BACKOFF)
            )
            delivery.next_attempt_at = retry_at
        else:
            delivery.status = DeliveryStatus.FAILED
    delivery.save(update_fields=fields)
    return retry_at


def _disable(endpoint: WebhookEndpoint, now: dt.datetime) -> None:
    endpoint.is_active = False
    endpoint.disabled_at = now
    _log(endpoint, None, "endpoint.disabled", failures=endpoint.failures)
    notify_managers(
        workshop=endpoint.workshop,
        kind="webhook.disabled",
        key=f"webhook.disabled:{endpoint.pk}:{int(now.timestamp())}",
        link=reverse("webhook_detail", args=[endpoint.workshop.uuid, endpoint.uuid]),
        data={"url": endpoint.url, "failures": endpoint.failures},
    )


def deliveries_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """PENDING deliveries past their time: a retry whose task was lost, or an attempt whose
    worker died (its lease ran out). The repair sweep sends them again."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING) & Q(next_attempt_at__lte=now - ATTEMPT_LEASE)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
