"""/ws/notifications/: the badge's stream. It joins only the user's own group (every stream
does), so it needs no object to authorize; it says the unread count on connect (a reconnect
repairs a count the layer dropped) and forwards each new count."""

from __future__ import annotations

from typing import Any

from orders.consumers import StreamConsumer
from orders.livepath import db

from .selectors import unread_count


class NotificationStream(StreamConsumer):
    def authorize(self) -> int | None:
        return None

    def stream_groups(self) -> list[str]:
        return []

    async def start(self) -> None:
        count = await db(unread_count, self.user)
        await self.send_json({"type": "hello", "unread": count})

    async def notification_unread(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "notification.unread", "unread": int(message["unread"])})
