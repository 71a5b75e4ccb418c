"""shopnet across hosts, on one machine: daphnes in network namespaces of their own, reaching
PostgreSQL and Redis over a veth pair, as replicas on other hosts reach them over a network.

    root namespace: PostgreSQL and a private Redis on 127.0.0.1, relays on the veth ends
      198.18.42.1 ◀──veth──▶ namespace "a": 198.18.42.2, daphnes A1 and A2
      198.18.42.5 ◀──veth──▶ namespace "b": 198.18.42.6, daphne B

198.18.0.0/15 is the range set aside for testing network devices (RFC 2544): nothing outside
this machine is ever addressed. The relays forward TCP from the veth addresses to the loopback
services, so neither server's configuration changes. Needs root (`ip netns`).
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from tests.integration.cluster import REPO, Cluster, Daphne, _tool, free_port

SUBNETS = {"a": ("198.18.42.1", "198.18.42.2"), "b": ("198.18.42.5", "198.18.42.6")}


def unavailable() -> str | None:
    """Why namespaces cannot be made here, or None."""
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is not installed"
    name = f"shopnet-probe-{secrets.token_hex(3)}"
    made = subprocess.run(["ip", "netns", "add", name], check=False, capture_output=True, text=True)
    if made.returncode != 0:
        return f"cannot make a network namespace: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], check=False)
    return None


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


@dataclass
class NamespacedDaphne(Daphne):
    host: str = "127.0.0.1"

    @property
    def http(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://{self.host}:{self.port}"


class Relay:
    """TCP from (host, port) to 127.0.0.1:target, on a thread of its own."""

    def __init__(self, listen: list[tuple[str, int]], target: int) -> None:
        self.listen, self.target = listen, target
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.servers: list[asyncio.AbstractServer] = []

    def start(self) -> None:
        self.thread.start()
        for host, port in self.listen:
            future = asyncio.run_coroutine_threadsafe(
                asyncio.start_server(self.pipe, host, port), self.loop
            )
            self.servers.append(future.result(10))

    async def pipe(self, reader, writer) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target
            )
        except OSError:
            writer.close()
            return

        async def copy(source, sink) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(copy(reader, upstream_writer), copy(upstream_reader, writer))

    def stop(self) -> None:
        async def close() -> None:
            for server in self.servers:
                server.close()

        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


class NamespacedCluster(Cluster):
    """Cluster's database, Redis and demo data, with `layout` daphnes per namespace, e.g.
    {"a": 2, "b": 1}."""

    def __init__(self, layout: dict[str, int], **kwargs) -> None:
        super().__init__(daphnes=0, **kwargs)
        self.layout = layout
        self.suffix = secrets.token_hex(3)
        self.namespaces: dict[str, str] = {}
        self.relays: list[Relay] = []

    def launch(self) -> None:
        """Namespaces, relays to the services, then the daphnes inside the namespaces."""
        self._make_namespaces()
        database_port = urlsplit(self.database_url).port or 5432
        hosts = [SUBNETS[side][0] for side in self.namespaces]
        for target in (database_port, self.redis.port):
            relay = Relay([(host, target) for host in hosts], target)
            relay.start()
            self.relays.append(relay)
        for side, count in self.layout.items():
            for index in range(count):
                self.daphnes.append(self._start_in(side, f"{side.upper()}{index + 1}"))

    def close(self) -> None:
        try:
            super().close()
        finally:
            for relay in self.relays:
                relay.stop()
            for name in self.namespaces.values():
                subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)

    def _make_namespaces(self) -> None:
        _remove_leftovers()
        for side, (host, guest) in SUBNETS.items():
            if side not in self.layout:
                continue
            name = f"shopnet-{self.suffix}-{side}"
            outside, inside = f"sn{self.suffix}{side}h", f"sn{self.suffix}{side}g"
            ip("netns", "add", name)
            self.namespaces[side] = name
            ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            ip("link", "set", inside, "netns", name)
            ip("addr", "add", f"{host}/30", "dev", outside)
            ip("link", "set", outside, "up")
            ip("-n", name, "addr", "add", f"{guest}/30", "dev", inside)
            ip("-n", name, "link", "set", inside, "up")
            ip("-n", name, "link", "set", "lo", "up")

    def env_in(self, side: str) -> dict[str, str]:
        """The environment of a daphne in namespace `side`: its services over the veth."""
        host = SUBNETS[side][0]
        env = self.env()
        database = urlsplit(self.database_url)
        netloc = database.netloc.replace(database.hostname or "127.0.0.1", host)
        env["DATABASE_URL"] = urlunsplit(database._replace(netloc=netloc))
        env["REDIS_URL"] = f"redis://{host}:{self.redis.port}/0"
        env["ALLOWED_HOSTS"] = ",".join(g for _h, g in SUBNETS.values()) + ",127.0.0.1,localhost"
        return env

    def _start_in(self, side: str, name: str) -> NamespacedDaphne:
        _host, guest = SUBNETS[side]
        port = free_port()
        log = self.workdir / f"daphne-{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    self.namespaces[side],
                    *(_tool("python") or sys.executable, "-m", "shopnet.serve"),
                    "-b",
                    guest,
                    "-p",
                    str(port),
                    "shopnet.asgi:application",
                ],
                cwd=REPO,
                env=self.env_in(side),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        daphne = NamespacedDaphne(name, port, process, log, host=guest)
        _wait_for_port_at(guest, port, 30, process)
        return daphne


def _remove_leftovers() -> None:
    """A run killed before its teardown leaves its veth ends holding the test addresses."""
    listed = subprocess.run(
        ["ip", "-o", "-4", "addr", "show"], check=False, capture_output=True, text=True
    ).stdout
    ends = {line.split()[1].split("@")[0] for line in listed.splitlines() if " 198.18.42." in line}
    for end in ends:
        subprocess.run(["ip", "link", "del", end], check=False, capture_output=True)


def _wait_for_port_at(host: str, port: int, timeout: float, process) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode} before listening")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")
