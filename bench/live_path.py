"""The live path against its floor, side by side in one run: handshakes, idle sockets, fan-out,
writes and a reconnect storm.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/live_path.py

Builds what tests/integration builds (a throwaway PostgreSQL database, a private redis-server,
the demo data, two shopnet daphnes) and two floor daphnes serving `bench/floor_app.py`: a bare
ASGI WebSocket app, one `redis.asyncio` PubSub per process fanning out in process, no Django,
no database, no heartbeats. The same client drives both. Every figure is written as a ratio to
the floor measured in the same run (docs/BENCHMARKS.md); nothing here is a test.

1. Handshakes: N sockets on one process, M in flight; sockets opened per second and the time
   from the start of each handshake to its `hello`.
2. Idle: N sockets on one process for a window; the process's CPU (% of one core), its RSS per
   socket, and PostgreSQL's transactions and new connections per second in the window; then the
   same window with no socket open.
3. Fan-out: one change to N sockets spread over both processes, K times; the time from the
   publish (shopnet: the message `core.realtime` sends after commit, through the channel layer;
   the floor: a Redis PUBLISH) to each socket's arrival. Also from a real tap (HTTP hold/resume).
4. Writes: hold/resume over HTTP against `GET /healthz` on the same process (p50); then done,
   on a job of its own whose steps the bench adds, starts and finishes one after the other.
5. Reconnect storm: N sockets over both processes drop at once, one change is made, and all
   reopen at once with `?after=`; the time until the last is back in, how many never got back
   in, and how many missed the change.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ws_fanout import load, machine, raise_open_files
from tests.integration.cluster import (
    EVENT_KIND,
    TOGGLE,
    Cluster,
    Daphne,
    _stop,
    _tool,
    _wait_for_port,
    free_port,
    missing_services,
)

BENCH = Path(__file__).resolve().parent
TICKS = os.sysconf("SC_CLK_TCK")
FLOOR_APP = "floor_app:application"
SECTIONS = ("handshakes", "idle", "fanout", "writes", "storm")
FLOOR_BACKLOG = 1024


def ms(seconds: float) -> float:
    return seconds * 1000


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


@dataclass
class Server:
    """One side of the comparison: where its sockets go and how to make a change."""

    name: str
    daphnes: list[Daphne]
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, daphne: Daphne, after: int | None = None) -> str:
        raise NotImplementedError


class Shopnet(Server):
    def __init__(self, shop: Cluster) -> None:
        super().__init__("shopnet", shop.daphnes, shop.ws_headers())
        self.shop = shop

    def url(self, daphne: Daphne, after: int | None = None) -> str:
        return self.shop.job_stream(daphne, after)


class Floor(Server):
    def __init__(self, daphnes: list[Daphne]) -> None:
        super().__init__("floor", daphnes)

    def url(self, daphne: Daphne, after: int | None = None) -> str:
        return f"{daphne.ws}/"


def start_floor(workdir: Path, redis_url: str, name: str) -> Daphne:
    port = free_port()
    log = workdir / f"floor-{name}.log"
    with log.open("ab") as out:
        # The same listen queue as shopnet's server (shopnet/serve.py, LISTEN_BACKLOG).
        endpoint = f"tcp:port={port}:interface=127.0.0.1:backlog={FLOOR_BACKLOG}"
        process = subprocess.Popen(
            [_tool("daphne") or "daphne", "-e", endpoint, FLOOR_APP],
            cwd=BENCH,
            env={**os.environ, "FLOOR_REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _wait_for_port(port, 30, process)
    return Daphne(name, port, process, log)


# --- the process under measurement -----------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class PostgresCounters:
    """Transactions committed and sessions opened in one database, from pg_stat_database."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.connection = psycopg.connect(url, autocommit=True)
        self.name = self.connection.info.dbname

    def read(self) -> tuple[int, int]:
        # Pending statistics reach pg_stat_database within a second of a backend going idle.
        self.connection.execute("SELECT pg_stat_clear_snapshot()")
        row = self.connection.execute(
            "SELECT xact_commit + xact_rollback, sessions FROM pg_stat_database WHERE datname = %s",
            [self.name],
        ).fetchone()
        return int(row[0]), int(row[1])

    def close(self) -> None:
        self.connection.close()


