"""The district dashboard over a year of a big district, against plain SQL over the raw rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/dashboard.py --workshops 4000 --jobs 100000

Builds (once; kept for the next run unless --fresh) a database `shopnet_bench_dashboard` on
DATABASE_URL's server: migrations, the demo district, `seed_demo --scale N --jobs M` (N generated
workshops in the demo district and M jobs of the last year with their steps, orders, hand-offs
and events, then `rebuild_rollups`). Then, K times each, over the last 365 days:

1. the dashboard page as the association's staff (`GET /districts/ota/dashboard/`), through
   Django's test client, with the cache emptied before each run (cold): the first answer, which
   waits up to `DISTRICT_STATS_WAIT_SECONDS` (1 s) for the figures computed on the refresh
   thread and otherwise shows their progress; then, from the same start, until the page that
   has every chart (access, filters, every figure, the SVG, the template);
2. the same page opened again while the district has not changed: the figures come from the
   cache (`districts/cached.py`), the live panels are read afresh (warm);
3. the page opened by the first reader after the district changed (its version replaced, as a
   step done does): served the figures from before the change, which are recomputed on the
   refresh thread (stale);
4. from that change to the refreshed figures kept in the cache: the stale read, then its
   refresh on the refresh thread, to the end;
5. the CSV export of one table (`…/dashboard/throughput.csv`), cold: it computes the section
   its table is drawn from;
6. the figures alone (`metrics.district_dashboard`), cold;
7. plain SQL over the raw rows, with indexes made for it: the same headline figures (steps done,
   parts and workshops per process, step lead-time percentiles, on-time delivery, jobs completed,
   joint orders, work in progress) straight from steps, orders, jobs and the event log;
8. steps done per process counted from the event log (`step.done` events), the figure whose
   cost grows with the raw event count.

Medians of K runs go to stdout with the ratios; nothing here is a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "shopnet_bench_dashboard"

RAW_INDEXES = [
    "CREATE INDEX IF NOT EXISTS bench_step_finished ON orders_step (finished_at, process_id)",
    "CREATE INDEX IF NOT EXISTS bench_step_status ON orders_step (status, process_id)",
    "CREATE INDEX IF NOT EXISTS bench_order_delivered ON orders_order (delivered_at)",
    "CREATE INDEX IF NOT EXISTS bench_job_joint ON orders_job (joint_at)",
    "CREATE INDEX IF NOT EXISTS bench_event_kind ON orders_progressevent (kind, created_at)",
]

MEMBERS = """
    SELECT workshop_id FROM workshops_workshop_districts WHERE district_id = %(district)s
