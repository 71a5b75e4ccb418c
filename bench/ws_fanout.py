"""Live events: fan-out over two daphne processes, against a bare Redis PUBLISH floor.

    .venv/bin/python bench/ws_fanout.py --sockets 100 1000

Builds what tests/integration builds (a throwaway PostgreSQL database on DATABASE_URL's server,
a private redis-server, the demo data, two daphnes on loopback), then for each N:

1. opens N job streams (`/ws/jobs/<uuid>/`, token auth, one job), spread evenly over both
   daphnes, and waits for every `hello`;
2. K times: holds or resumes the demo step through HTTP on daphne A, and records for every
   socket the time from just before the request to the event's arrival;
3. the floor: N redis-py asyncio subscriber connections on one channel, K `PUBLISH`es of a
   payload the size of a real event, timed the same way.

One warm-up round of each is run first and not counted. Heartbeats are set to an hour so that
they do not mix with the events. Timings go to stdout; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.cluster import EVENT_KIND, TOGGLE, Cluster, missing_services

ROUND_TIMEOUT = 15.0  # seconds to wait for a round's deliveries before counting the rest lost
PAUSE = 0.05  # seconds between rounds
SETTLE = 3.0  # seconds after closing the sockets before the floor is measured


@dataclass
class Figures:
    sockets: int
    rounds: int
    latencies: list[float] = field(default_factory=list)  # seconds, one per delivery
    requests: list[float] = field(default_factory=list)  # seconds, HTTP round trip per round
    spreads: list[float] = field(default_factory=list)  # seconds, first to last arrival
    firsts: list[float] = field(default_factory=list)  # seconds, request to first arrival
    duplicates: int = 0
    failed_connects: int = 0
    retried_connects: int = 0
    connect_seconds: float = 0.0
    closed: dict[int, int | None] = field(default_factory=dict)  # closed early: socket → code
    short: int = 0  # sockets that missed at least one event

    @property
    def expected(self) -> int:
        return self.sockets * self.rounds

    @property
    def lost(self) -> int:
        return self.expected - len(self.latencies)

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000

    @property
    def request_p50(self) -> float:
        return statistics.median(self.requests) * 1000 if self.requests else float("nan")

    @property
    def first_p50(self) -> float:
        return statistics.median(self.firsts) * 1000 if self.firsts else float("nan")

    @property
    def spread_p50(self) -> float:
        return statistics.median(self.spreads) * 1000 if self.spreads else float("nan")

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        return self.quantile(0.99)

    @property
    def max(self) -> float:
        return max(self.latencies) * 1000 if self.latencies else float("nan")


def raise_open_files(sockets: int) -> int:
    """Each socket costs the client one descriptor, its Redis subscriber another."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * sockets + 1024
    if soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


# --- shopnet: N sockets over the daphnes ---------------------------------------------------


class Arrivals:
    """When each seq reached how many sockets."""

    def __init__(self) -> None:
        self.times: dict[int, list[float]] = defaultdict(list)
        self.seen: set[tuple[int, int]] = set()
        self.duplicates = 0
        self.per_socket: Counter[int] = Counter()
        self.closed: dict[int, int | None] = {}  # socket → close code, for sockets that closed
        self.waiters: dict[int, tuple[int, asyncio.Future]] = {}

    def record(self, socket: int, seq: int, now: float) -> None:
        if (socket, seq) in self.seen:
            self.duplicates += 1
            return
        self.seen.add((socket, seq))
        self.per_socket[socket] += 1
        self.times[seq].append(now)
        self._check(seq)

    def close(self, socket: int, code: int | None) -> None:
        self.closed[socket] = code
        for seq in list(self.waiters):
            self._check(seq)

    def _done(self, seq: int, count: int) -> bool:
        # A socket the server closed will not receive this seq: stop waiting for it.
        return len(self.times[seq]) + len(self.closed) >= count

    def _check(self, seq: int) -> None:
        waiter = self.waiters.get(seq)
        if waiter and self._done(seq, waiter[0]) and not waiter[1].done():
            waiter[1].set_result(None)

    async def wait(self, seq: int, count: int, timeout: float) -> None:
        if self._done(seq, count):
            return
        future = asyncio.get_running_loop().create_future()
        self.waiters[seq] = (count, future)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            self.waiters.pop(seq, None)


async def _reader(ws, index: int, arrivals: Arrivals) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in ws:
            now = time.perf_counter()
            message = json.loads(raw)
            if message.get("type") == "job.event":
                arrivals.record(index, message["seq"], now)
    except ConnectionClosed:
        pass
    arrivals.close(index, ws.close_code)


