"""The district dashboard's live stream, /ws/districts/<slug>/: a doorbell only. Each message
says when the district's figures moved; the page re-reads what its user may see. Nothing about
a job, an order or a single workshop rides on it."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.db.models import Q

from core import realtime
from orders.consumers import CLOSE_NOT_FOUND, CLOSE_REVOKED, StreamConsumer
from workshops.models import District

# --- /ws/districts/<slug>/ --------------------------------------------------------------------


def _district_for(user, slug: str) -> str | None:
    """The district's uuid, if the user is its staff or a member of one of its workshops."""
    district = (
        District.objects.filter(slug=slug)
        .filter(Q(staff__user=user) | Q(workshops__memberships__user=user))
        .values_list("uuid", flat=True)
        .first()
    )
    return None if district is None else str(district)


class DistrictStream(StreamConsumer):
    """Aggregates for a district's dashboard: its staff and its member workshops' people."""

    async def authorize(self) -> int | None:
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        self.district_uuid = await database_sync_to_async(_district_for)(
            self.scope["user"], self.slug
        )
        return CLOSE_NOT_FOUND if self.district_uuid is None else None

    def stream_groups(self) -> list[str]:
        return [realtime.district_group(self.district_uuid)]

    async def start(self) -> None:
        await self.send_json({"type": "hello", "district": self.slug})

    async def reconcile(self, full: bool = True) -> None:
        await super().reconcile(full)
        if (
            not self.closed
            and await database_sync_to_async(_district_for)(self.scope["user"], self.slug) is None
        ):
            await self.refuse(CLOSE_REVOKED)

    async def district_update(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "district.update", "data": message.get("data", {})})
