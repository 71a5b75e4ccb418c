"""Live streams. Thin, as DESIGN.md asks: authenticate, authorize the object, replay from the
log, join the groups, forward. They never write to the database.

Close codes (sent after the handshake is accepted, so every client can read them):
  4400  the request is malformed (for example `?after=` is not a whole number)
  4401  not signed in, or the session signed out / the token was revoked while connected
  4403  access ended while connected (membership removed, order withdrawn)
  4404  no such object, or not one this user may see (existence does not leak)

Every stream sends `{"type": "heartbeat"}` every WEBSOCKET_HEARTBEAT seconds, so a client can
tell a dead stream from a quiet one. Every WEBSOCKET_RECONCILE_EVERY heartbeats the consumer also
re-checks the user's access and compares the job's last seq with what it has forwarded, so a
doorbell the channel layer dropped is repaired from the log even if nothing else happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from core import realtime

from . import broadcast

logger = logging.getLogger(__name__)

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_REVOKED = 4403
CLOSE_NOT_FOUND = 4404

REPLAY_PAGE = 200

# Events after which what a user may see of a job can have changed.
ACCESS_KINDS = frozenset(
    {
        "order.requested",
        "order.accepted",
        "order.declined",
        "order.withdrawn",
        "step.added",
        "step.updated",
        "step.removed",
    }
)


def still_signed_in(scope: dict[str, Any]) -> bool:
    """Whether the credential this socket was opened with still names the same active user."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return False
    if scope.get("auth") == "token":
        from rest_framework.authtoken.models import Token

        return Token.objects.filter(
            key=scope.get("token"), user=user, user__is_active=True
        ).exists()
    session = scope.get("session")
    key = getattr(session, "session_key", None)
    if not key:
        return False
    from importlib import import_module

    from django.contrib.auth import get_user

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    current = get_user(SimpleNamespace(session=store))
    return current.is_authenticated and current.pk == user.pk and current.is_active