async def _open(shop: Cluster, index: int, gate: asyncio.Semaphore, figures: Figures):
    """One socket on daphne index % n, after its hello; (socket, hello seq) or None."""
    from websockets.asyncio.client import connect

    daphne = shop.daphnes[index % len(shop.daphnes)]
    async with gate:
        for _attempt in range(3):
            try:
                ws = await connect(
                    shop.job_stream(daphne),
                    additional_headers=shop.ws_headers(),
                    proxy=None,
                    compression=None,
                    ping_interval=None,
                    open_timeout=30,
                    max_queue=None,
                )
                hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if hello.get("type") == "hello":
                    return ws, hello["seq"]
                await ws.close()
            except Exception as exc:
                print(f"  socket {index}: {type(exc).__name__}: {exc}", file=sys.stderr)
            figures.retried_connects += 1
            await asyncio.sleep(0.5)
    return None


async def shopnet_fanout(shop: Cluster, sockets: int, rounds: int, gate_size: int) -> Figures:
    figures = Figures(sockets, rounds)
    gate = asyncio.Semaphore(gate_size)
    started = time.perf_counter()
    opened = await asyncio.gather(*(_open(shop, i, gate, figures) for i in range(sockets)))
    figures.connect_seconds = time.perf_counter() - started
    streams = [o for o in opened if o is not None]
    figures.failed_connects = sockets - len(streams)
    arrivals = Arrivals()
    readers = [
        asyncio.create_task(_reader(ws, i, arrivals)) for i, (ws, _seq) in enumerate(streams)
    ]
    seq = max(s for _ws, s in streams)
    status = await asyncio.to_thread(shop.step_status)
    try:
        for round_ in range(rounds + 1):  # round 0 warms up
            action = TOGGLE[status]
            t0 = time.perf_counter()
            response = await asyncio.to_thread(shop.transition, action)
            answered = time.perf_counter() - t0
            if response.status != 200:
                raise RuntimeError(f"{action} failed: {response}")
            status = "on_hold" if EVENT_KIND[action] == "step.held" else "in_progress"
            seq += 1
            await arrivals.wait(seq, len(streams), ROUND_TIMEOUT)
            if round_:
                times = arrivals.times[seq]
                figures.latencies.extend(t - t0 for t in times)
                figures.requests.append(answered)
                if times:
                    figures.firsts.append(min(times) - t0)
                    figures.spreads.append(max(times) - min(times))
            await asyncio.sleep(PAUSE)
        await asyncio.sleep(0.5)  # late duplicates, if any
        figures.closed = dict(arrivals.closed)
        figures.short = sum(1 for i in range(len(streams)) if arrivals.per_socket[i] < rounds + 1)
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws, _ in streams), return_exceptions=True)
        await asyncio.gather(*readers, return_exceptions=True)
    figures.duplicates = arrivals.duplicates
    return figures


# --- the floor: a bare Redis PUBLISH to N subscriber connections ------------------------------


async def redis_floor(url: str, sockets: int, rounds: int, payload: str) -> Figures:
    import redis.asyncio as redis

    figures = Figures(sockets, rounds)
    channel = "bench.floor"
    # One pool, one connection per PubSub: N subscriber connections, as N sockets are N
    # channel-layer channels.
    client = redis.Redis.from_url(url, max_connections=sockets + 8)
    publisher = redis.Redis.from_url(url)
    subscribers = []
    for _ in range(sockets):
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        subscribers.append(pubsub)
    await asyncio.gather(*(p.subscribe(channel) for p in subscribers))
    while (await publisher.pubsub_numsub(channel))[0][1] < sockets:
        await asyncio.sleep(0.05)

    arrivals = Arrivals()

    async def reader(index: int, pubsub) -> None:
        async for message in pubsub.listen():
            now = time.perf_counter()
            if message["type"] == "message":
                arrivals.record(index, json.loads(message["data"])["seq"], now)

    readers = [asyncio.create_task(reader(i, p)) for i, p in enumerate(subscribers)]
    base = json.loads(payload)
    try:
        for round_ in range(rounds + 1):
            base["seq"] = round_ + 1
            body = json.dumps(base)
            t0 = time.perf_counter()
            await publisher.publish(channel, body)
            await arrivals.wait(round_ + 1, sockets, ROUND_TIMEOUT)
            if round_:
                times = arrivals.times[round_ + 1]
                figures.latencies.extend(t - t0 for t in times)
                if times:
                    figures.firsts.append(min(times) - t0)
                    figures.spreads.append(max(times) - min(times))
            await asyncio.sleep(PAUSE)
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(p.aclose() for p in subscribers), return_exceptions=True)
        await client.aclose()
        await publisher.aclose()
    figures.duplicates = arrivals.duplicates
    return figures


