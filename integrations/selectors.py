from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from workshops.models import Workshop

from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def endpoints_of(workshop: Workshop) -> QuerySet[WebhookEndpoint]:
    """The shop's webhooks with their delivery counts, for its webhook page (one query)."""
    return (
        WebhookEndpoint.objects.filter(workshop=workshop, deleted_at=None)
        .annotate(
            delivered=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SUCCEEDED)),
            failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
            waiting=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        )
        .order_by("created_at", "pk")
    )


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The delivery log, newest first, with the event's job (for its seq and job id)."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event__job")
