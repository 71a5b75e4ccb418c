"""Live streams. Thin, as DESIGN.md asks: authenticate, authorize the object, replay from the
log, join the groups, forward. They never write to the database.

Close codes (sent after the handshake is accepted, so every client can read them):
  4400  the request is malformed (for example `?after=` is not a whole number)
  4401  not signed in, or the session signed out / the token was revoked while connected
  4403  access ended while connected (membership removed, order withdrawn)
  4404  no such object, or not one this user may see (existence does not leak)
  4429  the user already holds WEBSOCKET_MAX_PER_USER sockets on this server process

A socket is accepted before anything is looked up, then one database call says who it is,
whether it may see the object and where its stream starts (so a storm of reconnects queues
behind the database, never behind daphne's handshake timeout); sockets that ask while a call
runs share the next one (`livepath.Batch`). A job stream joins its job's group before that
call, so the call can read the log without missing what is sent meanwhile; nothing reaches the
socket before the call has let it in. Every stream is sent `{"type": "heartbeat"}` every
WEBSOCKET_HEARTBEAT seconds by its process's pulse (`livepath.py`), so a client can tell a dead
stream from a quiet one. Every WEBSOCKET_RECONCILE_EVERY heartbeats the pulse re-checks every
stream's credential and access in one batch and each job stream compares the job's last seq with
what it has forwarded, so a doorbell the channel layer dropped is repaired from the log even if
nothing else happens. `access.changed` and `session.ended` re-check at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from importlib import import_module
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from core import realtime
from workshops import tokens
from workshops.models import MANAGING_ROLES, Membership

from . import broadcast
from .access import job_access
from .livepath import batch, db, db_shared, pulse
from .models import Job

logger = logging.getLogger(__name__)

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_REVOKED = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY = 4429  # the user already holds WEBSOCKET_MAX_PER_USER sockets on this process

REPLAY_PAGE = 200
# Seconds a closing socket gives each channel-layer group it leaves (a layer that is down must
# not hold a closing instance until daphne kills it).
LEAVE_TIMEOUT = 2.0

# Events after which what a user may see of a job can have changed.
ACCESS_KINDS = frozenset(
    {
        "order.requested",
        "order.accepted",
        "order.declined",
        "order.withdrawn",
        "order.cancelled",
        "step.added",
        "step.updated",
        "step.removed",
    }
)


# The wire text of recent events, encoded once per process rather than once per socket.
_ENCODED: OrderedDict[tuple[str, int], str] = OrderedDict()
ENCODED_KEPT = 512


def encoded_event(event: dict[str, Any]) -> str:
    """An event's JSON text; a job's seq names one event, so the text can be shared."""
    key = (event["job"], event["seq"])
    text = _ENCODED.get(key)
    if text is None:
        text = _ENCODED[key] = json.dumps(event)
        if len(_ENCODED) > ENCODED_KEPT:
            _ENCODED.popitem(last=False)
    return text


def authenticate(scope: dict[str, Any]):
    """The user the socket's credential names (a token, or the browser's session), or anonymous.
    Runs on the streams' database thread, after the handshake is accepted."""
    if scope.get("auth") == "token":
        return tokens.user_for_key(scope.get("token")) or AnonymousUser()
    session = scope.get("session")
    if scope.get("auth") == "session" and session is not None:
        return get_user(SimpleNamespace(session=session))
    return AnonymousUser()


