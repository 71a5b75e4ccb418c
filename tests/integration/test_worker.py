"""The worker as a separate process (`manage.py worker`) against the suite's PostgreSQL
database and a real SMTP server: a tap answers before its mail is sent, and a worker killed
in the middle of sending is replaced by another that sends the mail exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from notifications.models import Delivery, DeliveryStatus
from orders.services.routing import order_request
from tests.conftest import client_for
from tests.notifications.smtp import SMTPServer
from tests.orders.conftest import add, chain, post_job, terms  # noqa: F401  (fixture)

REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0  # seconds to wait for an outcome before the test fails (never a measurement)

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="the worker process needs the suite's database on a PostgreSQL server",
    ),
    pytest.mark.django_db(transaction=True),
]


class GatedSink:
    """An SMTP handler that holds every transaction at RCPT until the gate opens."""

    def __init__(self) -> None:
        self.messages = []
        self.gate = threading.Event()
        self.waiting = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.waiting.set()
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


def until(condition, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


def worker(port: int) -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = url.replace(f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shopnet.settings",
        "DEBUG": "1",
        "SECRET_KEY": "worker-integration-test-key-0123456789abcdefghijklmnopqrstuv",
        "DATABASE_URL": url,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "NOTIFICATIONS_SEND_LEASE": "3",
        "NOTIFICATIONS_SMTP_TIMEOUT": "30",
        "WORKER_INTERVAL": "0.1",
        "WORKER_TICK": "1",
        "WORKER_TASK_LEASE": "3",
        "SCHEDULE_NOTIFICATIONS_SEND_DUE": "1",
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("WORKER_TEST_LOG", os.devnull), "ab"),
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=WAIT)


def test_a_tap_answers_first_and_a_killed_worker_sends_once(chain):  # noqa: F811
    chain.hub_owner.email = "hub@example.jp"
    chain.hub_owner.save(update_fields=["email"])
    job = post_job(chain)
    step = add(job, chain, "L")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
    )
    server = SMTPServer()
    sink = server.sink = GatedSink()
    server.controller.handler = sink
    server.start()
    first = worker(server.port)
    second = None
    try:
        # The tap: the supplier accepts. It answers while no mail can possibly have gone out
        # (the SMTP server holds every transaction until the gate opens).
        response = client_for(chain.turner_owner).post(f"/api/v1/orders/{order.uuid}/accept/")
        assert response.status_code == 200
        assert sink.messages == []
        # The worker is now in the middle of sending (held at RCPT): kill it there.
        until(sink.waiting.is_set, "the worker to start sending")
        mail = Delivery.objects.get(channel="email", notification__user=chain.hub_owner)
        assert mail.status == DeliveryStatus.SENDING
        stop(first, signal.SIGKILL)
        sink.gate.set()
        assert sink.messages == []
        # Another worker takes over once the dead one's lease runs out.
        second = worker(server.port)
        until(lambda: len(sink.messages) >= 1, "the mail to arrive")
        until(
            lambda: (
                not Delivery.objects.filter(channel="email")
                .exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED])
                .exists()
            ),
            "every mail to be settled",
        )
        # A few more schedule ticks change nothing: the mail arrived once.
        ticks = time.monotonic() + 3
        while time.monotonic() < ticks:
            time.sleep(0.2)
        hub_mails = [m for m in sink.messages if m.rcpt_tos == ["hub@example.jp"]]
        assert len(hub_mails) == 1
        mail.refresh_from_db()
        assert mail.status == DeliveryStatus.SENT
    finally:
        sink.gate.set()
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second)
        server.stop()
