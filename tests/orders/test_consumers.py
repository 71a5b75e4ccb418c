"""The live streams, through the real ASGI application (origin check, session and token auth,
URL routing, consumers) with WebsocketCommunicator, on whichever channel layer the run uses
(in-memory by default; Redis when REDIS_URL is set, as in CI)."""

from __future__ import annotations

import json

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from core import realtime
from orders import broadcast, livepath
from orders.access import job_access
from orders.consumers import (
    CLOSE_BAD_REQUEST,
    CLOSE_NOT_FOUND,
    CLOSE_REVOKED,
    CLOSE_UNAUTHENTICATED,
    visible_in,
)
from orders.models import ProgressEvent, Step
from orders.services.handoffs import handoff_ship
from orders.services.jobs import job_update, step_remove
from orders.services.progress import step_done, step_hold, step_start
from orders.services.routing import order_accept, order_request, order_withdraw
from shopnet.asgi import application
from tests.conftest import client_for
from tests.orders.conftest import add, post_job, terms
from tests.orders.test_services import every_kind_scenario
from workshops import services as workshop_services
from workshops.models import District, Membership

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://localhost"
QUIET = 0.3  # seconds to wait when proving that nothing arrives


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def open_stream(path: str, user=None, *, origin=ORIGIN, token: str | None = None):
    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    if user is not None:
        headers.append((b"cookie", await run(session_cookie, user)))
    if token is not None:
        headers.append((b"authorization", f"Token {token}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


async def watch(path: str, user=None, **kwargs):
    """A stream that is open and has said hello."""
    communicator, connected = await open_stream(path, user, **kwargs)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


async def closed_with(communicator) -> int:
    message = await communicator.receive_output(timeout=5)
    assert message["type"] == "websocket.close", message
    return message["code"]


async def refused(path: str, user=None, **kwargs) -> int:
    communicator, connected = await open_stream(path, user, **kwargs)
    assert connected
    code = await closed_with(communicator)
    await communicator.disconnect()
    return code


def run(fn, *args, **kwargs):
    """The test's own database calls, on the streams' database thread: one at a time with the
    consumers' (an in-memory SQLite database refuses two threads touching a table at once)."""
    return livepath.db(fn, *args, **kwargs)


def expected_payload(event: ProgressEvent) -> dict:
    event = ProgressEvent.objects.select_related("job", "step", "order", "workshop", "handoff").get(
        pk=event.pk
    )
    return {
        "type": "job.event",
        "job": str(event.job.uuid),
        "seq": event.seq,
        "kind": event.kind,
        "step": str(event.step.uuid) if event.step_id else None,
        "order": str(event.order.uuid) if event.order_id else None,
        "workshop": str(event.workshop.uuid) if event.workshop_id else None,
        "handoff": str(event.handoff.uuid) if event.handoff_id else None,
        "at": event.created_at.isoformat(),
    }


def events_after(job, seq: int) -> list[dict]:
    return [expected_payload(e) for e in job.events.filter(seq__gt=seq).order_by("seq")]


def last_seq(job) -> int:
    job.refresh_from_db()
    return job.last_seq


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_an_anonymous_socket_is_closed_4401(routed_job):
    job, _, _ = routed_job
    assert await refused(f"/ws/jobs/{job.uuid}/") == CLOSE_UNAUTHENTICATED


@pytest.mark.asyncio
async def test_a_foreign_origin_is_refused_at_the_handshake(chain, routed_job):
    job, _, _ = routed_job
    communicator, connected = await open_stream(
        f"/ws/jobs/{job.uuid}/", chain.hub_owner, origin=b"https://evil.example"
    )
    assert not connected
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "origin",
    [b"http://localhost:8001", b"https://localhost:9999", b"ftp://localhost", b"null", b""],
)
async def test_an_origin_must_be_the_host_the_browser_connected_to(chain, routed_job, origin):
    """Another application on the same machine (another port) is another site."""
    job, _, _ = routed_job
    headers = [
        (b"origin", origin),
        (b"host", b"localhost:8000"),
        (b"cookie", await run(session_cookie, chain.hub_owner)),
    ]
    communicator = WebsocketCommunicator(application, f"/ws/jobs/{job.uuid}/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert not connected
    await communicator.disconnect()
    headers[0] = (b"origin", b"http://localhost:8000")
    communicator = WebsocketCommunicator(application, f"/ws/jobs/{job.uuid}/", headers=headers)
    assert (await communicator.connect(timeout=5))[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_without_an_origin_a_session_cookie_is_not_enough(chain, routed_job):
    job, _, _ = routed_job
    assert await refused(f"/ws/jobs/{job.uuid}/", chain.hub_owner, origin=None) == 4401


@pytest.mark.asyncio
async def test_an_integration_connects_with_its_token_and_no_origin(chain, routed_job):
    job, _, _ = routed_job
    token = await run(lambda: Token.objects.create(user=chain.hub_owner).key)
    communicator, connected = await open_stream(f"/ws/jobs/{job.uuid}/", origin=None, token=token)
    assert connected
    hello = await communicator.receive_json_from(timeout=5)
    assert hello == {"type": "hello", "job": str(job.uuid), "seq": await run(last_seq, job)}
    await communicator.disconnect()
    assert await refused(f"/ws/jobs/{job.uuid}/", origin=None, token="0" * 40) == 4401


@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["stranger_owner", "staff"])
async def test_a_job_the_user_may_not_see_is_closed_4404(chain, routed_job, who):
    job, _, _ = routed_job
    assert await refused(f"/ws/jobs/{job.uuid}/", getattr(chain, who)) == CLOSE_NOT_FOUND


@pytest.mark.asyncio
async def test_an_unknown_job_is_closed_4404_like_a_foreign_one(chain):
    path = "/ws/jobs/00000000-0000-4000-8000-000000000000/"
    assert await refused(path, chain.hub_owner) == CLOSE_NOT_FOUND


@pytest.mark.asyncio
@pytest.mark.parametrize("after", ["abc", "-1", "1.5", "9" * 30])
async def test_a_malformed_after_is_closed_4400(chain, routed_job, after):
    job, _, _ = routed_job
    path = f"/ws/jobs/{job.uuid}/?after={after}"
    assert await refused(path, chain.hub_owner) == CLOSE_BAD_REQUEST


@pytest.mark.asyncio
async def test_floor_and_district_streams_refuse_outsiders(chain):
    district = await run(lambda: chain.staff.district_staff.first().district)
    assert await refused(f"/ws/workshops/{chain.hub.uuid}/floor/", chain.turner_owner) == 4404
    assert await refused(f"/ws/workshops/{chain.hub.uuid}/floor/", chain.staff) == 4404
    assert await refused(f"/ws/workshops/{chain.hub.uuid}/floor/") == CLOSE_UNAUTHENTICATED
    other = await run(District.objects.create, slug="tsubame", name_ja="燕")
    assert await refused(f"/ws/districts/{other.slug}/", chain.staff) == 4404
    assert await refused(f"/ws/districts/{district.slug}/", chain.stranger_owner) == 4404
    assert await refused("/ws/districts/no-such-place/", chain.staff) == 4404


# --- replay and live forwarding ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_replay_after_seq_sends_exactly_the_missed_events_then_hello(chain, routed_job):
    job, _, _ = routed_job
    head = await run(last_seq, job)
    assert head > 5
    communicator, _ = await open_stream(f"/ws/jobs/{job.uuid}/?after=3", chain.hub_owner)
    received = [await communicator.receive_json_from(timeout=5) for _ in range(head - 3)]
    assert received == await run(events_after, job, 3)
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "hello",
        "job": str(job.uuid),
        "seq": head,
    }
    assert await communicator.receive_nothing(timeout=QUIET)
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_seq_from_the_future_starts_the_stream_at_the_present(chain, routed_job):
    job, steps, _ = routed_job
    head = await run(last_seq, job)
    communicator, _ = await open_stream(f"/ws/jobs/{job.uuid}/?after=999999", chain.hub_owner)
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "hello",
        "job": str(job.uuid),
        "seq": head,
    }
    await run(step_start, step=steps["L"], actor=chain.turner_floor)
    assert (await communicator.receive_json_from(timeout=5))["seq"] == head + 1
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_live_event_arrives_as_exact_json_primitives(chain, routed_job):
    job, steps, _ = routed_job
    head = await run(last_seq, job)
    communicator = await watch(f"/ws/jobs/{job.uuid}/?after={head}", chain.hub_owner)
    step = await run(step_start, step=steps["L"], actor=chain.turner_floor)
    frame = await communicator.receive_from(timeout=5)
    event = await run(lambda: step.events.get(kind="step.started"))
    assert json.loads(frame) == await run(expected_payload, event)
    assert json.loads(frame)["seq"] == head + 1
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_each_party_receives_only_the_events_it_may_see(chain, routed_job):
    job, steps, _ = routed_job
    head = await run(last_seq, job)
    hub, _ = await open_stream(f"/ws/jobs/{job.uuid}/?after={head}", chain.hub_owner)
    grinder, _ = await open_stream(f"/ws/jobs/{job.uuid}/?after={head}", chain.grinder_floor)
    for communicator in (hub, grinder):
        assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"

    # Turning is the turner's: the hub sees it, the grinder's floor does not.
    await run(step_start, step=steps["L"], actor=chain.turner_floor)
    assert (await hub.receive_json_from(timeout=5))["kind"] == "step.started"
    assert await grinder.receive_nothing(timeout=QUIET)

    # Parts shipped to grinding: both see the hand-off.
    await run(step_done, step=steps["L"], actor=chain.turner_floor, good=100)
    handoff = await run(handoff_ship, step=steps["L"], actor=chain.turner_floor, quantity=100)
    hub_kinds = []
    while "handoff.shipped" not in hub_kinds:
        hub_kinds.append((await hub.receive_json_from(timeout=5))["kind"])
    message = await grinder.receive_json_from(timeout=5)
    assert message["kind"] == "handoff.shipped"
    assert message["handoff"] == str(handoff.uuid)
    # What the grinder's floor was sent is exactly what the log gives it.
    access = await run(job_access, chain.grinder_floor, job)
    visible = await run(lambda: list(access.events().filter(seq__gt=head).values_list("seq")))
    assert [message["seq"]] == [seq for (seq,) in visible]
    for communicator in (hub, grinder):
        await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_lost_doorbell_is_repaired_from_the_log(chain, routed_job, monkeypatch):
    job, steps, _ = routed_job
    head = await run(last_seq, job)
    communicator = await watch(f"/ws/jobs/{job.uuid}/?after={head}", chain.hub_owner)

    real_send = realtime._send
    monkeypatch.setattr(realtime, "_send", lambda groups, message: None)  # Redis "blips"
    await run(step_start, step=steps["L"], actor=chain.turner_floor)
    assert await communicator.receive_nothing(timeout=QUIET)
    monkeypatch.setattr(realtime, "_send", real_send)
    await run(step_hold, step=steps["L"], actor=chain.turner_floor, reason="tooling")

    # The second doorbell reveals the gap; the consumer replays both from the log, in order.
    received = [await communicator.receive_json_from(timeout=5) for _ in range(2)]
    assert received == await run(events_after, job, head)
    assert [m["kind"] for m in received] == ["step.started", "step.held"]
    assert await communicator.receive_nothing(timeout=QUIET)
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_repeated_message_is_forwarded_once(chain, routed_job):
    job, steps, _ = routed_job
    head = await run(last_seq, job)
    communicator, _ = await open_stream(f"/ws/jobs/{job.uuid}/?after={head}", chain.hub_owner)
    await communicator.receive_json_from(timeout=5)
    captured = []

    def capture(groups, message):
        captured.append((groups, message))

    real_send = realtime._send
    realtime._send = capture
    try:
        await run(step_start, step=steps["L"], actor=chain.turner_floor)
    finally:
        realtime._send = real_send
    _groups, message = captured[0]
    layer = get_channel_layer()
    for _ in range(3):
        await layer.group_send(realtime.job_group(str(job.uuid)), message)
    assert (await communicator.receive_json_from(timeout=5))["seq"] == head + 1
    assert await communicator.receive_nothing(timeout=QUIET)
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_heartbeats_carry_the_seq_and_reconcile_repairs_a_lost_last_event(
    chain, routed_job, monkeypatch, settings
):
    settings.WEBSOCKET_HEARTBEAT = 0.1
    settings.WEBSOCKET_RECONCILE_EVERY = 2
    job, steps, _ = routed_job
    head = await run(last_seq, job)
    communicator = await watch(f"/ws/jobs/{job.uuid}/?after={head}", chain.hub_owner)
    assert await communicator.receive_json_from(timeout=5) == {"type": "heartbeat", "seq": head}

    # The only doorbell is lost and nothing else happens: the reconcile finds it in the log.
    monkeypatch.setattr(realtime, "_send", lambda groups, message: None)
    await run(step_start, step=steps["L"], actor=chain.turner_floor)
    message = await communicator.receive_json_from(timeout=5)
    while message["type"] == "heartbeat":
        message = await communicator.receive_json_from(timeout=5)
    assert message == (await run(events_after, job, head))[0]
    while (beat := await communicator.receive_json_from(timeout=5))["type"] != "heartbeat":
        pass
    assert beat == {"type": "heartbeat", "seq": head + 1}
    await communicator.disconnect()