def still_signed_in(scope: dict[str, Any]) -> bool:
    """Whether the credential this socket was opened with still names the same active user."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return False
    if scope.get("auth") == "token":
        key = scope.get("token")
        return bool(key) and (key, user.pk) in tokens.live_pairs({key})
    session = scope.get("session")
    key = getattr(session, "session_key", None)
    if not key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    current = get_user(SimpleNamespace(session=store))
    return current.is_authenticated and current.pk == user.pk and current.is_active


DB_SESSION_ENGINES = ("django.contrib.sessions.backends.db",)


def signed_in_batch(scopes: list[dict[str, Any]]) -> list[bool]:
    """`still_signed_in` for many sockets in a few queries, whatever their number (tokens: one;
    sessions in the database: two). Another session engine is asked socket by socket."""

    answers: dict[int, bool] = {}
    keys, sessions = {}, {}
    for i, scope in enumerate(scopes):
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            answers[i] = False
        elif scope.get("auth") == "token":
            keys[i] = (scope.get("token"), user.pk)
        elif settings.SESSION_ENGINE in DB_SESSION_ENGINES:
            key = getattr(scope.get("session"), "session_key", None)
            if key:
                sessions[i] = (key, user.pk)
            else:
                answers[i] = False
        else:
            answers[i] = still_signed_in(scope)
    if keys:
        valid = tokens.live_pairs({key for key, _ in keys.values() if key})
        answers.update({i: pair in valid for i, pair in keys.items()})
    if sessions:
        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        rows = store_class.get_model_class().objects.filter(
            session_key__in={key for key, _ in sessions.values()}, expire_date__gt=timezone.now()
        )
        held = {row.session_key: store_class().decode(row.session_data) for row in rows}
        ids = {data.get(SESSION_KEY) for data in held.values()}
        users = {
            str(u.pk): u
            for u in get_user_model().objects.filter(pk__in=[i for i in ids if i], is_active=True)
        }
        for i, (key, user_pk) in sessions.items():
            data = held.get(key, {})
            user = users.get(str(data.get(SESSION_KEY)))
            answers[i] = bool(
                user is not None
                and user.pk == user_pk
                and data.get("_auth_user_backend") in settings.AUTHENTICATION_BACKENDS
                and _session_hash_matches(user, data.get(HASH_SESSION_KEY))
            )
    return [answers[i] for i in range(len(scopes))]


def _session_hash_matches(user, session_hash: str | None) -> bool:
    """As `django.contrib.auth.get_user` checks it: a password change signs other sessions out."""
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    return any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )


def recheck_all(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pulse's periodic re-check of every open stream of a process, in one database call:
    whether each credential still holds, and what each stream needs to tell whether its access
    may have changed. A handful of queries, whatever the number of streams."""
    signed_in = signed_in_batch([r["scope"] for r in requests])
    users = {r["scope"]["user"].pk for r, ok in zip(requests, signed_in, strict=True) if ok}
    memberships = _memberships_of(users) if users else {}
    job_pks = {r["job"] for r in requests if r.get("job") is not None}
    heads = dict(_job_heads(job_pks)) if job_pks else {}
    verdicts = []
    for request, ok in zip(requests, signed_in, strict=True):
        if not ok:
            verdicts.append({"signed_in": False})
            continue
        rows = memberships.get(request["scope"]["user"].pk, [])
        verdict: dict[str, Any] = {"signed_in": True, "memberships": rows}
        if request.get("job") is not None:
            verdict["head"] = heads.get(request["job"], 0)
        verdicts.append(verdict)
    return verdicts


def _memberships_of(user_pks: set[int]) -> dict[int, list[tuple[int, str, str, bool]]]:

    found: dict[int, list[tuple[int, str, str, bool]]] = {}
    for user_pk, workshop_pk, workshop_uuid, role, active in Membership.objects.filter(
        user_id__in=user_pks
    ).values_list("user_id", "workshop_id", "workshop__uuid", "role", "workshop__is_active"):
        found.setdefault(user_pk, []).append((workshop_pk, str(workshop_uuid), role, active))
    return found


def _job_heads(job_pks: set[int]):

    return Job.objects.filter(pk__in=job_pks).values_list("pk", "last_seq")


def roles_from(memberships: list[tuple[int, str, str, bool]]) -> tuple[set[int], set[int]]:
    """(shops managed, shops as floor staff) from membership rows, as `user_roles` computes."""

    managed, floor = set(), set()
    for workshop_pk, _uuid, role, _active in memberships:
        (managed if role in MANAGING_ROLES else floor).add(workshop_pk)
    return managed, floor


def credential_of(scope: dict[str, Any]) -> tuple[str | None, str | None]:
    """(how the socket signs in, with what), to tell sockets with the same credential."""
    if scope.get("auth") == "token":
        return "token", scope.get("token")
    return scope.get("auth"), getattr(scope.get("session"), "session_key", None)


def admit(
    stream: type[StreamConsumer], scope: dict[str, Any], target: str, begin: bool, params: Any
):
    """(user, close code or None, what the stream needs, what it starts from): who this is, may
    they, and (`begin`, for a well-formed request) where the stream starts, in one database call
    per handshake."""
    user = authenticate(scope)
    if not user.is_authenticated:
        return user, CLOSE_UNAUTHENTICATED, None, None
    code, state = stream.grant(user, target)
    begun = stream.begin(state, params) if code is None and begin else None
    return user, code, state, begun


