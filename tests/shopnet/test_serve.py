"""The server command (`python -m shopnet.serve`, daphne with body limits) refuses a body over
its limit with 413 from the headers alone, before the body is sent, so nothing of it is kept;
anonymous requests get the small limit, signed-in ones the large one."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "serve-test-only-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{tmp}/serve.sqlite3",
        "REQUEST_BODY_MAX_BYTES": "3000000",
        "ANONYMOUS_REQUEST_BODY_MAX_BYTES": "100000",
        "LOG_LEVEL": "WARNING",
        "LISTEN_BACKLOG": "777",
    }
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "shopnet.serve"),
            *("-b", "127.0.0.1", "-p", str(port), "shopnet.asgi:application"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("shopnet.serve did not start") from None
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=30)


def headers(size: int | None, cookie: bool = False, extra: str = "") -> bytes:
    lines = [
        "POST /accounts/login/ HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/x-www-form-urlencoded",
        "Connection: close",
    ]
    lines.append(f"Content-Length: {size}" if size is not None else "Transfer-Encoding: chunked")
    if cookie:
        lines.append("Cookie: csrftoken=x; sessionid=abc")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def answer(sock: socket.socket) -> bytes:
    sock.settimeout(30)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
        if b"\r\n\r\n" in data and data.startswith(b"HTTP/1.1 413"):
            break
    return data


def test_an_anonymous_body_over_its_limit_is_refused_before_it_is_sent(server):
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(headers(5_000_000, extra="Expect: 100-continue\r\n"))
        reply = answer(sock)  # not a byte of the body sent
    assert reply.startswith(b"HTTP/1.1 413")
    assert "リクエストが大きすぎます".encode() in reply
    assert b"100 Continue" not in reply


def test_a_signed_in_body_may_be_larger(server):
    body = b"a=" + b"x" * 1_000_000
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(headers(len(body), cookie=True) + body)
        reply = answer(sock)
    assert not reply.startswith(b"HTTP/1.1 413")
    assert reply.startswith(b"HTTP/1.1 ")  # Django's own answer (a CSRF refusal here)


def test_a_signed_in_body_over_the_large_limit_is_refused(server):
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(headers(4_000_000, cookie=True))
        assert answer(sock).startswith(b"HTTP/1.1 413")


def test_a_chunked_anonymous_body_is_cut_off_at_the_limit(server):
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(headers(None))
        piece = b"x" * 50_000
        try:
            for _ in range(4):
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        except OSError:
            pass
        assert answer(sock).startswith(b"HTTP/1.1 413")


def test_a_small_anonymous_body_reaches_the_application(server):
    body = b"username=a&password=b"
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(headers(len(body)) + body)
        reply = answer(sock)
    assert reply.startswith(b"HTTP/1.1 403")  # Django: no CSRF token


def test_the_image_and_compose_run_it():
    assert "shopnet.serve" in (ROOT / "Dockerfile").read_text()
    assert "shopnet.serve" in (ROOT / "docker-compose.yml").read_text()


def listen_queue(port: int) -> int:
    """The listen backlog of the socket listening on `port` (`ss`: Send-Q of a LISTEN row)."""
    rows = subprocess.run(
        ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(rows[2])


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")
def test_it_listens_with_the_configured_backlog_not_twisteds_50(server):
    """A reconnect storm overflowed Twisted's 50: the dropped connections' clients waited a
    second before trying again."""
    somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    assert listen_queue(server) == min(777, somaxconn)


def test_every_listening_endpoint_gets_the_backlog_unless_it_names_one():
    from shopnet.serve import with_backlog

    assert with_backlog("tcp:port=8000:interface=0.0.0.0", 900) == (
        "tcp:port=8000:interface=0.0.0.0:backlog=900"
    )
    assert with_backlog(r"tcp6:port=8000:interface=\:\:", 900).endswith(":backlog=900")
    assert with_backlog("unix:/run/shopnet.sock", 900) == "unix:/run/shopnet.sock:backlog=900"
    assert with_backlog("tcp:port=8000:backlog=64", 900) == "tcp:port=8000:backlog=64"
    assert with_backlog("fd:fileno=3", 900) == "fd:fileno=3"  # already listening