# --- access ending while connected ------------------------------------------------------------


@pytest.mark.asyncio
async def test_removing_a_membership_closes_that_users_sockets_4403(chain, routed_job):
    job, _, _ = routed_job
    job_socket, _ = await open_stream(f"/ws/jobs/{job.uuid}/", chain.grinder_floor)
    floor_socket, _ = await open_stream(
        f"/ws/workshops/{chain.grinder.uuid}/floor/", chain.grinder_floor
    )
    for communicator in (job_socket, floor_socket):
        assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    membership = await run(Membership.objects.get, user=chain.grinder_floor, workshop=chain.grinder)
    await run(workshop_services.membership_remove, membership=membership, actor=chain.grinder_owner)
    assert await closed_with(job_socket) == CLOSE_REVOKED
    assert await closed_with(floor_socket) == CLOSE_REVOKED


@pytest.mark.asyncio
async def test_signing_out_closes_the_sessions_sockets_4401(chain, routed_job):
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    communicator = WebsocketCommunicator(
        application, f"/ws/jobs/{job.uuid}/", headers=[(b"origin", ORIGIN), (b"cookie", cookie)]
    )
    assert (await communicator.connect(timeout=5))[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"

    def sign_out():
        client = Client()
        name, _, value = cookie.decode().partition("=")
        client.cookies[name] = value
        assert client.post("/accounts/logout/").status_code == 302

    await run(sign_out)
    assert await closed_with(communicator) == CLOSE_UNAUTHENTICATED


@pytest.mark.asyncio
async def test_rotating_a_token_closes_the_sockets_it_opened(chain, routed_job):
    job, _, _ = routed_job
    token = await run(lambda: Token.objects.create(user=chain.hub_owner).key)
    communicator = await watch(f"/ws/jobs/{job.uuid}/", origin=None, token=token)
    await run(call_command, "issue_token", chain.hub_owner.username, "--rotate")
    assert await closed_with(communicator) == CLOSE_UNAUTHENTICATED


@pytest.mark.asyncio
async def test_the_would_be_supplier_is_told_live_that_a_request_was_withdrawn(chain):
    def setup():
        job = post_job(chain)
        step = add(job, chain, "L")
        order = order_request(
            job=job, actor=chain.hub_owner, supplier=chain.stranger, steps=[step], terms=terms()
        )
        return job, order

    job, order = await run(setup)
    communicator = await watch(f"/ws/jobs/{job.uuid}/", chain.stranger_owner)
    await run(order_withdraw, order=order, actor=chain.hub_owner)
    message = await communicator.receive_json_from(timeout=5)
    assert (message["kind"], message["order"]) == ("order.withdrawn", str(order.uuid))
    await communicator.disconnect()


# --- the floor and district streams -----------------------------------------------------------


@pytest.mark.asyncio
async def test_the_floor_stream_gives_floor_staff_their_steps_and_managers_their_inbox(
    chain, routed_job
):
    job, steps, _ = routed_job
    floor, _ = await open_stream(f"/ws/workshops/{chain.turner.uuid}/floor/", chain.turner_floor)
    owner, _ = await open_stream(f"/ws/workshops/{chain.turner.uuid}/floor/", chain.turner_owner)
    for communicator in (floor, owner):
        assert await communicator.receive_json_from(timeout=5) == {
            "type": "hello",
            "workshop": str(chain.turner.uuid),
        }
    started = await run(step_start, step=steps["L"], actor=chain.turner_floor)
    for communicator in (floor, owner):
        message = await communicator.receive_json_from(timeout=5)
        assert (message["kind"], message["step"]) == ("step.started", str(started.uuid))

    def request_more():
        extra = add(job, chain, "M")
        return order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[extra], terms=terms()
        )

    order = await run(request_more)
    # The new request reaches the owner's inbox; floor staff are not told about orders.
    message = await owner.receive_json_from(timeout=5)
    assert (message["kind"], message["order"]) == ("order.requested", str(order.uuid))
    assert await floor.receive_nothing(timeout=QUIET)
    for communicator in (floor, owner):
        await communicator.disconnect()