class SocketsPerUser:
    """How many sockets each user holds on this process, against WEBSOCKET_MAX_PER_USER: one
    runaway client (a reconnect loop, a leaked tab) cannot take a process's sockets for itself.
    Counted per process: with N replicas behind the proxy a user may hold up to N times it."""

    def __init__(self) -> None:
        self.held: dict[int, int] = {}

    def take(self, user_pk: int) -> bool:
        count = self.held.get(user_pk, 0)
        if count >= settings.WEBSOCKET_MAX_PER_USER:
            return False
        self.held[user_pk] = count + 1
        return True

    def give_back(self, user_pk: int) -> None:
        count = self.held.get(user_pk, 0) - 1
        if count > 0:
            self.held[user_pk] = count
        else:
            self.held.pop(user_pk, None)


sockets_of = SocketsPerUser()


class StreamConsumer(AsyncJsonWebsocketConsumer):
    """What every stream shares: sign-in, personal groups, the pulse, closing with a code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.joined: list[str] = []
        self.closed = False
        self.left = False
        self.counted = False  # holds one of its user's WEBSOCKET_MAX_PER_USER places
        self.lock = asyncio.Lock()

    # --- subclasses ---------------------------------------------------------------------------

    def target(self) -> str:
        """What the socket asks to watch, from its URL."""
        raise NotImplementedError

    @staticmethod
    def grant(user, target: str) -> tuple[int | None, Any]:
        """On the database thread, for a signed-in user: (a close code to refuse, or None;
        what the stream needs to start). The same for every socket of that user and target."""
        raise NotImplementedError

    def take(self, state: Any) -> None:
        """Keep what `grant` found."""
        raise NotImplementedError

    def malformed(self) -> int | None:
        """A close code for a malformed request (told once the user is known)."""
        return None

    def early_groups(self) -> list[str]:
        """Groups the URL names, joined before the handshake's lookup, so the lookup can also
        say where the stream starts (`begin`) without missing what is sent meanwhile. Nothing
        is forwarded before the lookup has authorized the socket (Channels dispatches no group
        message while `connect` runs, and a closed stream handles none), and a refused socket
        leaves them."""
        return []

    def start_params(self) -> Any:
        """What `begin` needs from the request (hashable: sockets asking the same share it)."""
        return None

    @staticmethod
    def begin(state: Any, params: Any) -> Any:
        """On the database thread, in the handshake's call, for a socket `grant` let in: what
        the stream starts from. Only for streams whose `early_groups` carry everything it must
        not miss; others look in `start`, after joining every group."""
        return None

    def stream_groups(self) -> list[str]:
        raise NotImplementedError

    async def start(self, begun: Any) -> None:
        """After joining the groups: replay (from what `begin` found), then say hello."""
        await self.send_json({"type": "hello"})

    async def reconcile(self) -> None:
        """Re-check at once (after `access.changed`); close if access has ended."""
        if not await db(still_signed_in, self.scope):
            await self.refuse(CLOSE_UNAUTHENTICATED)

    def heartbeat(self) -> dict[str, Any]:
        return {"type": "heartbeat"}

    # The pulse's batched re-check, on the database thread: `recheck_all(requests)`.
    recheck_all = staticmethod(recheck_all)

    def recheck_request(self) -> dict[str, Any]:
        """What the pulse's batched re-check needs to know about this stream."""
        return {"scope": self.scope}

    async def rechecked(self, verdict: dict[str, Any]) -> None:
        """The pulse's verdict on this stream: close it, or repair what may have changed."""
        if not verdict["signed_in"]:
            await self.refuse(CLOSE_UNAUTHENTICATED)

    # --- lifecycle ----------------------------------------------------------------------------

    async def __call__(self, scope, receive, send) -> None:
        try:
            try:
                await super().__call__(scope, receive, send)
            except Exception:
                # The channel layer's first command after Redis came back can fail on the
                # connection it lost (redis-py reconnects on the next one). Nothing has happened
                # yet if the socket got no channel: try once more rather than answer 500. (The
                # pub/sub layer makes a channel without Redis; its first command is a join.)
                if getattr(self, "channel_name", None) is not None:
                    raise
                logger.info("The channel layer failed before the socket had a channel; again")
                await super().__call__(scope, receive, send)
        finally:
            # However the instance ends: a disconnect, a refusal, an error, or daphne cancelling
            # an instance that took too long to shut down, when `disconnect()` never runs.
            await self.leave()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch first runs `close_old_connections` on the ORM thread for every
        # message: a disconnect, a doorbell and a heartbeat would each wait behind every other
        # socket's queries. Stream database calls close stale connections themselves (`db`).
        if self.closed and not message["type"].startswith("websocket."):
            return  # a refused or closing stream forwards nothing (early groups included)
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        await self.leave()
        raise StopConsumer()

    async def connect(self) -> None:
        # Accept first: a refusal before the handshake reaches a browser as a bare 403 with no
        # reason (after it, the client reads the close code), and a socket waiting for the
        # database must not run into daphne's handshake timeout.
        await self.accept()
        auth, credential = credential_of(self.scope)
        if auth not in ("token", "session") or not credential:
            await self.refuse(CLOSE_UNAUTHENTICATED)  # nothing to look up
            return
        malformed = self.malformed()  # told only once the user is known
        target = self.target()
        for group in self.early_groups():
            if not await self.join(group):
                return
        # One database call says who this is, what they may see and where the stream starts;
        # sockets asking at the same time ride the same call (a reconnect storm).
        params = self.start_params() if malformed is None else None
        key = (type(self).__name__, auth, credential, target, malformed is None, params)
        user, code, state, begun = await batch().ask(
            key, admit, type(self), self.scope, target, malformed is None, params
        )
        self.user = self.scope["user"] = user
        code = code if code == CLOSE_UNAUTHENTICATED else (malformed or code)
        if code is None and not sockets_of.take(user.pk):
            code = CLOSE_TOO_MANY
        if code is not None:
            await self.refuse(code)
            return
        self.counted = True
        self.take(state)
        personal = [realtime.user_group(str(self.user.uuid))]
        if auth == "session":
            personal.append(realtime.session_group(credential))
        for group in [*personal, *self.stream_groups()]:
            if group not in self.joined and not await self.join(group):
                return
        async with self.lock:
            await self.start(begun)
        if not self.closed:
            pulse().join(self)

    async def join(self, group: str) -> bool:
        """Join a group, unless the socket has closed meanwhile."""
        if self.closed:
            return False
        self.joined.append(group)  # left on close even if the join fails half-way
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception:
            # The layer's first command after Redis came back (a group's subscription; a
            # socket's own channel needs none) can fail on the connection it lost, and
            # redis-py reconnects on the next one: try once more rather than fail the socket.
            logger.info("Could not join %s; again", group, exc_info=True)
            await self.channel_layer.group_add(group, self.channel_name)
        return True

    async def disconnect(self, code: int) -> None:
        await self.leave()

    async def leave(self) -> None:
        """Stop beating and leave every group, once. Never waits long on the channel layer."""
        if self.left:
            return
        self.left = self.closed = True
        pulse().leave(self)
        if self.counted:
            sockets_of.give_back(self.user.pk)
        groups, self.joined = self.joined, []
        for group in groups:
            try:
                await asyncio.wait_for(
                    self.channel_layer.group_discard(group, self.channel_name), LEAVE_TIMEOUT
                )
            except Exception:
                # The group forgets this channel by itself after channels_redis' group_expiry.
                logger.info("Could not leave %s", group, exc_info=True)

    async def refuse(self, code: int) -> None:
        if self.closed:
            return
        self.closed = True
        await self.close(code=code)

    async def send_json(self, content: dict[str, Any], close: bool = False) -> None:
        if not self.closed:
            await super().send_json(content, close=close)

    async def send_event(self, event: dict[str, Any]) -> None:
        if not self.closed:
            await self.send(text_data=encoded_event(event))

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; changes arrive over HTTP. A ping is answered, the rest ignored."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def receive(self, text_data=None, bytes_data=None, **kwargs: Any) -> None:
        # Not JSON: ignored, like any other client chatter.
        with contextlib.suppress(ValueError):
            await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    async def beat(self) -> None:
        """From the pulse. A stream busy replaying is not dead: its beat is skipped."""
        if not self.closed and not self.lock.locked():
            await self.send_json(self.heartbeat())

    # --- messages on the personal groups ------------------------------------------------------

    async def access_changed(self, message: dict[str, Any]) -> None:
        async with self.lock:
            await self.reconcile()

    async def session_ended(self, message: dict[str, Any]) -> None:
        await self.refuse(CLOSE_UNAUTHENTICATED)


