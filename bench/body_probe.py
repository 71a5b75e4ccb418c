"""Request bodies: what N concurrent anonymous POSTs of a large body do to one daphne's memory.

    .venv/bin/python bench/body_probe.py --clients 16 --mb 55
    .venv/bin/python bench/body_probe.py --clients 16 --mb 55 --server daphne   # plain daphne

Starts one server on 127.0.0.1 (the production command, `python -m shopnet.serve`, or plain
`daphne` for comparison) with DEBUG off and a throwaway SQLite file, waits until it answers,
then sends `--rounds` rounds of `--clients` concurrent anonymous POSTs of `--mb` MB each to
`--path` (the sign-in form by default). Each client streams its body from one shared buffer,
so the probe itself stays small. The server's resident memory (VmRSS) is sampled every 50 ms:
before, at its peak, and `--settle` seconds after the last request ended. Network traffic goes
to loopback only. Figures go to stdout; nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHUNK = b"x" * (1024 * 1024)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(server: str, port: int, tmp: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "body-probe-only-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{tmp}/probe.sqlite3",
        "STATIC_ROOT": f"{tmp}/static",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    command = {
        "serve": [sys.executable, "-m", "shopnet.serve"],
        "daphne": [str(Path(sys.executable).with_name("daphne"))],
    }[server]
    return subprocess.Popen(
        [*command, "-b", "127.0.0.1", "-p", str(port), "shopnet.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_listening(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if s.recv(12).startswith(b"HTTP/1.1"):
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer")


def post(port: int, path: str, size: int, cookie: str, results: list, lock: threading.Lock) -> None:
    status = "reset"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
            s.sendall(
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie}"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode()
            )
            sent = 0
            while sent < size:
                part = CHUNK[: min(len(CHUNK), size - sent)]
                s.sendall(part)
                sent += len(part)
            answer = s.recv(64)
            status = answer.split(b" ", 2)[1].decode() if answer else "closed"
    except OSError:
        pass  # refused mid-body: the server answered and closed, or reset
    with lock:
        results.append(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=["serve", "daphne"], default="serve")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--mb", type=int, default=55)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--path", default="/accounts/login/")
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument(
        "--with-session-cookie",
        action="store_true",
        help="send a (made-up) session cookie, as a signed-in browser would",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="shopnet-body-probe-") as tmp:
        port = free_port()
        process = start(args.server, port, tmp)
        try:
            wait_listening(port, process)
            time.sleep(1)
            before = rss_mb(process.pid)
            peak = [before]
            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], rss_mb(process.pid))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            results: list[str] = []
            cookie = "Cookie: sessionid=made-up\r\n" if args.with_session_cookie else ""
            lock = threading.Lock()
            started = time.monotonic()
            for _ in range(args.rounds):  # bounded: `--rounds` rounds, no more
                clients = [
                    threading.Thread(
                        target=post,
                        args=(port, args.path, args.mb * 1_000_000, cookie, results, lock),
                    )
                    for _ in range(args.clients)
                ]
                for client in clients:
                    client.start()
                for client in clients:
                    client.join()
            elapsed = time.monotonic() - started
            time.sleep(args.settle)
            done.set()
            sampler.join()
            after = rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
    answers = {status: results.count(status) for status in sorted(set(results))}
    print(
        f"server={args.server} clients={args.clients} body={args.mb} MB rounds={args.rounds} "
        f"path={args.path} session_cookie={args.with_session_cookie}"
    )
    print(f"answers: {answers}  ({elapsed:.1f} s)")
    print(
        f"RSS: before {before:.0f} MB, peak {peak[0]:.0f} MB, "
        f"{args.settle:.0f} s after {after:.0f} MB"
    )


if __name__ == "__main__":
    main()
