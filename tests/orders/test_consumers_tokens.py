"""Workshop API tokens on the live streams: a token opens a job stream like its maker's session,
and revoking it closes the sockets it opened at once, while the maker's browser stays."""

from __future__ import annotations

import pytest

from orders.consumers import CLOSE_UNAUTHENTICATED, recheck_all, still_signed_in
from tests.orders.test_consumers import closed_with, open_stream, run, watch
from workshops import services

pytestmark = pytest.mark.django_db(transaction=True)


def make_token(chain, *scopes):
    return services.api_token_create(
        workshop=chain.hub, actor=chain.hub_owner, name="生産管理", scopes=scopes
    )


@pytest.mark.asyncio
async def test_revoking_a_token_closes_its_open_sockets_at_once(chain, routed_job):
    job, _, _ = routed_job
    token, key = await run(make_token, chain, "read")
    by_token = await watch(f"/ws/jobs/{job.uuid}/", origin=None, token=key)
    by_browser = await watch(f"/ws/jobs/{job.uuid}/", chain.hub_owner)
    await run(services.api_token_revoke, token=token, actor=chain.hub_owner)
    assert await closed_with(by_token) == CLOSE_UNAUTHENTICATED
    # The maker's own session is still good: its stream answers a ping.
    await by_browser.send_json_to({"type": "ping"})
    assert (await by_browser.receive_json_from(timeout=5))["type"] == "pong"
    await by_browser.disconnect()
    await by_token.disconnect()


@pytest.mark.asyncio
async def test_a_revoked_token_cannot_open_a_socket(chain, routed_job):
    job, _, _ = routed_job
    token, key = await run(make_token, chain, "read")
    await run(services.api_token_revoke, token=token, actor=chain.hub_owner)
    communicator, connected = await open_stream(f"/ws/jobs/{job.uuid}/", origin=None, token=key)
    assert connected
    assert await closed_with(communicator) == CLOSE_UNAUTHENTICATED
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_token_without_the_read_scope_opens_no_stream(chain, routed_job):
    job, _, _ = routed_job
    _, key = await run(make_token, chain, "webhooks")
    communicator, connected = await open_stream(f"/ws/jobs/{job.uuid}/", origin=None, token=key)
    assert connected
    assert await closed_with(communicator) == CLOSE_UNAUTHENTICATED
    await communicator.disconnect()


def test_the_pulse_recheck_refuses_a_revoked_token_even_without_the_doorbell(chain):
    """If the group message is lost, the next periodic re-check closes the socket."""
    token, key = make_token(chain, "read")
    scope = {"auth": "token", "token": key, "user": chain.hub_owner}
    assert still_signed_in(scope)
    assert recheck_all([{"scope": scope}])[0]["signed_in"] is True
    services.api_token_revoke(token=token, actor=chain.hub_owner)
    assert not still_signed_in(scope)
    assert recheck_all([{"scope": scope}]) == [{"signed_in": False}]