# --- sockets -----------------------------------------------------------------------------------


async def open_socket(url: str, headers: dict[str, str]):
    from websockets.asyncio.client import connect

    return await connect(
        url,
        additional_headers=headers,
        proxy=None,
        compression=None,
        ping_interval=None,
        open_timeout=60,
        max_queue=None,
    )


async def open_many(server: Server, n: int, inflight: int, *, spread: bool, after=None):
    """N sockets (on the first process, or spread over all), M handshakes in flight; returns
    (sockets with their hello, seconds from each handshake's start to its hello, failures)."""
    gate = asyncio.Semaphore(inflight)
    latencies: list[float] = []
    failures = 0

    async def one(index: int):
        nonlocal failures
        daphne = server.daphnes[index % len(server.daphnes)] if spread else server.daphnes[0]
        async with gate:
            started = time.perf_counter()
            try:
                ws = await open_socket(server.url(daphne, after), server.headers)
                replayed = []
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 60))
                    if message["type"] == "hello":
                        break
                    replayed.append(message)
            except Exception:
                failures += 1
                return None
            latencies.append(time.perf_counter() - started)
            return ws, message, replayed

    opened = await asyncio.gather(*(one(i) for i in range(n)))
    return [o for o in opened if o is not None], latencies, failures


async def close_all(sockets) -> None:
    await asyncio.gather(*(ws.close() for ws, *_ in sockets), return_exceptions=True)


def drop_all(sockets) -> None:
    """As a site's Wi-Fi drops: no closing handshake, the TCP connections just end."""
    for ws, *_ in sockets:
        ws.transport.abort()


# --- 1. handshakes ---------------------------------------------------------------------------


async def handshakes(server: Server, n: int, inflight: int) -> dict[str, float]:
    started = time.perf_counter()
    sockets, latencies, failures = await open_many(server, n, inflight, spread=False)
    elapsed = time.perf_counter() - started
    await close_all(sockets)
    await asyncio.sleep(2)
    return {
        "rate": len(sockets) / elapsed,
        "p50": ms(statistics.median(latencies)),
        "p99": ms(quantile(latencies, 0.99)),
        "failed": failures,
    }


# --- 2. idle ---------------------------------------------------------------------------------


async def idle(server: Server, n: int, window: float, pg: PostgresCounters | None):
    pid = server.daphnes[0].process.pid
    await asyncio.sleep(2)
    rss_before = rss_bytes(pid)
    sockets, _, failures = await open_many(server, n, 100, spread=False)
    readers = [asyncio.create_task(drain(ws)) for ws, *_ in sockets]
    await asyncio.sleep(5)  # past the handshakes' after-effects
    figures = await window_figures(pid, window, pg)
    figures["rss_per_socket"] = (rss_bytes(pid) - rss_before) / max(len(sockets), 1)
    figures["failed"] = failures
    for task in readers:
        task.cancel()
    await close_all(sockets)
    await asyncio.sleep(5)
    empty = await window_figures(pid, window, pg)
    figures["pg_txn_empty"] = empty.get("pg_txn", float("nan"))
    figures["cpu_empty"] = empty["cpu"]
    return figures


async def drain(ws) -> None:
    try:
        async for _ in ws:
            pass
    except Exception:
        pass


async def window_figures(pid: int, window: float, pg: PostgresCounters | None):
    cpu0 = cpu_seconds(pid)
    counters0 = pg.read() if pg else None
    await asyncio.sleep(window)
    figures = {"cpu": 100 * (cpu_seconds(pid) - cpu0) / window}
    if pg:
        txn, sessions = pg.read()
        # The two reads themselves are one transaction each on their own connection.
        figures["pg_txn"] = max(txn - counters0[0] - 2, 0) / window
        figures["pg_sessions"] = (sessions - counters0[1]) / window
    return figures


# --- 3. fan-out ------------------------------------------------------------------------------


