"""/ws/notifications/: the badge's stream. It joins only the user's own group (every stream
does), so it needs no object to authorize; it says the unread count on connect (a reconnect
repairs a count the layer dropped) and forwards each new count."""

from __future__ import annotations

from typing import Any

from orders.consumers import StreamConsumer
from orders.livepath import db

from .selectors import unread_count


class NotificationStream(StreamConsumer):
    def target(self) -> str:
        return ""  # the user's own badge: signing in is the whole authorization

    @staticmethod
    def grant(user, target: str) -> tuple[int | None, Any]:
        return None, None

    def take(self, state: Any) -> None:
        pass

    def stream_groups(self) -> list[str]:
        return []

    async def start(self, begun: Any) -> None:
        # Its own call, after joining the user's group (known only once the lookup said who
        # this is), so a count sent meanwhile is not missed.
        count = await db(unread_count, self.user)
        await self.send_json({"type": "hello", "unread": count})

    async def notification_unread(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "notification.unread", "unread": int(message["unread"])})