# --- /ws/jobs/<uuid>/ ------------------------------------------------------------------------


def _load_job_access(user, job_uuid: str):

    job = Job.objects.select_related("owner").filter(uuid=job_uuid).first()
    return None if job is None else job_access(user, job)


def visible_in(access, event: dict[str, Any], route: dict[str, Any]) -> bool:
    """The in-memory twin of `JobAccess.events()`: may this user see this event?"""
    if access.is_hub_manager:
        if event["kind"].startswith("payment."):
            # Payments are the two parties' business: not the hub's on a sub-order.
            return any(o.pk == route["order"] and access.can_see_price(o) for o in access.orders)
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


def _last_seq(access) -> int:

    return Job.objects.filter(pk=access.job.pk).values_list("last_seq", flat=True).first() or 0


def _head(access, head: int | None = None) -> tuple[int, int]:
    """(the job's last seq, the last seq of an event this user may see); `head` when the
    caller has just read it."""
    head = _last_seq(access) if head is None else head
    if access.is_hub_manager:
        return head, head  # the hub sees every event, and the log has no gaps
    seen = access.events().filter(seq__lte=head).order_by("-seq").values_list("seq", flat=True)
    return head, seen.first() or 0


def _catch_up(access, after: int, head: int | None = None) -> tuple[int, list[dict[str, Any]]]:
    """(the job's last seq, the visible events after `after` up to it, as wire payloads);
    `head` when the caller has just read it."""
    head = _last_seq(access) if head is None else head
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