class Arrivals:
    def __init__(self) -> None:
        self.at: dict[int, list[float]] = {}
        self.waiting: dict[int, tuple[int, asyncio.Future]] = {}

    def record(self, seq: int) -> None:
        self.at.setdefault(seq, []).append(time.perf_counter())
        waiter = self.waiting.get(seq)
        if waiter and len(self.at[seq]) >= waiter[0] and not waiter[1].done():
            waiter[1].set_result(None)

    async def wait(self, seq: int, count: int, timeout: float = 15) -> None:
        if len(self.at.get(seq, ())) >= count:
            return
        future = asyncio.get_running_loop().create_future()
        self.waiting[seq] = (count, future)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            self.waiting.pop(seq, None)


async def reader(ws, arrivals: Arrivals, kind: str) -> None:
    try:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == kind:
                arrivals.record(message["seq"])
    except Exception:
        pass


async def fanout(server: Server, n: int, rounds: int, publish) -> dict[str, float]:
    """`publish(seq)` makes one change; returns latencies from just before it to each arrival."""
    sockets, _, failures = await open_many(server, n, 100, spread=True)
    arrivals = Arrivals()
    kind = "job.event"
    tasks = [asyncio.create_task(reader(ws, arrivals, kind)) for ws, *_ in sockets]
    latencies: list[float] = []
    seq = max(hello.get("seq", 0) for _ws, hello, _ in sockets)
    lost = 0
    try:
        for round_ in range(rounds + 1):  # round 0 warms up
            seq = await publish(seq)
            await arrivals.wait(seq, len(sockets))
            times = arrivals.at.get(seq, [])
            if round_:
                latencies.extend(t - publish.t0 for t in times)
                lost += len(sockets) - len(times)
            await asyncio.sleep(0.05)
    finally:
        for task in tasks:
            task.cancel()
        await close_all(sockets)
    await asyncio.sleep(3)
    return {
        "p50": ms(statistics.median(latencies)) if latencies else float("nan"),
        "p99": ms(quantile(latencies, 0.99)),
        "lost": lost + failures * rounds,
    }


class LayerPublish:
    """What shopnet sends after a commit, straight onto the channel layer (no write)."""

    def __init__(self, shop: Cluster) -> None:
        from channels_redis.pubsub import RedisPubSubChannelLayer

        self.shop = shop
        self.layer = RedisPubSubChannelLayer(hosts=[shop.redis.url], prefix="shopnet")
        self.sample: dict | None = None
        self.t0 = 0.0

    async def __call__(self, seq: int) -> int:
        seq += 1
        event = dict(self.sample, seq=seq, kind="step.held")
        message = {"type": "job.event", "event": event, "route": self.route}
        self.t0 = time.perf_counter()
        await self.layer.group_send(f"job.{self.shop.job}", message)
        return seq


class TapPublish:
    """A real tap: hold or resume the demo step over HTTP."""

    def __init__(self, shop: Cluster) -> None:
        self.shop = shop
        self.status = shop.step_status()
        self.t0 = 0.0

    async def __call__(self, seq: int) -> int:
        action = TOGGLE[self.status]
        self.t0 = time.perf_counter()
        response = await asyncio.to_thread(self.shop.transition, action)
        if response.status != 200:
            raise RuntimeError(f"{action}: {response}")
        self.status = "on_hold" if EVENT_KIND[action] == "step.held" else "in_progress"
        return await asyncio.to_thread(self.shop.last_seq)


class FloorPublish:
    def __init__(self, redis_url: str, payload: dict) -> None:
        import redis.asyncio as redis

        self.client = redis.Redis.from_url(redis_url)
        self.payload = payload
        self.t0 = 0.0

    async def __call__(self, seq: int) -> int:
        seq += 1
        body = json.dumps(dict(self.payload, seq=seq))
        self.t0 = time.perf_counter()
        await self.client.publish("bench.floor", body)
        return seq


# --- 4. writes -------------------------------------------------------------------------------