"""
RAW_QUERIES = {
    "steps per process": f"""
        SELECT process_id, COUNT(*), SUM(good_qty), SUM(scrap_qty), COUNT(DISTINCT workshop_id)
        FROM orders_step
        WHERE status = 'done' AND finished_at >= %(start)s AND finished_at < %(end)s
          AND workshop_id IN ({MEMBERS})
        GROUP BY process_id""",
    "step lead time percentiles": f"""
        SELECT process_id,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY finished_at - started_at),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY finished_at - started_at)
        FROM orders_step
        WHERE status = 'done' AND finished_at >= %(start)s AND finished_at < %(end)s
          AND started_at IS NOT NULL AND workshop_id IN ({MEMBERS})
        GROUP BY process_id""",
    "on-time delivery": f"""
        SELECT COUNT(*),
               COUNT(*) FILTER (
                   WHERE (delivered_at AT TIME ZONE 'Asia/Tokyo')::date <= due_date)
        FROM orders_order
        WHERE delivered_at >= %(start)s AND delivered_at < %(end)s
          AND supplier_id IN ({MEMBERS})""",
    "jobs completed": f"""
        SELECT COUNT(*) FROM orders_progressevent e JOIN orders_job j ON j.id = e.job_id
        WHERE e.kind = 'job.completed' AND e.created_at >= %(start)s AND e.created_at < %(end)s
          AND j.owner_id IN ({MEMBERS})""",
    "joint orders": f"""
        SELECT COUNT(*) FROM orders_job
        WHERE joint_at >= %(start)s AND joint_at < %(end)s AND owner_id IN ({MEMBERS})""",
    "work in progress": f"""
        SELECT process_id, COUNT(*) FILTER (WHERE status IN ('in_progress', 'on_hold')),
               COUNT(*) FILTER (WHERE status = 'ready'), COUNT(DISTINCT workshop_id)
        FROM orders_step
        WHERE status IN ('in_progress', 'on_hold', 'ready') AND workshop_id IN ({MEMBERS})
        GROUP BY process_id""",
}
EVENT_QUERY = f"""
    SELECT s.process_id, COUNT(*) FROM orders_progressevent e
    JOIN orders_step s ON s.id = e.step_id
    WHERE e.kind = 'step.done' AND e.created_at >= %(start)s AND e.created_at < %(end)s
      AND s.workshop_id IN ({MEMBERS})
    GROUP BY s.process_id"""


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL server (the bench makes its own database).")
    return url


def _prepare_database(url: str, fresh: bool) -> str:
    import psycopg

    parts = urlparse(url)
    maintenance = urlunparse(parts._replace(path="/postgres"))
    connection = psycopg.connect(maintenance, autocommit=True)
    with connection.cursor() as cursor:
        if fresh:
            cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {DB_NAME}")
    connection.close()
    return urlunparse(parts._replace(path=f"/{DB_NAME}"))


def _median_ms(fn, runs: int, setup=None) -> tuple[float, object]:
    """The median time of `fn` over `runs` runs, after one not counted; `setup` runs before
    each, untimed."""
    if setup:
        setup()
    result = fn()  # warm-up, not counted
    times = []
    for _ in range(runs):
        if setup:
            setup()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workshops", type=int, default=4000)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = _prepare_database(_server_url(), args.fresh)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # As deployed: a stale read queues its refresh on the refresh thread.
    settings.DISTRICT_STATS_REFRESH_IN_BACKGROUND = True
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from districts import cached
    from districts.metrics.dashboard import district_dashboard
    from districts.metrics.scope import Scope, start_of_day
    from orders.models import Job, LeadTime, ProgressEvent, Step, StepDayStat, WorkshopDayStat
    from workshops.models import District, User

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", scale=args.workshops, history_jobs=args.jobs, quiet=True, verbosity=0)
    print(f"Data ready in {time.monotonic() - started:.0f}s")
    with connection.cursor() as cursor:
        for statement in RAW_INDEXES:
            cursor.execute(statement)
        cursor.execute("ANALYZE")

    district = District.objects.get(slug="ota")
    staff = User.objects.get(username="ota_staff1")
    today = timezone.localdate()
    start = today - dt.timedelta(days=364)
    counts = {
        "workshops in the district": district.workshops.count(),
        "jobs": Job.objects.count(),
        "steps": Step.objects.count(),
        "events": ProgressEvent.objects.count(),
        "step-day rollup rows": StepDayStat.objects.count(),
        "workshop-day rollup rows": WorkshopDayStat.objects.count(),
        "lead-time rows": LeadTime.objects.count(),
    }
    for name, value in counts.items():
        print(f"{name:>28}: {value:,}")

    client = Client()
    client.force_login(staff)
    query = {"start": start.isoformat(), "end": today.isoformat()}

    from django.core.cache import cache

    def page(charts: bool = True):
        response = client.get("/districts/ota/dashboard/", query)
        assert response.status_code == 200, response.status_code
        if charts:
            assert b'id="chart-weekly"' in response.content, "the figures were not there"
        return len(response.content)

    def settled():
        """Before a run, untimed: the previous run's refresh is over."""
        cached.wait_for_refreshes(600)

    def emptied():
        settled()
        cache.clear()

    def changed():
        """As a step done does: the district's figures are marked stale."""
        settled()
        cached.bump([district.uuid])

    def cold_page():
        """The first reader of a view: the answer, with the progress of its figures unless
        they took less than DISTRICT_STATS_WAIT_SECONDS."""
        return page(charts=False)

    def until_refreshed():
        """A reader, and the refresh it queued, until the new figures are kept; then the page
        with every chart."""
        page(charts=False)
        cached.wait_for_refreshes(600)
        return page()

    def export():
        response = client.get("/districts/ota/dashboard/throughput.csv", query)
        assert response.status_code == 200, response.status_code
        return len(response.content)

    def figures():
        return district_dashboard(Scope(district, start, today))

    params = {
        "district": district.pk,
        "start": start_of_day(start),
        "end": start_of_day(today + dt.timedelta(days=1)),
    }

    def raw():
        with connection.cursor() as cursor:
            for sql in RAW_QUERIES.values():
                cursor.execute(sql, params)
                cursor.fetchall()

    def events():
        with connection.cursor() as cursor:
            cursor.execute(EVENT_QUERY, params)
            return cursor.fetchall()

    results = {
        "page, first answer (cold)": _median_ms(cold_page, args.runs, emptied)[0],
        "page, until the charts (cold)": _median_ms(until_refreshed, args.runs, emptied)[0],
        "page, figures shared (warm)": _median_ms(page, args.runs, settled)[0],
        "page after a change (stale)": _median_ms(page, args.runs, changed)[0],
        "change to refreshed figures": _median_ms(until_refreshed, args.runs, changed)[0],
        "CSV export (HTTP), cold": _median_ms(export, args.runs, emptied)[0],
        "figures only (rollups)": _median_ms(figures, args.runs, settled)[0],
        "plain SQL over raw rows": _median_ms(raw, args.runs)[0],
        "step.done events per process": _median_ms(events, args.runs)[0],
    }
    floor = results["plain SQL over raw rows"]
    print(f"\nMedians of {args.runs} runs, one year, {platform.node()}, {os.cpu_count()} CPUs")
    for name, ms in results.items():
        print(f"{name:>32}: {ms:9.1f} ms   ×{ms / floor:5.2f} of plain SQL")


if __name__ == "__main__":
    main()
