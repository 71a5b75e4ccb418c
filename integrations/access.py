"""Who may see a workshop's webhooks: its owners and managers; anyone else gets a 404."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from workshops.models import User, Workshop

from .models import WebhookEndpoint


def get_endpoint_for(user: User, workshop: Workshop, endpoint_uuid: UUID | str) -> WebhookEndpoint:
    """One of `workshop`'s webhooks (the caller has checked, with `get_workshop_for(...,
    manage=True)`, that `user` manages the shop); removed ones and others' are 404."""
    try:
        return WebhookEndpoint.objects.select_related("workshop").get(
            workshop=workshop, uuid=endpoint_uuid, deleted_at=None
        )
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise Http404("No such webhook.") from None