def _start(access, after: int | None) -> tuple[int, int, list[dict[str, Any]]]:
    """(the job's last seq, the seq the client is at, what it missed). Runs in the handshake's
    call, right after the job's row was read (after the socket joined the job's group): its
    `last_seq` is the head, so the hub starting from the present costs no query of its own."""
    head = access.job.last_seq
    if after is not None:
        head, payloads = _catch_up(access, after, head)
        if after <= head:
            return head, (payloads[-1]["seq"] if payloads else after), payloads
    # From the present; a seq from the future (a client of a restored database, say) is not
    # trusted, or every live event would look like one it had already seen.
    head, last_visible = _head(access, head)
    return head, last_visible, []


class JobStream(StreamConsumer):
    """Every event of one job that the user may see, in seq order, without gaps.

    `?after=<seq>` replays what the client missed from the log before forwarding live events.
    Without it, the stream starts at the present. `hello` carries the seq the client is now at.
    """

    def target(self) -> str:
        return str(self.scope["url_route"]["kwargs"]["job_uuid"])

    def malformed(self) -> int | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        after = query.get("after", [None])[-1]
        if after is None or after == "":
            self.after = None
        elif after.isascii() and after.isdigit() and len(after) <= 18:
            self.after = int(after)
        else:
            return CLOSE_BAD_REQUEST
        return None

    def early_groups(self) -> list[str]:
        # The job's group before the lookup reads the log: nothing committed after that read
        # can be missed (what arrives meanwhile waits in the socket's queue until `connect`
        # returns, and what the replay already carried is dropped by its seq).
        return [realtime.job_group(self.target())]

    def start_params(self) -> Any:
        return self.after

    @staticmethod
    def grant(user, target: str) -> tuple[int | None, Any]:
        access = _load_job_access(user, target)
        return (CLOSE_NOT_FOUND, None) if access is None else (None, access)

    @staticmethod
    def begin(state: Any, params: Any) -> Any:
        return _start(state, params)

    def take(self, state: Any) -> None:
        self.access = state
        self.cursor = 0  # the job's seq up to which every event has been dealt with
        self.last_sent = 0  # the seq of the last event this client was sent

    def stream_groups(self) -> list[str]:
        return [realtime.job_group(str(self.access.job.uuid))]

    async def start(self, begun: Any) -> None:
        head, at, payloads = begun
        for payload in payloads:
            await self.send_event(payload)
        self.cursor, self.last_sent = head, at
        await self.send_json(
            {"type": "hello", "job": str(self.access.job.uuid), "seq": self.last_sent}
        )

    def heartbeat(self) -> dict[str, Any]:
        return {"type": "heartbeat", "seq": self.last_sent}

    async def catch_up(self) -> None:
        head, payloads = await db(_catch_up, self.access, self.cursor)
        for payload in payloads:
            await self.send_event(payload)
            self.last_sent = payload["seq"]
        self.cursor = max(self.cursor, head)

    async def refresh_access(self, seq: int | None = None) -> bool:
        """Reload what the user may see of the job. After an event (`seq`), every socket of
        the same user on the job shares one reload."""
        job = str(self.access.job.uuid)
        if seq is None:
            access = await db(_load_job_access, self.user, job)
        else:
            key = ("job-access", self.user.pk, job, seq)
            access = await db_shared(key, _load_job_access, self.user, job)
        if access is None:
            await self.refuse(CLOSE_REVOKED)
            return False
        self.access = access
        return True

    async def reconcile(self) -> None:
        await super().reconcile()
        if not self.closed and await self.refresh_access():
            await self.catch_up()

    def recheck_request(self) -> dict[str, Any]:
        return {"scope": self.scope, "job": self.access.job.pk}

    async def rechecked(self, verdict: dict[str, Any]) -> None:
        await super().rechecked(verdict)
        if self.closed:
            return
        # Access is reloaded and the gap replayed only when the log moved past what was dealt
        # with (a lost doorbell may have changed what the user sees) or the user's memberships
        # changed (in case the `access.changed` message was lost).
        roles = roles_from(verdict["memberships"])
        if verdict["head"] <= self.cursor and roles == (self.access.managed, self.access.floor):
            return
        async with self.lock:
            if not self.closed and await self.refresh_access():
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
            if (gap or event["kind"] in ACCESS_KINDS) and not await self.refresh_access(
                event["seq"]
            ):
                return
            if gap:
                await self.catch_up()  # the log has what was lost (and this one)
                return
            self.cursor = event["seq"]
            if visible_in(self.access, event, route):
                await self.send_event(event)
                self.last_sent = event["seq"]


