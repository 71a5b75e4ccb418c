"""The district dashboard's live stream, /ws/districts/<slug>/: a doorbell only. Each message
says when the district's figures moved; the page re-reads what its user may see. Nothing about
a job, an order or a single workshop rides on it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core import realtime
from orders.consumers import CLOSE_NOT_FOUND, CLOSE_REVOKED, StreamConsumer, signed_in_batch
from orders.livepath import db
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


def recheck_districts(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pulse's re-check of a process's district streams: credentials in one batch, then
    each (user, district) once (association staff hold few sockets)."""
    signed_in = signed_in_batch([r["scope"] for r in requests])
    found: dict[tuple[int, str], str | None] = {}
    verdicts = []
    for request, ok in zip(requests, signed_in, strict=True):
        if not ok:
            verdicts.append({"signed_in": False})
            continue
        user = request["scope"]["user"]
        key = (user.pk, request["district"])
        if key not in found:
            found[key] = _district_for(user, request["district"])
        verdicts.append({"signed_in": True, "district": found[key]})
    return verdicts


class DistrictStream(StreamConsumer):
    """Aggregates for a district's dashboard: its staff and its member workshops' people."""

    recheck_all = staticmethod(recheck_districts)

    def target(self) -> str:
        return self.scope["url_route"]["kwargs"]["slug"]

    @staticmethod
    def grant(user, target: str) -> tuple[int | None, Any]:
        district = _district_for(user, target)
        return (CLOSE_NOT_FOUND, None) if district is None else (None, district)

    def take(self, state: Any) -> None:
        self.slug, self.district_uuid = self.target(), state

    def stream_groups(self) -> list[str]:
        return [realtime.district_group(self.district_uuid)]

    async def start(self, begun: Any) -> None:
        await self.send_json({"type": "hello", "district": self.slug})

    async def reconcile(self) -> None:
        await super().reconcile()
        if not self.closed and await db(_district_for, self.user, self.slug) is None:
            await self.refuse(CLOSE_REVOKED)

    def recheck_request(self) -> dict[str, Any]:
        return {"scope": self.scope, "district": self.slug}

    async def rechecked(self, verdict: dict[str, Any]) -> None:
        await super().rechecked(verdict)
        if not self.closed and verdict["district"] is None:
            await self.refuse(CLOSE_REVOKED)

    async def district_update(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "district.update", "data": message.get("data", {})})