def writes(shop: Cluster, rounds: int, pg: PostgresCounters) -> dict[str, float]:
    status = shop.step_status()
    health, taps = [], []
    for _ in range(3):  # warm up both paths
        shop.request("GET", "/healthz", token=None)
    _txn0, sessions0 = pg.read()
    for _ in range(rounds):
        t0 = time.perf_counter()
        shop.request("GET", "/healthz", token=None)
        health.append(time.perf_counter() - t0)
        action = TOGGLE[status]
        t0 = time.perf_counter()
        response = shop.transition(action)
        taps.append(time.perf_counter() - t0)
        if response.status != 200:
            raise RuntimeError(f"{action}: {response}")
        status = "on_hold" if EVENT_KIND[action] == "step.held" else "in_progress"
    _txn1, sessions1 = pg.read()
    done_health, dones = done_writes(shop, rounds)
    return {
        "healthz": ms(statistics.median(health)),
        "write": ms(statistics.median(taps)),
        "new_connections_per_write": (sessions1 - sessions0) / rounds,
        "done_healthz": ms(statistics.median(done_health)),
        "done": ms(statistics.median(dones)),
    }


def line_steps(shop: Cluster, count: int, length: int = 5) -> list[str]:
    """`count` steps to finish one after the other: the hub posts jobs of `length` steps in a
    line (the size of the pinned query tests' job), at its own shop, through the API."""
    demo = next(
        s
        for s in shop.request("GET", f"/api/v1/jobs/{shop.job}/steps/").json()
        if s["id"] == shop.step
    )
    due = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    steps: list[str] = []
    while len(steps) < count:
        job = shop.request(
            "POST",
            "/api/v1/jobs/",
            {
                "workshop": demo["workshop"]["id"],
                "part_name": "bench",
                "quantity": 10,
                "due_date": due,
            },
        )
        if job.status != 201:
            raise RuntimeError(f"job: {job}")
        after: list[str] = []
        for _ in range(length):
            step = shop.request(
                "POST",
                f"/api/v1/jobs/{job.json()['id']}/steps/",
                {"process": demo["process"], "planned_hours": "1.5", "after": after},
            )
            if step.status != 201:
                raise RuntimeError(f"step: {step}")
            after = [step.json()["id"]]
            steps.append(after[0])
    return steps[:count]


def start(shop: Cluster, step: str) -> None:
    started = shop.request("POST", f"/api/v1/steps/{step}/start/", {})
    if started.status != 200:
        raise RuntimeError(f"start: {started}")


def done(shop: Cluster, step: str):
    response = shop.request("POST", f"/api/v1/steps/{step}/done/", {"good": 10})
    if response.status != 200:
        raise RuntimeError(f"done: {response}")
    return response


def done_writes(shop: Cluster, rounds: int) -> tuple[list[float], list[float]]:
    """`done` is a step's last tap, so it is measured on steps of the bench's own
    (`line_steps`): each is started (not timed), then a healthz and its done are timed; the
    done makes the next step ready. Returns (healthz, done) round trips in seconds."""
    health, dones = [], []
    for step in line_steps(shop, rounds):
        start(shop, step)
        t0 = time.perf_counter()
        shop.request("GET", "/healthz", token=None)
        health.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        done(shop, step)
        dones.append(time.perf_counter() - t0)
    return health, dones


# --- 5. reconnect storm ----------------------------------------------------------------------


async def storm(server: Server, n: int, change=None) -> dict[str, float]:
    sockets, _, failures = await open_many(server, n, 100, spread=True)
    after = min(hello.get("seq", 0) for _ws, hello, _ in sockets)
    drop_all(sockets)
    missed = None
    if change is not None:
        missed = await change(after)
    started = time.perf_counter()
    back, _latencies, never = await open_many(
        server, len(sockets), len(sockets), spread=True, after=after if change else None
    )
    settled = time.perf_counter() - started
    short = 0
    if missed is not None:
        short = sum(1 for _ws, _hello, got in back if missed not in {m.get("seq") for m in got})
    await close_all(back)
    await asyncio.sleep(3)
    return {"seconds": settled, "never": never + failures, "short": short}


# --- report --------------------------------------------------------------------------------