async def sample_payload(shop: Cluster) -> str:
    """A real event's wire form, for a floor message of the same size."""
    from websockets.asyncio.client import connect

    async with connect(
        shop.job_stream(shop.daphnes[0], after=0), additional_headers=shop.ws_headers(), proxy=None
    ) as ws:
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "job.event" and message.get("step"):
                return json.dumps(message)


# --- report --------------------------------------------------------------------------------


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout.split()[2:3]
    return (
        f"{os.cpu_count()} cores ({cpu or platform.machine()}), Python {platform.python_version()}"
        f", Redis {''.join(redis_version).removeprefix('v=')}"
    )


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def table(rows: list[tuple[Figures, Figures]]) -> str:
    """Two tables: the figures asked for, then where shopnet's time goes."""
    lines = [
        "| sockets | | deliveries (expected) | lost | p50 ms | p99 ms | max ms |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for s, f in rows:
        for name, x in (("shopnet", s), ("Redis floor", f)):
            lines.append(
                f"| {x.sockets:,} | {name} | {len(x.latencies):,} ({x.expected:,}) | {x.lost} "
                f"| {x.p50:.1f} | {x.p99:.1f} | {x.max:.1f} |"
            )
        lines.append(
            f"| {s.sockets:,} | **ratio shopnet/floor** | | "
            f"| **{s.p50 / f.p50:.0f}×** | **{s.p99 / f.p99:.0f}×** | {s.max / f.max:.0f}× |"
        )
    lines += [
        "",
        "| sockets | HTTP answer p50 ms | first arrival p50 ms | first→last arrival p50 ms "
        "| floor first arrival p50 ms | floor first→last p50 ms | sockets opened in s "
        "| closed by the server |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s, f in rows:
        lines.append(
            f"| {s.sockets:,} | {s.request_p50:.1f} | {s.first_p50:.1f} | {s.spread_p50:.1f} "
            f"| {f.first_p50:.1f} | {f.spread_p50:.1f} | {s.connect_seconds:.1f} "
            f"| {len(s.closed)} |"
        )
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> None:
    extra = dict(pair.split("=", 1) for pair in args.env)
    load_at_start = load()
    with Cluster(
        daphnes=args.daphnes, heartbeat=3600.0, log_level="WARNING", extra_env=extra
    ) as shop:
        print(f"cluster up: {len(shop.daphnes)} daphnes, job {shop.job}", file=sys.stderr)
        payload = await sample_payload(shop)
        rows = []
        for sockets in args.sockets:
            print(f"{sockets} sockets …", file=sys.stderr)
            ours = await shopnet_fanout(shop, sockets, args.rounds, args.connect_concurrency)
            print(
                f"  opened in {ours.connect_seconds:.1f}s, {ours.retried_connects} retried, "
                f"{ours.failed_connects} failed; "
                f"{len(ours.latencies)}/{ours.expected} delivered, {ours.duplicates} duplicates, "
                f"{ours.short} sockets missed events, closed early: "
                f"{Counter(ours.closed.values())}",
                file=sys.stderr,
            )
            await asyncio.sleep(SETTLE)  # let the daphnes finish the disconnects
            floor = await redis_floor(shop.redis.url, sockets, args.rounds, payload)
            rows.append((ours, floor))
        print()
        print(f"Machine: {machine()}")
        print(f"Load average (1, 5, 15 min) at start: {load_at_start}, at end: {load()}")
        print(
            f"{len(shop.daphnes)} daphnes, {args.rounds} rounds per size (after 1 warm-up), "
            f"payload {len(payload)} bytes"
        )
        print()
        print(table(rows))
        for ours, _floor in rows:
            print(
                f"\n{ours.sockets} sockets: opened in {ours.connect_seconds:.1f}s "
                f"({ours.retried_connects} handshakes retried, {ours.failed_connects} failed), "
                f"{ours.duplicates} duplicate deliveries"
            )
        if args.keep_logs:
            shop.save_logs(args.keep_logs)
            print(f"\nServer logs in {args.keep_logs}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=20, help="transitions per size (K)")
    parser.add_argument("--daphnes", type=int, default=2)
    parser.add_argument(
        "--connect-concurrency",
        type=int,
        default=100,
        help="handshakes in flight at once while opening the sockets",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the servers, e.g. REDIS_MAX_CONNECTIONS=500 (repeatable)",
    )
    parser.add_argument(
        "--keep-logs", type=Path, metavar="DIR", help="copy the daphne and Redis logs here"
    )
    args = parser.parse_args()
    reason = missing_services()
    if reason:
        sys.exit(f"ws_fanout: {reason} (e.g. DATABASE_URL=postgres://postgres@127.0.0.1/postgres)")
    print(f"open files: {raise_open_files(max(args.sockets))}", file=sys.stderr)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
