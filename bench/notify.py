"""A floor tap that tells 20 people: its HTTP answer with notifications on and off, and the time
until every inbox row exists and every mail is in the SMTP sink.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/notify.py

Builds a fresh database `shopnet_bench_notify` on DATABASE_URL's server (dropped at the end):
a hub, a turning shop and a grinding shop with 20 people (an owner, 4 managers, 15 floor staff,
each with an address). The turner's turning step is done; each tap is the turner's floor staff
shipping one part on to the grinder (`POST /api/v1/steps/<uuid>/ship/`, the tap after Done),
which tells all 20 of the grinder's people (`parts.shipped`, mail at once).

1. The tap's answer through Django's test client (the whole middleware stack, the service, the
   commit), K times with notifications on and K times off, alternating, with no worker running:
   medians and the ratio. On, the tap writes one task row after its commit; off, nothing.
2. With `manage.py worker` running (a separate process) and a real SMTP sink (aiosmtpd) in
   this process: from the tap's answer until 20 notifications exist, and until 20 mails have
   arrived. Medians of M taps.

Nothing here is a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DB_NAME = "shopnet_bench_notify"
PEOPLE = 20


def database_urls() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (its database is not touched).")
    parts = urlsplit(url)
    return url, urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def recreate(maintenance_url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(maintenance_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    conn.close()


def drop(maintenance_url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(maintenance_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    conn.close()


def build():
    """The three shops, the job, the orders; the turning step done with 1000 good parts."""
    from django.utils import timezone

    from orders.models import Step
    from orders.services.jobs import job_create, step_add
    from orders.services.progress import step_done, step_start
    from orders.services.routing import order_accept, order_request
    from tests.conftest import add_capability
    from workshops import services as workshop_services
    from workshops.models import Process, Role, User

    def person(name, **extra):
        return User.objects.create_user(
            username=name, password="bench-pw-1", email=f"{name}@bench.invalid", **extra
        )

    def shop(name, owner, *codes):
        workshop = workshop_services.workshop_create(actor=owner, owner=owner, name=name)
        for code in codes:
            add_capability(workshop, code)
        return workshop

    hub_owner, turner_owner, turner_floor = person("hub"), person("turner"), person("turner-f")
    hub = shop("丸山製作所", hub_owner, "ASM")
    turner = shop("田中旋盤", turner_owner, "L")
    workshop_services.membership_add(
        workshop=turner, user=turner_floor, role=Role.FLOOR, actor=turner_owner
    )
    grinder_owner = person("grinder")
    grinder = shop("松本研削", grinder_owner, "G")
    for i in range(PEOPLE - 1):
        role = Role.MANAGER if i < 4 else Role.FLOOR
        workshop_services.membership_add(
            workshop=grinder, user=person(f"grinder-{i}"), role=role, actor=grinder_owner
        )
    today = timezone.localdate()
    job = job_create(
        workshop=hub,
        actor=hub_owner,
        data={
            "part_name": "シャフト",
            "drawing_number": "B-1",
            "quantity": 1000,
            "due_date": today + dt.timedelta(days=60),
        },
    )
    turn = step_add(
        job=job, actor=hub_owner, process=Process.objects.get(code="L"), planned_hours=4
    )
    grind = step_add(
        job=job,
        actor=hub_owner,
        process=Process.objects.get(code="G"),
        planned_hours=4,
        after=[turn],
    )
    terms = {
        "price": 100000,
        "due_date": today + dt.timedelta(days=30),
        "delivery_place": "丸山製作所",
        "inspection_due_date": None,
        "payment_due_date": today + dt.timedelta(days=55),
        "payment_method": "bank_transfer",
        "terms_note": "",
    }
    for supplier, step, owner in ((turner, turn, turner_owner), (grinder, grind, grinder_owner)):
        order = order_request(
            job=job, actor=hub_owner, supplier=supplier, steps=[step], terms=terms
        )
        order_accept(order=order, actor=owner)
    turn = Step.objects.get(pk=turn.pk)
    step_start(step=turn, actor=turner_floor)
    step_done(step=turn, actor=turner_floor, good=1000)
    return turner_floor, Step.objects.get(pk=turn.pk)


def tap_timer(floor_user, step):
    from django.test import Client

    client = Client()
    client.force_login(floor_user)
    path = f"/api/v1/steps/{step.uuid}/ship/"

    def tap() -> float:
        start = time.perf_counter()
        response = client.post(path, {"quantity": 1}, content_type="application/json")
        elapsed = time.perf_counter() - start
        assert response.status_code in (200, 201), response.content[:300]
        return elapsed

    return tap


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=40, help="taps on and off, each (K)")
    parser.add_argument("--delivered", type=int, default=5, help="taps timed to the inbox (M)")
    args = parser.parse_args()

    maintenance_url, url = database_urls()
    recreate(maintenance_url)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "shopnet.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-notify-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "testserver,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "TESTING": "1",
        }
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings, setup_test_environment

    from notifications.models import Notification
    from tests.notifications.smtp import SMTPServer

    setup_test_environment()
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    logging.getLogger("django_tasks").setLevel(logging.WARNING)
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    worker = None
    sink = None
    try:
        call_command("migrate", verbosity=0)
        floor_user, step = build()
        tap = tap_timer(floor_user, step)
        for _ in range(5):  # warm up both paths
            tap()
            with override_settings(NOTIFICATIONS_ENABLED=False):
                tap()
        on, off = [], []
        for _ in range(args.taps):
            on.append(tap())
            with override_settings(NOTIFICATIONS_ENABLED=False):
                off.append(tap())
        median_on, median_off = statistics.median(on), statistics.median(off)

        # Phase 2: the worker drains what phase 1 queued, then each tap is timed to the end.
        sink = SMTPServer().start()
        env = {
            **os.environ,
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
            "WORKER_INTERVAL": "0.05",
            "DEBUG": "0",
        }
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        def settled() -> bool:
            return not DBTaskResult.objects.filter(
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
            ).exists()

        deadline = time.monotonic() + 600
        while not settled() and time.monotonic() < deadline:
            time.sleep(0.2)
        to_rows, to_mails = [], []
        for _ in range(args.delivered):
            rows_before = Notification.objects.count()
            mails_before = len(sink.messages)
            tap()
            start = time.perf_counter()
            rows_at = mails_at = None
            while time.perf_counter() - start < 120:
                if rows_at is None and Notification.objects.count() >= rows_before + PEOPLE:
                    rows_at = time.perf_counter() - start
                if mails_at is None and len(sink.messages) >= mails_before + PEOPLE:
                    mails_at = time.perf_counter() - start
                if rows_at is not None and mails_at is not None:
                    break
                time.sleep(0.005)
            to_rows.append(rows_at or float("nan"))
            to_mails.append(mails_at or float("nan"))
        print(f"shopnet notifications bench — {platform.python_version()}, {os.cpu_count()} cores")
        print(f"a ship tap telling {PEOPLE} people, {args.taps} taps each way, PostgreSQL")
        print(f"  HTTP answer, notifications off: median {ms(median_off)}")
        print(f"  HTTP answer, notifications on:  median {ms(median_on)}")
        print(f"  ratio on/off: {median_on / median_off:.3f}")
        p90_off, p90_on = (statistics.quantiles(x, n=10)[-1] for x in (off, on))
        print(f"  p90 off {ms(p90_off)}, on {ms(p90_on)}")
        print(f"with one worker process, {args.delivered} taps:")
        print(f"  answer → {PEOPLE} inbox rows: median {ms(statistics.median(to_rows))}")
        print(
            f"  answer → {PEOPLE} mails in the SMTP sink: median {ms(statistics.median(to_mails))}"
        )
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
        if sink is not None:
            sink.stop()
        from django.db import connections

        connections.close_all()
        drop(maintenance_url)


if __name__ == "__main__":
    main()