def ratio(ours: float, floor: float) -> str:
    if not floor or floor != floor:
        return "—"
    return f"{ours / floor:.2f}×"


async def run(args) -> None:
    load_at_start = load()
    # One token opens every socket: the per-user cap (WEBSOCKET_MAX_PER_USER) is lifted.
    extra = {"WEBSOCKET_MAX_PER_USER": str(10 * max(args.idle, args.storm, *args.fanout))}
    # The writes add, start and finish a job's steps: more than a user's 120 writes a minute.
    # The throttle still counts each (the same Redis script); its limit is only out of reach.
    extra["API_THROTTLE_WRITES"] = "100000/min"
    with Cluster(daphnes=2, heartbeat=args.heartbeat, log_level="WARNING", extra_env=extra) as shop:
        floors = [start_floor(shop.workdir, shop.redis.url, name) for name in ("F1", "F2")]
        ours, floor = Shopnet(shop), Floor(floors)
        pg = PostgresCounters(shop.database_url)
        try:
            results = await measure(args, shop, ours, floor, pg)
        finally:
            pg.close()
            for daphne in floors:
                _stop(daphne.process)
        print()
        print(f"Machine: {machine()}")
        print(f"Load average (1, 5, 15 min) at start: {load_at_start}, at end: {load()}")
        print(
            f"heartbeat {args.heartbeat} s, re-check every {6 * args.heartbeat:.0f} s; "
            f"idle window {args.window} s; fan-out {args.rounds} rounds after one warm-up"
        )
        print()
        print(report(args, results))


