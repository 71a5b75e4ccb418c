"""The worker's side of webhooks. Each task may run twice: a delivery is claimed before it is
sent, so it is sent once per attempt."""

from __future__ import annotations

from django_tasks import task

from . import delivery, services, signing


@task()
def plan(event_ids: list[int]) -> int:
    """Plan the deliveries of these events and send them."""
    ids = services.deliveries_plan(event_ids=event_ids)
    for delivery_id in ids:
        deliver.enqueue(delivery_id)
    return len(ids)


@task()
def deliver(delivery_id: int) -> str:
    """One attempt; on failure, the next is enqueued for after the backoff."""
    claimed = services.delivery_claim(delivery_id=delivery_id)
    if claimed is None:
        return "skipped"
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "shopnet-webhooks/1",
        "Shopnet-Delivery": claimed.uuid,
        "Shopnet-Event": claimed.kind,
        "Shopnet-Signature": signing.header(claimed.secret, claimed.body),
    }
    outcome = delivery.post(claimed.url, claimed.body, headers)
    retry_at = services.delivery_record(delivery_id=delivery_id, outcome=outcome)
    if retry_at is not None:
        deliver.using(run_after=retry_at).enqueue(delivery_id)
    return "delivered" if outcome.ok else (outcome.error or "failed")


@task()
def sweep() -> int:
    """The repair sweep (scheduled): send again what a lost task or a dead worker left."""
    ids = services.deliveries_due()
    for delivery_id in ids:
        deliver.enqueue(delivery_id)
    return len(ids)