# --- /ws/workshops/<uuid>/floor/ ---------------------------------------------------------------


def _workshop_role(user, workshop_uuid: str) -> tuple[int, str] | None:

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

    def target(self) -> str:
        return str(self.scope["url_route"]["kwargs"]["workshop_uuid"])

    @staticmethod
    def grant(user, target: str) -> tuple[int | None, Any]:
        row = _workshop_role(user, target)
        return (CLOSE_NOT_FOUND, None) if row is None else (None, row)

    def take(self, state: Any) -> None:
        self.workshop_uuid = self.target()
        self._take_role(state)

    def _take_role(self, row: tuple[int, str] | None) -> int | None:

        if row is None:
            return CLOSE_NOT_FOUND
        self.workshop_id, role = row
        self.manages = role in MANAGING_ROLES
        return None

    def stream_groups(self) -> list[str]:
        return [realtime.workshop_group(self.workshop_uuid)]

    async def start(self, begun: Any) -> None:
        await self.send_json({"type": "hello", "workshop": self.workshop_uuid})

    async def reconcile(self) -> None:
        await super().reconcile()
        if not self.closed:
            row = await db(_workshop_role, self.user, self.workshop_uuid)
            if self._take_role(row) is not None:
                await self.refuse(CLOSE_REVOKED)

    async def rechecked(self, verdict: dict[str, Any]) -> None:
        await super().rechecked(verdict)
        if self.closed:
            return
        row = next(
            (
                (pk, role)
                for pk, uuid, role, active in verdict["memberships"]
                if uuid == self.workshop_uuid and active
            ),
            None,
        )
        if self._take_role(row) is not None:
            await self.refuse(CLOSE_REVOKED)

    async def job_event(self, message: dict[str, Any]) -> None:
        event, route = message.get("event"), message.get("route")
        if not isinstance(event, dict) or not isinstance(route, dict):
            logger.warning("Malformed job.event on %s", self.scope.get("path"))
            return
        if self.manages or self.workshop_id in route.get("performers", ()):
            await self.send_event(event)

    async def board_update(self, message: dict[str, Any]) -> None:
        """The open board changed for this shop (a posting it may see, or an offer on its own
        posting): its managers' pages re-read what they show. Floor staff have no board."""
        posting = message.get("posting")
        if self.manages and isinstance(posting, str):
            await self.send_json({"type": "board.update", "posting": posting})