class StreamConsumer(AsyncJsonWebsocketConsumer):
    """What every stream shares: sign-in check, personal groups, heartbeat, closing with a code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.joined: list[str] = []
        self.closed = False
        self.lock = asyncio.Lock()
        self.beat: asyncio.Task | None = None

    # --- subclasses ---------------------------------------------------------------------------

    async def authorize(self) -> int | None:
        """Load what the stream needs; return a close code to refuse."""
        raise NotImplementedError

    def stream_groups(self) -> list[str]:
        raise NotImplementedError

    async def start(self) -> None:
        """After joining the groups: replay, then say hello."""
        await self.send_json({"type": "hello"})

    async def reconcile(self, full: bool = True) -> None:
        """Re-check; close if access has ended. `full` after a change of memberships; the
        periodic check (not full) may skip what the stream can tell has not changed."""
        if not await database_sync_to_async(still_signed_in)(self.scope):
            await self.refuse(CLOSE_UNAUTHENTICATED)

    def heartbeat(self) -> dict[str, Any]:
        return {"type": "heartbeat"}

    # --- lifecycle ----------------------------------------------------------------------------

    async def connect(self) -> None:
        # Accept first: a refusal before the handshake reaches a browser as a bare 403 with no
        # reason; after it, the client reads the close code.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        code = await self.authorize()
        if code is not None:
            await self.refuse(code)
            return
        personal = [realtime.user_group(str(user.uuid))]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if self.scope.get("auth") == "session" and session_key:
            personal.append(realtime.session_group(session_key))
        for group in [*personal, *self.stream_groups()]:
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.append(group)
        async with self.lock:
            await self.start()
        self.beat = asyncio.create_task(self._heartbeat())

    async def disconnect(self, code: int) -> None:
        self.closed = True
        if self.beat is not None:
            self.beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.beat
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = []

    async def refuse(self, code: int) -> None:
        if self.closed:
            return
        self.closed = True
        await self.close(code=code)

    async def send_json(self, content: dict[str, Any], close: bool = False) -> None:
        if not self.closed:
            await super().send_json(content, close=close)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; changes arrive over HTTP. A ping is answered, the rest ignored."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def receive(self, text_data=None, bytes_data=None, **kwargs: Any) -> None:
        # Not JSON: ignored, like any other client chatter.
        with contextlib.suppress(ValueError):
            await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    async def _heartbeat(self) -> None:
        interval = float(settings.WEBSOCKET_HEARTBEAT)
        every = max(int(settings.WEBSOCKET_RECONCILE_EVERY), 1)
        beats = 0
        try:
            while not self.closed:
                await asyncio.sleep(interval)
                beats += 1
                async with self.lock:
                    if beats % every == 0:
                        await self.reconcile(full=False)
                    await self.send_json(self.heartbeat())
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("Heartbeat stopped on %s", self.scope.get("path"), exc_info=True)

    # --- messages on the personal groups ------------------------------------------------------

    async def access_changed(self, message: dict[str, Any]) -> None:
        async with self.lock:
            await self.reconcile()

    async def session_ended(self, message: dict[str, Any]) -> None:
        await self.refuse(CLOSE_UNAUTHENTICATED)


# --- /ws/jobs/<uuid>/ ------------------------------------------------------------------------


def _load_job_access(user, job_uuid: str):
    from .access import job_access
    from .models import Job

    job = Job.objects.select_related("owner").filter(uuid=job_uuid).first()
    return None if job is None else job_access(user, job)


def visible_in(access, event: dict[str, Any], route: dict[str, Any]) -> bool:
    """The in-memory twin of `JobAccess.events()`: may this user see this event?"""
    if access.is_hub_manager:
        return True
    if set(route["steps"]) & access.step_ids:
        return True
    if route["order"] is not None and route["order"] in access.order_ids:
        return True
    return (
        not route["steps"]
        and route["order"] is None
        and event["kind"].startswith(("job.", "drawing."))
    )


def _job_head_and_roles(job_pk: int, user) -> tuple[int, tuple[set[int], set[int]]]:
    from workshops.selectors import user_roles

    from .models import Job

    head = Job.objects.filter(pk=job_pk).values_list("last_seq", flat=True).first() or 0
    return head, user_roles(user)


def _head(access) -> tuple[int, int]:
    """(the job's last seq, the last seq of an event this user may see)."""
    from .models import Job

    head = Job.objects.filter(pk=access.job.pk).values_list("last_seq", flat=True).first() or 0
    seen = access.events().filter(seq__lte=head).order_by("-seq").values_list("seq", flat=True)
    return head, seen.first() or 0


def _catch_up(access, after: int) -> tuple[int, list[dict[str, Any]]]:
    """(the job's last seq, the visible events after `after` up to it, as wire payloads)."""
    from .models import Job

    head = Job.objects.filter(pk=access.job.pk).values_list("last_seq", flat=True).first() or 0
    payloads: list[dict[str, Any]] = []
    cursor = after
    while cursor < head:
        rows = list(
            access.events()
            .filter(seq__gt=cursor, seq__lte=head)
            .select_related("job", "step", "order", "workshop", "handoff")
            .order_by("seq")[:REPLAY_PAGE]
        )
        payloads.extend(broadcast.event_payload(e) for e in rows)
        if len(rows) < REPLAY_PAGE:
            break
        cursor = rows[-1].seq
    return head, payloads


class JobStream(StreamConsumer):
    """Every event of one job that the user may see, in seq order, without gaps.

    `?after=<seq>` replays what the client missed from the log before forwarding live events.
    Without it, the stream starts at the present. `hello` carries the seq the client is now at.
    """

    async def authorize(self) -> int | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        after = query.get("after", [None])[-1]
        if after is None or after == "":
            self.after = None
        elif after.isascii() and after.isdigit() and len(after) <= 18:
            self.after = int(after)
        else:
            return CLOSE_BAD_REQUEST
        self.access = await database_sync_to_async(_load_job_access)(
            self.scope["user"], self.scope["url_route"]["kwargs"]["job_uuid"]
        )
        if self.access is None:
            return CLOSE_NOT_FOUND
        self.cursor = 0  # the job's seq up to which every event has been dealt with
        self.last_sent = 0  # the seq of the last event this client was sent
        return None

    def stream_groups(self) -> list[str]:
        return [realtime.job_group(str(self.access.job.uuid))]

    async def start(self) -> None:
        head, last_visible = await database_sync_to_async(_head)(self.access)
        if self.after is None or self.after > head:
            # From the present; a seq from the future (a client of a restored database, say) is
            # not trusted, or every live event would look like one it had already seen.
            self.cursor, self.last_sent = head, last_visible
        else:
            self.cursor = self.last_sent = self.after
            await self.catch_up()
        await self.send_json(
            {"type": "hello", "job": str(self.access.job.uuid), "seq": self.last_sent}
        )

    def heartbeat(self) -> dict[str, Any]:
        return {"type": "heartbeat", "seq": self.last_sent}

    async def catch_up(self) -> None:
        head, payloads = await database_sync_to_async(_catch_up)(self.access, self.cursor)
        for payload in payloads:
            await self.send_json(payload)
            self.last_sent = payload["seq"]
        self.cursor = max(self.cursor, head)

    async def refresh_access(self) -> bool:
        access = await database_sync_to_async(_load_job_access)(
            self.scope["user"], str(self.access.job.uuid)
        )
        if access is None:
            await self.refuse(CLOSE_REVOKED)
            return False
        self.access = access
        return True

    async def reconcile(self, full: bool = True) -> None:
        await super().reconcile(full)
        if self.closed:
            return
        # Periodically, access is reloaded and the gap replayed only when the log moved past what
        # was dealt with (a lost doorbell may have changed what the user sees) or the user's
        # memberships changed (in case the `access.changed` message was lost): two small reads.
        if not full:
            head, roles = await database_sync_to_async(_job_head_and_roles)(
                self.access.job.pk, self.scope["user"]
            )
            if head <= self.cursor and roles == (self.access.managed, self.access.floor):
                return
        if await self.refresh_access():
            await self.catch_up()

    async def job_event(self, message: dict[str, Any]) -> None:
        event, route = message.get("event"), message.get("route")
        if not isinstance(event, dict) or not isinstance(route, dict):
            logger.warning("Malformed job.event on %s", self.scope.get("path"))
            return
        async with self.lock:
            if self.closed or event["seq"] <= self.cursor:
                return  # a repeat, or already replayed from the log
            gap = event["seq"] > self.cursor + 1
            # A lost doorbell may have been the one that changed what this user sees.
            if (gap or event["kind"] in ACCESS_KINDS) and not await self.refresh_access():
                return
            if gap:
                await self.catch_up()  # the log has what was lost (and this one)
                return
            self.cursor = event["seq"]
            if visible_in(self.access, event, route):
                await self.send_json(event)
                self.last_sent = event["seq"]


# --- /ws/workshops/<uuid>/floor/ ---------------------------------------------------------------


def _workshop_role(user, workshop_uuid: str) -> tuple[int, str] | None:
    from workshops.models import Membership

    row = (
        Membership.objects.filter(user=user, workshop__uuid=workshop_uuid, workshop__is_active=True)
        .values_list("workshop_id", "role")
        .first()
    )
    return row


class WorkshopStream(StreamConsumer):
    """Events about one workshop's work, for its floor board and lists.

    Managers (owner, manager) get every event the workshop is party to; floor staff only those
    about steps the workshop performs. The stream spans many jobs, so it has no single seq to
    replay from: a client re-reads its queue on `hello` (every connect and reconnect).
    """

    async def authorize(self) -> int | None:
        self.workshop_uuid = str(self.scope["url_route"]["kwargs"]["workshop_uuid"])
        return await self._load_role()

    async def _load_role(self) -> int | None:
        row = await database_sync_to_async(_workshop_role)(self.scope["user"], self.workshop_uuid)
        if row is None:
            return CLOSE_NOT_FOUND
        from workshops.models import MANAGING_ROLES

        self.workshop_id, role = row
        self.manages = role in MANAGING_ROLES
        return None

    def stream_groups(self) -> list[str]:
        return [realtime.workshop_group(self.workshop_uuid)]

    async def start(self) -> None:
        await self.send_json({"type": "hello", "workshop": self.workshop_uuid})

    async def reconcile(self, full: bool = True) -> None:
        await super().reconcile(full)
        if not self.closed and await self._load_role() is not None:
            await self.refuse(CLOSE_REVOKED)

    async def job_event(self, message: dict[str, Any]) -> None:
        event, route = message.get("event"), message.get("route")
        if not isinstance(event, dict) or not isinstance(route, dict):
            logger.warning("Malformed job.event on %s", self.scope.get("path"))
            return
        if self.manages or self.workshop_id in route.get("performers", ()):
            await self.send_json(event)

    async def board_update(self, message: dict[str, Any]) -> None:
        """The open board changed for this shop (a posting it may see, or an offer on its own
        posting): its managers' pages re-read what they show. Floor staff have no board."""
        posting = message.get("posting")
        if self.manages and isinstance(posting, str):
            await self.send_json({"type": "board.update", "posting": posting})