@pytest.mark.asyncio
async def test_the_district_stream_forwards_district_updates_to_its_staff(chain):
    district = await run(lambda: chain.staff.district_staff.first().district)
    communicator, _ = await open_stream(f"/ws/districts/{district.slug}/", chain.staff)
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "hello",
        "district": district.slug,
    }
    await get_channel_layer().group_send(
        realtime.district_group(str(district.uuid)),
        {"type": "district.update", "data": {"steps_done": 3}},
    )
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "district.update",
        "data": {"steps_done": 3},
    }
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_ping_is_answered_and_other_chatter_ignored(chain, routed_job):
    job, _, _ = routed_job
    communicator, _ = await open_stream(f"/ws/jobs/{job.uuid}/", chain.hub_owner)
    await communicator.receive_json_from(timeout=5)
    await communicator.send_to(text_data="not json")
    await communicator.send_json_to({"type": "step.done"})
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()


# --- the in-memory visibility check agrees with the log's --------------------------------------


@pytest.mark.django_db(transaction=False)
def test_visible_in_agrees_with_the_event_log_for_every_kind_and_party(chain):
    def check():
        jobs = every_kind_scenario(chain)
        users = [
            chain.hub_owner,
            chain.hub_floor,
            chain.turner_owner,
            chain.turner_floor,
            chain.grinder_owner,
            chain.grinder_floor,
            chain.plater_owner,
        ]
        checked = 0
        for job in jobs:
            events = list(
                ProgressEvent.objects.filter(job=job).select_related(
                    "job", "step", "order", "workshop", "handoff"
                )
            )
            for user in users:
                access = job_access(user, job)
                if access is None:
                    continue
                in_log = set(access.events().values_list("seq", flat=True))
                for event in events:
                    payload = broadcast.event_payload(event)
                    route = broadcast.event_route(event)
                    assert visible_in(access, payload, route) == (event.seq in in_log), (
                        user.username,
                        event.kind,
                    )
                    checked += 1
        return checked

    assert check() > 100