async def measure(args, shop, ours, floor, pg) -> dict:
    results: dict = {}
    if "handshakes" in args.only:
        print("handshakes …", file=sys.stderr)
        results["handshakes"] = {
            s.name: await handshakes(s, args.handshakes, args.inflight) for s in (ours, floor)
        }
    if "idle" in args.only:
        print("idle …", file=sys.stderr)
        results["idle"] = {
            "shopnet": await idle(ours, args.idle, args.window, pg),
            "floor": await idle(floor, args.idle, args.window, None),
        }
    if "fanout" in args.only:
        print("fan-out …", file=sys.stderr)
        layer = LayerPublish(shop)
        sample = await sample_event(shop)
        layer.sample, layer.route = sample, {"steps": [], "order": None, "performers": []}
        floor_publish = FloorPublish(shop.redis.url, sample)
        results["fanout"] = {}
        for n in args.fanout:
            results["fanout"][n] = {
                "shopnet": await fanout(ours, n, args.rounds, layer),
                "floor": await fanout(floor, n, args.rounds, floor_publish),
                "tap": await fanout(ours, n, max(args.rounds // 2, 3), TapPublish(shop)),
            }
    if "writes" in args.only:
        print("writes …", file=sys.stderr)
        results["writes"] = await asyncio.to_thread(writes, shop, args.writes, pg)
    if "storm" in args.only:
        print("reconnect storm …", file=sys.stderr)

        async def change(after: int) -> int:
            await TapPublish(shop)(after)
            return await asyncio.to_thread(shop.last_seq)

        results["storm"] = {
            "shopnet": await storm(ours, args.storm, change),
            "floor": await storm(floor, args.storm),
        }
    return results


async def sample_event(shop: Cluster) -> dict:
    ws = await open_socket(shop.job_stream(shop.daphnes[0], after=0), shop.ws_headers())
    try:
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "job.event" and message.get("step"):
                return message
    finally:
        await ws.close()


def report(args, r: dict) -> str:
    rows = ["| figure | shopnet | floor | ratio |", "|---|---:|---:|---:|"]
    if "handshakes" in r:
        h = r["handshakes"]
        rows += [
            f"| handshakes/s, {args.handshakes} sockets, {args.inflight} in flight, one process "
            f"| {h['shopnet']['rate']:.0f} | {h['floor']['rate']:.0f} "
            f"| {ratio(h['shopnet']['rate'], h['floor']['rate'])} the floor's rate |",
            f"| time to hello p50 / p99 ms | {h['shopnet']['p50']:.0f} / {h['shopnet']['p99']:.0f} "
            f"| {h['floor']['p50']:.0f} / {h['floor']['p99']:.0f} "
            f"| {ratio(h['shopnet']['p50'], h['floor']['p50'])} / "
            f"{ratio(h['shopnet']['p99'], h['floor']['p99'])} |",
            f"| handshakes that failed | {h['shopnet']['failed']} | {h['floor']['failed']} | |",
        ]
    if "idle" in r:
        i = r["idle"]
        rows += [
            f"| idle CPU, {args.idle:,} sockets (% of one core) | {i['shopnet']['cpu']:.2f}% "
            f"| {i['floor']['cpu']:.2f}% | {ratio(i['shopnet']['cpu'], i['floor']['cpu'])} |",
            f"| RSS per idle socket KB | {i['shopnet']['rss_per_socket'] / 1024:.1f} "
            f"| {i['floor']['rss_per_socket'] / 1024:.1f} "
            f"| {ratio(i['shopnet']['rss_per_socket'], i['floor']['rss_per_socket'])} |",
            f"| PostgreSQL while idle, {args.idle:,} sockets: txn/s, new connections/s "
            f"| {i['shopnet']['pg_txn']:.2f}, {i['shopnet']['pg_sessions']:.2f} | 0 | |",
            f"| PostgreSQL with no socket open: txn/s | {i['shopnet']['pg_txn_empty']:.2f} | 0 | |",
        ]
    for n, f in r.get("fanout", {}).items():
        rows.append(
            f"| fan-out to {n:,} sockets, 2 processes, p50 / p99 ms (lost) "
            f"| {f['shopnet']['p50']:.1f} / {f['shopnet']['p99']:.1f} ({f['shopnet']['lost']}) "
            f"| {f['floor']['p50']:.1f} / {f['floor']['p99']:.1f} ({f['floor']['lost']}) "
            f"| {ratio(f['shopnet']['p50'], f['floor']['p50'])} / "
            f"{ratio(f['shopnet']['p99'], f['floor']['p99'])} |"
        )
        rows.append(
            f"| … from a real tap (HTTP hold/resume), p50 / p99 ms (lost) "
            f"| {f['tap']['p50']:.1f} / {f['tap']['p99']:.1f} ({f['tap']['lost']}) | | |"
        )
    if "writes" in r:
        w = r["writes"]
        rows += [
            f"| hold/resume vs `GET /healthz` p50 ms | {w['write']:.1f} | {w['healthz']:.1f} "
            f"| {ratio(w['write'], w['healthz'])} |",
            f"| done (the next step ready) vs `GET /healthz` p50 ms | {w['done']:.1f} "
            f"| {w['done_healthz']:.1f} | {ratio(w['done'], w['done_healthz'])} |",
            f"| new PostgreSQL connections per write | {w['new_connections_per_write']:.2f} | | |",
        ]
    if "storm" in r:
        s = r["storm"]
        rows.append(
            f"| reconnect storm: {args.storm:,} reopen at once (with `after`): s, never back, "
            f"missed the change | {s['shopnet']['seconds']:.1f} s, {s['shopnet']['never']}, "
            f"{s['shopnet']['short']} | {s['floor']['seconds']:.1f} s, {s['floor']['never']} "
            f"| {ratio(s['shopnet']['seconds'], s['floor']['seconds'])} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--handshakes", type=int, default=500)
    parser.add_argument("--inflight", type=int, default=100)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--window", type=float, default=30.0, help="idle window, seconds")
    parser.add_argument("--fanout", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--storm", type=int, default=1000)
    parser.add_argument("--heartbeat", type=float, default=5.0, help="WEBSOCKET_HEARTBEAT")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="measure only these (default: all, in this order)",
    )
    args = parser.parse_args()
    reason = missing_services()
    if reason:
        sys.exit(f"live_path: {reason} (e.g. DATABASE_URL=postgres://postgres@127.0.0.1/postgres)")
    raise_open_files(2 * max(args.idle, args.storm, *args.fanout))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
