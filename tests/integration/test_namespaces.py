"""An event crosses hosts: two daphnes in one network namespace, a third in another, PostgreSQL
and Redis reached over veth pairs (tests/integration/netns.py). A hold made through a daphne in
namespace "a" reaches a socket on the daphne in namespace "b", and a socket on the other daphne
in "a", with the same payload as the log's row."""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.integration import cluster, netns
from tests.integration.test_two_daphnes import next_event, open_stream, same_event, transition

MISSING = cluster.missing_services() or netns.unavailable()

pytestmark = pytest.mark.skipif(
    bool(MISSING) and not os.environ.get("SHOPNET_REQUIRE_SERVICES"),
    reason=f"namespace integration tests need PostgreSQL, redis-server and root: {MISSING}",
)


@pytest.fixture(scope="module")
def hosts():
    if MISSING:
        pytest.fail(f"SHOPNET_REQUIRE_SERVICES is set, but {MISSING}.", pytrace=False)
    with netns.NamespacedCluster({"a": 2, "b": 1}, heartbeat=1.0) as running:
        yield running


def test_the_daphnes_run_in_their_own_namespaces(hosts):
    a1, a2, b = hosts.daphnes
    assert {a1.host, a2.host} == {netns.SUBNETS["a"][1]} and b.host == netns.SUBNETS["b"][1]
    for daphne in hosts.daphnes:
        health = hosts.request("GET", "/healthz", daphne=daphne, token=None)
        assert health.status == 200, health
        assert health.json()["checks"] == {"database": True, "redis": True, "websocket": True}


def test_an_event_crosses_from_one_namespace_to_the_other(hosts):
    asyncio.run(_crosses(hosts))


async def _crosses(hosts):
    a1, a2, b = hosts.daphnes
    on_b, hello, _ = await open_stream(hosts, b)
    on_a2, _, _ = await open_stream(hosts, a2)
    try:
        action, response = await asyncio.to_thread(transition, hosts, daphne=a1)
        assert response.status == 200, response
        far, near = await next_event(on_b), await next_event(on_a2)
        assert far == near
        assert (far["kind"], far["seq"]) == (cluster.EVENT_KIND[action], hello["seq"] + 1)
        logged = await asyncio.to_thread(hosts.events, hello["seq"])
        assert len(logged) == 1 and same_event(far, logged[0])
    finally:
        await on_b.close()
        await on_a2.close()