def test_publishing_fails_quietly_when_the_layer_is_down(chain, routed_job, monkeypatch, caplog):
    """Redis unreachable: the transition still commits, and the event is in the log."""
    job, steps, _ = routed_job

    class Down:
        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(realtime, "get_channel_layer", Down)
    step = step_start(step=steps["L"], actor=chain.turner_floor)
    assert step.status == "in_progress"
    assert job.events.filter(kind="step.started", step=step).exists()
    assert "Could not publish step.started" in caplog.text


def test_the_hubs_notes_never_reach_another_party_through_the_log(chain, routed_job):
    job, _, _ = routed_job
    job_update(job=job, actor=chain.hub_owner, data={"notes": "社外秘: 単価交渉中"})
    for user in (chain.turner_owner, chain.grinder_floor):
        response = client_for(user).get(f"/api/v1/jobs/{job.uuid}/events")
        assert response.status_code == 200
        assert "単価交渉中" not in response.content.decode()


def test_a_withdrawn_request_no_longer_shows_what_happens_to_its_steps(chain):
    job = post_job(chain)
    step = add(job, chain, "L")
    first = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.stranger, steps=[step], terms=terms()
    )
    order_withdraw(order=first, actor=chain.hub_owner)
    second = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
    )
    order_accept(order=second, actor=chain.turner_owner)
    step_start(step=Step.objects.get(pk=step.pk), actor=chain.turner_floor)
    access = job_access(chain.stranger_owner, job)
    kinds = set(access.events().values_list("kind", flat=True))
    assert "order.withdrawn" in kinds  # its own request's fate
    assert not kinds & {"order.accepted", "step.started", "step.ready"}


