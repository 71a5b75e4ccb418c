"""A local webhook receiver (a thread HTTP server on 127.0.0.1) and a way to act as a request
does: commit, then let the worker run what is due."""

from __future__ import annotations

import http.server
import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.db import connection

from tests.orders.conftest import chain, routed_job  # noqa: F401  (fixtures)
from tests.tasks import run_tasks


@dataclass
class Receiver:
    url: str
    # Statuses to answer, in turn; the last one repeats.
    answers: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    received: list[dict] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return [r["headers"]["Shopnet-Event"] for r in self.received]


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if state.delay:
                time.sleep(state.delay)
            status = state.answers.pop(0) if len(state.answers) > 1 else state.answers[0]
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/shopnet"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def local(settings):
    """Development's allowance for a receiver on this machine (http://, loopback)."""
    settings.WEBHOOKS_ALLOW_LOCAL = True
    settings.WEBHOOKS_BACKOFF = 0  # retries are due at once, so the test's worker runs them
    settings.WEBHOOKS_TIMEOUT = 2.0
    return settings


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    @contextmanager
    def acting():
        connection._webhook_events = None
        connection._notification_events = None
        with django_capture_on_commit_callbacks(execute=True):
            yield
        for _ in range(30):
            with django_capture_on_commit_callbacks(execute=True):
                ran = run_tasks()
            if not ran:
                break

    return acting


def body_of(request: dict) -> dict:
    return json.loads(request["body"])
