"""Hold/resume against `GET /healthz`, two checkouts side by side in one run, requests
interleaved: for comparing a change to the write path on a shared machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/writes_paired.py --base ../base-checkout --rounds 80

`--action done` times a done instead, on steps each side adds for it (`live_path.line_steps`:
jobs of five steps in a line at the hub's shop), each started untimed first.

`live_path.py`'s writes figure is a median of 40 on one cluster; run after run on a loaded
machine it swings by 2x either way, more than a change to the write path moves it. Here each
checkout gets its own cluster (throwaway database, private Redis, one daphne: what
tests/integration builds), and each round takes a healthz and a tap on one, then on the other
(which goes first alternates), so both see the same load. Besides the wall-clock medians, the
daphne's CPU time per request (utime + stime from /proc, summed over the rounds): less
sensitive to the load than the wall clock. `--base` is another checkout of this repository
(`git worktree add --detach DIR <commit>`); the other side is this one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tests.integration.cluster as cluster_module
from bench.live_path import done, line_steps
from bench.live_path import start as start_step
from bench.ws_fanout import load, machine
from tests.integration.cluster import EVENT_KIND, TOGGLE, Cluster

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start(repo: Path) -> Cluster:
    # The cluster runs manage.py and daphne in its module's REPO: pointed at each checkout.
    here = cluster_module.REPO
    cluster_module.REPO = repo
    try:
        # A done round adds, starts and finishes steps: more than a user's 120 writes a
        # minute. The throttle still counts each; its limit is only out of reach.
        shop = Cluster(daphnes=1, extra_env={"API_THROTTLE_WRITES": "100000/min"})
        shop.__enter__()
    finally:
        cluster_module.REPO = here
    return shop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds", type=int, default=80)
    parser.add_argument("--action", choices=["hold", "done"], default="hold")
    args = parser.parse_args()
    at_start = load()
    sides = {"base": start(args.base.resolve())}
    try:
        sides["this"] = start(cluster_module.REPO)
        state = {}
        for name, shop in sides.items():
            for _ in range(5):  # warm up both paths
                shop.request("GET", "/healthz", token=None)
            state[name] = {"status": shop.step_status(), "health": [], "tap": [], "cpu": [0.0, 0.0]}
            if args.action == "done":
                state[name]["steps"] = line_steps(shop, args.rounds)
        for index in range(args.rounds):
            order = ("base", "this") if index % 2 == 0 else ("this", "base")
            for name in order:
                shop, s = sides[name], state[name]
                pid = shop.daphnes[0].process.pid
                c0, t0 = cpu_seconds(pid), time.perf_counter()
                shop.request("GET", "/healthz", token=None)
                s["health"].append(time.perf_counter() - t0)
                s["cpu"][0] += cpu_seconds(pid) - c0
                if args.action == "done":
                    step = s["steps"][index]
                    start_step(shop, step)
                    c0, t0 = cpu_seconds(pid), time.perf_counter()
                    done(shop, step)
                    s["tap"].append(time.perf_counter() - t0)
                    s["cpu"][1] += cpu_seconds(pid) - c0
                    continue
                action = TOGGLE[s["status"]]
                c0, t0 = cpu_seconds(pid), time.perf_counter()
                response = shop.transition(action)
                s["tap"].append(time.perf_counter() - t0)
                s["cpu"][1] += cpu_seconds(pid) - c0
                if response.status != 200:
                    raise RuntimeError(f"{name} {action}: {response}")
                s["status"] = "on_hold" if EVENT_KIND[action] == "step.held" else "in_progress"
        print(f"Machine: {machine()}")
        print(f"Load average at start: {at_start}, at end: {load()}; {args.rounds} rounds")
        print()
        tapped = "done" if args.action == "done" else "hold/resume"
        print(
            f"| checkout | healthz p50 ms | {tapped} p50 ms | ratio "
            "| CPU ms per healthz | per tap |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for name, s in state.items():
            health = statistics.median(s["health"]) * 1000
            tap = statistics.median(s["tap"]) * 1000
            cpu_health, cpu_tap = (seconds / args.rounds * 1000 for seconds in s["cpu"])
            print(
                f"| {name} | {health:.1f} | {tap:.1f} | {tap / health:.2f}× "
                f"| {cpu_health:.1f} | {cpu_tap:.1f} |"
            )
    finally:
        for shop in sides.values():
            shop.__exit__(None, None, None)


if __name__ == "__main__":
    main()