@pytest.mark.asyncio
async def test_the_hub_hears_a_step_removed_and_its_floor_a_step_sent_out(chain):
    def setup():
        job = post_job(chain)
        keep = add(job, chain, "L")
        drop = add(job, chain, "M")
        return job, Step.objects.get(pk=keep.pk), drop

    job, keep, drop = await run(setup)
    assert keep.status == "ready"
    head = await run(last_seq, job)
    hub, _ = await open_stream(f"/ws/jobs/{job.uuid}/?after={head}", chain.hub_owner)
    floor, _ = await open_stream(f"/ws/workshops/{chain.hub.uuid}/floor/", chain.hub_floor)
    for communicator in (hub, floor):
        assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    await run(step_remove, step=drop, actor=chain.hub_owner)
    assert (await hub.receive_json_from(timeout=5))["kind"] == "step.removed"
    await run(
        order_request,
        job=job,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[keep],
        terms=terms(),
    )
    kinds = set()
    while "order.requested" not in kinds:
        kinds.add((await floor.receive_json_from(timeout=5))["kind"])
    for communicator in (hub, floor):
        await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_supplier_follows_the_step_it_passed_on_to_a_sub_supplier(chain, routed_job):
    _job, steps, _ = routed_job
    owner = await watch(f"/ws/workshops/{chain.turner.uuid}/floor/", chain.turner_owner)
    await run(step_hold, step=steps["G"], actor=chain.grinder_floor, reason="tooling")
    message = await owner.receive_json_from(timeout=5)
    assert (message["kind"], message["step"]) == ("step.held", str(steps["G"].uuid))
    await owner.disconnect()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("forwarded", "origin", "admitted"),
    [
        (None, b"http://localhost:8000", True),
        (None, b"https://localhost:8000", False),  # plain ws: the page was not https
        (b"https", b"https://localhost:8000", True),
        (b"https", b"http://localhost:8000", False),  # the site is https: a plain page is not us
        (b"http", b"https://localhost:8000", False),
    ],
)
async def test_an_origin_must_have_the_scheme_the_browser_connected_with(
    chain, routed_job, settings, forwarded, origin, admitted
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    job, _, _ = routed_job
    headers = [
        (b"origin", origin),
        (b"host", b"localhost:8000"),
        (b"cookie", await run(session_cookie, chain.hub_owner)),
    ]
    if forwarded is not None:
        headers.append((b"x-forwarded-proto", forwarded))
    communicator = WebsocketCommunicator(application, f"/ws/jobs/{job.uuid}/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected is admitted
    if admitted:
        assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    await communicator.disconnect()
