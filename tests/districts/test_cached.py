"""The dashboard's shared figures: served at once, refreshed after a change, never a wrong
district's or a failed refresh's (districts/cached.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from districts import cached
from districts.metrics.dashboard import SECTIONS, district_dashboard
from districts.metrics.scope import Scope
from districts.targets import target_create
from orders.models import Step
from orders.services import progress
from tests.conftest import client_for
from tests.districts.district import END, START, build
from workshops.models import Process


@pytest.fixture
def hm(db):
    return build()


def recent(hm) -> Scope:
    today = timezone.localdate()
    return Scope(hm.district, today - dt.timedelta(days=30), today)


def finish_a_step(hm, capture, good: int = 7) -> None:
    """Start and finish one of the district's ready steps (there are four)."""
    step = Step.objects.filter(status="ready", workshop__districts=hm.district).order_by("pk")[0]
    (code,) = [code for code, shop in hm.shops.items() if shop.pk == step.workshop_id]
    with capture(execute=True):
        progress.step_start(step=step, actor=hm.owners[code])
        progress.step_done(step=step, actor=hm.owners[code], good=good)


def figures(data: dict) -> dict:
    return {name: data[name] for name in SECTIONS if name in data}


def refresh_marks(scope: Scope) -> list[str]:
    """The keys of the scope's refresh marks, in every language (any cache backend)."""
    from django.utils import translation

    _version, targets_version = cached._versions(scope.district)
    languages = {"ja", "en", translation.get_language() or ""}
    return [
        cached.REFRESH_KEY.format(cached._key(scope, name, language, targets_version))
        for name in SECTIONS
        for language in languages
    ]


def add_target(hm, today: dt.date, metric: str, value: int, note: str = ""):
    """A target the district's staff set, running from 10 days ago to 300 days ahead."""
    return target_create(
        district=hm.district,
        actor=hm.staff,
        metric=metric,
        value=value,
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=300),
        note=note,
    )


class Later:
    """Holds the refreshes a read queues, to run them when the test says."""

    def __init__(self, monkeypatch):
        self.tasks = []
        monkeypatch.setattr(cached, "run_later", self.tasks.append)

    def run(self) -> int:
        n = len(self.tasks)
        while self.tasks:
            self.tasks.pop(0)()
        return n


def test_a_second_viewer_reads_the_same_figures_without_a_refresh(hm, monkeypatch):
    later = Later(monkeypatch)
    scope = recent(hm)
    first = cached.district_dashboard(scope)
    assert first["refreshing"] is False
    second = cached.district_dashboard(scope)
    assert second == first
    assert later.run() == 0


def test_after_a_change_the_old_figures_are_served_while_new_ones_are_computed(
    hm, monkeypatch, django_capture_on_commit_callbacks
):
    later = Later(monkeypatch)
    scope = recent(hm)
    first = cached.district_dashboard(scope)
    finish_a_step(hm, django_capture_on_commit_callbacks)

    served = cached.district_dashboard(scope)
    assert figures(served) == figures(first)  # nobody waits for the new figures
    assert served["refreshing"] is True
    assert served["as_of"] == first["as_of"]
    # A second reader while the refresh is under way queues no second refresh.
    assert cached.district_dashboard(scope)["refreshing"] is True
    assert later.run() == 1

    after = cached.district_dashboard(scope)
    assert after["refreshing"] is False
    assert figures(after) == figures(district_dashboard(scope))
    assert after["processes"]["throughput"] != first["processes"]["throughput"]
    assert later.run() == 0


def test_a_change_during_a_refresh_leaves_the_new_figures_stale(
    hm, monkeypatch, django_capture_on_commit_callbacks
):
    """The refresh keeps its figures under the version it read before computing: a step done
    meanwhile is not hidden behind them."""
    later = Later(monkeypatch)
    scope = recent(hm)
    cached.district_dashboard(scope)
    finish_a_step(hm, django_capture_on_commit_callbacks)
    cached.district_dashboard(scope)
    compute = district_dashboard

    calls = []

    def with_a_step_meanwhile(*args, **kwargs):
        result = compute(*args, **kwargs)
        finish_a_step(hm, django_capture_on_commit_callbacks, good=3)
        calls.append(1)
        return result

    monkeypatch.setattr(cached.dashboard, "district_dashboard", with_a_step_meanwhile)
    assert later.run() == 1
    assert calls == [1]  # the refresh ran, and a step was done while it did
    monkeypatch.setattr(cached.dashboard, "district_dashboard", compute)
    assert cached.district_dashboard(scope)["refreshing"] is True
    assert later.run() == 1
    after = cached.district_dashboard(scope)
    assert after["refreshing"] is False
    assert figures(after) == figures(district_dashboard(scope))


def test_figures_older_than_the_fresh_period_are_refreshed(hm, monkeypatch, settings):
    """Planned load and membership do not move the rollups; the refresh after the fresh
    period picks them up."""
    later = Later(monkeypatch)
    settings.DISTRICT_STATS_CACHE_SECONDS = 60
    scope = recent(hm)
    cached.district_dashboard(scope)
    now = cached.time.time()
    monkeypatch.setattr(cached.time, "time", lambda: now + 59)
    assert cached.district_dashboard(scope)["refreshing"] is False
    monkeypatch.setattr(cached.time, "time", lambda: now + 61)
    assert cached.district_dashboard(scope)["refreshing"] is True
    assert later.run() == 1


def test_a_new_target_shows_at_once(hm, monkeypatch, django_capture_on_commit_callbacks):
    later = Later(monkeypatch)
    scope = recent(hm)
    today = scope.today
    first = cached.district_dashboard(scope)
    with django_capture_on_commit_callbacks(execute=True):
        target = add_target(hm, today, "jobs_completed", 10)
    after = cached.district_dashboard(scope)
    assert [t["uuid"] for t in after["targets"]] == [
        *(t["uuid"] for t in first["targets"]),
        str(target.uuid),
    ]
    assert after["refreshing"] is False  # the other sections did not change
    assert later.run() == 0


def test_a_failed_refresh_is_logged_and_tried_again(hm, monkeypatch, caplog):
    later = Later(monkeypatch)
    scope = recent(hm)
    first = cached.district_dashboard(scope)
    cached.bump([hm.district.uuid])

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(cached.dashboard, "district_dashboard", broken)
    cached.district_dashboard(scope)
    later.run()
    assert "could not be refreshed" in caplog.text
    # The old figures are still served, and the next read tries again.
    again = cached.district_dashboard(scope)
    assert figures(again) == figures(first) and again["refreshing"] is True
    assert later.run() == 1


def test_districts_and_filters_never_share_figures(hm):
    scope = recent(hm)
    mine = cached.district_dashboard(scope)
    other = Scope(hm.other, scope.start, scope.end)
    theirs = cached.district_dashboard(other)
    assert figures(theirs) == figures(district_dashboard(other))
    assert figures(theirs) != figures(mine)
    lathe = Scope(hm.district, scope.start, scope.end, process=Process.objects.get(code="L"))
    assert figures(cached.district_dashboard(lathe)) == figures(district_dashboard(lathe))


def test_a_stale_read_takes_as_few_queries_as_a_fresh_one(
    hm, monkeypatch, django_assert_num_queries
):
    """Serving figures while they are recomputed costs the reader nothing more: the page's
    own queries and the live panels (see test_the_page_takes_a_fixed_number_of_queries)."""
    later = Later(monkeypatch)
    client = client_for(hm.staff)
    url = reverse("district_dashboard", args=[hm.district.slug])
    client.get(url)
    assert later.run() == 1  # the first reader's figures, computed after the page
    with django_assert_num_queries(10):
        client.get(url)
    cached.bump([hm.district.uuid])
    with django_assert_num_queries(10):
        response = client.get(url)
    assert "data-refreshing" in response.content.decode()
    assert later.run() == 1


def test_the_page_says_when_its_figures_were_computed(hm):
    client = client_for(hm.staff)
    url = reverse("district_dashboard", args=[hm.district.slug])
    html = client.get(url).content.decode()
    assert "data-as-of" in html and "時点の数値" in html
    assert "data-refreshing" not in html
    cached.bump([hm.district.uuid])
    html = client.get(url).content.decode()
    assert "新しい数値を計算中" in html
    client.cookies["shopnet_language"] = "en"
    english = client.get(url).content.decode()
    assert "Figures as of" in english


def test_the_api_says_when_its_figures_were_computed(hm, monkeypatch):
    Later(monkeypatch)
    client = client_for(hm.staff)
    url = f"/api/v1/districts/{hm.district.slug}/stats/"
    data = client.get(url).json()
    assert data["refreshing"] is False
    moment = dt.datetime.fromisoformat(data["as_of"])
    assert moment.tzinfo is not None
    assert abs((timezone.now() - moment).total_seconds()) < 600
    cached.bump([hm.district.uuid])
    assert client.get(url).json()["refreshing"] is True


@pytest.mark.django_db(transaction=True)
def test_the_refresh_runs_on_a_thread_of_its_own(settings):
    """The refresh as deployed: on the process's refresh thread, with its own connection."""
    settings.DISTRICT_STATS_REFRESH_IN_BACKGROUND = True
    hm = build()
    scope = recent(hm)
    first = cached.district_dashboard(scope)
    step = Step.objects.filter(workshop=hm.shops["H1"], process__code="INS", status="ready")[0]
    progress.step_start(step=step, actor=hm.owners["H1"])
    progress.step_done(step=step, actor=hm.owners["H1"], good=7)  # committed: bumps the version
    served = cached.district_dashboard(scope)
    assert served["refreshing"] is True and figures(served) == figures(first)
    cached.wait_for_refreshes()
    after = cached.district_dashboard(scope)
    assert after["refreshing"] is False
    assert figures(after) == figures(district_dashboard(scope))
    assert after["processes"]["throughput"] != first["processes"]["throughput"]


def test_warm_dashboards_computes_the_default_views_ahead_of_their_readers(
    hm, monkeypatch, django_assert_num_queries
):
    from io import StringIO

    from django.core.management import call_command

    later = Later(monkeypatch)

    def warm() -> list[str]:
        out = StringIO()
        call_command("warm_dashboards", district=["keihin"], stdout=out)
        return out.getvalue().splitlines()

    lines = warm()
    assert [line.split(":")[0] for line in lines] == ["keihin [ja]", "keihin [en]"]
    assert all("summary, weekly, processes, network, targets" in line for line in lines)
    client = client_for(hm.staff)
    url = reverse("district_dashboard", args=[hm.district.slug])
    client.get(url)
    with django_assert_num_queries(10):  # nothing computed: the page and the live panels
        html = client.get(url).content.decode()
    assert "data-refreshing" not in html
    assert all("already current" in line for line in warm())
    cached.bump([hm.district.uuid])
    assert all("summary, weekly, processes, network, targets" in line for line in warm())
    assert all("already current" in line for line in warm())
    assert later.run() == 0  # the command refreshes while it runs, never later


def test_a_view_nobody_has_opened_shows_its_progress_until_its_figures_are_there(hm, monkeypatch):
    later = Later(monkeypatch)
    client = client_for(hm.staff)
    url = reverse("district_dashboard", args=[hm.district.slug])
    html = client.get(url).content.decode()
    assert "data-pending" in html and "この表示の数値を計算しています" in html
    assert 'id="chart-weekly"' not in html and "data-as-of" not in html
    assert 'id="dashboard-live"' in html  # the live panels do not wait
    ask = {"headers": {"X-Shopnet-Progress": "1"}}
    answer = client.get(url, **ask)
    # The targets (cheap) came with the page; the rest is under way.
    assert answer.json() == {"done": 1, "total": 5, "ready": False}
    # Never kept by the browser for the page's own address (the Back button shows the page).
    assert "no-store" in answer["Cache-Control"] and "X-Shopnet-Progress" in answer["Vary"]
    assert client.get(url, **ask).json()["ready"] is False
    assert later.run() == 1  # one computing, however often the page asks
    assert client.get(url, **ask).json() == {"done": 5, "total": 5, "ready": True}
    html = client.get(url).content.decode()
    assert 'id="chart-weekly"' in html and "data-pending" not in html
    assert later.run() == 0


def test_progress_counts_the_sections_as_they_are_kept(hm, monkeypatch):
    later = Later(monkeypatch)
    scope = recent(hm)
    assert cached.district_page(scope)["pending"] == ["summary", "weekly", "processes", "network"]
    compute = district_dashboard
    seen = []

    def watched(scope, names, on_section=None):
        def keep(name, figures):
            seen.append(cached.progress(scope)["done"])
            on_section(name, figures)

        return compute(scope, names, on_section=keep)

    monkeypatch.setattr(cached.dashboard, "district_dashboard", watched)
    later.run()
    assert seen == [1, 2, 3, 4]
    assert cached.progress(scope) == {"done": 5, "total": 5, "ready": True}


def test_after_a_failed_refresh_the_page_computes_its_figures_itself(hm, monkeypatch, caplog):
    """No page waits forever, and no poll starts the failed work again."""
    later = Later(monkeypatch)
    scope = recent(hm)
    cached.district_page(scope)
    compute = district_dashboard

    def broken(scope, names, on_section=None):
        compute(scope, names[:2], on_section=on_section)
        raise RuntimeError("database went away")

    monkeypatch.setattr(cached.dashboard, "district_dashboard", broken)
    assert later.run() == 1
    assert "could not be refreshed" in caplog.text
    monkeypatch.setattr(cached.dashboard, "district_dashboard", compute)
    # Two sections were kept before it failed; the page is told to open again.
    assert cached.progress(scope) == {"done": 3, "total": 5, "ready": True}
    assert later.run() == 0
    data = cached.district_page(scope)
    assert data["pending"] == [] and later.run() == 0
    assert figures(data) == figures(district_dashboard(scope))


def test_a_refresh_that_cannot_start_leaves_the_reader_its_figures(hm, monkeypatch, caplog):
    from districts.filters import default_scope

    def refused(task):
        raise RuntimeError("cannot schedule new futures after interpreter shutdown")

    monkeypatch.setattr(cached, "run_later", refused)
    client = client_for(hm.staff)
    url = reverse("district_dashboard", args=[hm.district.slug])
    response = client.get(url)
    assert response.status_code == 200 and 'id="chart-weekly"' in response.content.decode()
    assert "could not be started" in caplog.text
    scope = default_scope(hm.district)
    assert cached.cache.get_many(refresh_marks(scope)) == {}  # released: the next one tries
    cached.bump([hm.district.uuid])
    caplog.clear()
    assert 'id="chart-weekly"' in client.get(url).content.decode()
    assert "could not be started" in caplog.text  # it did try again
    assert cached.cache.get_many(refresh_marks(scope)) == {}


def test_progress_tells_the_page_to_open_again_when_nothing_is_under_way(hm, monkeypatch):
    """A refresh mark that expired (a process that died mid-refresh): the page opens again
    and starts the computing itself rather than waiting for nothing."""
    later = Later(monkeypatch)
    scope = recent(hm)
    cached.district_page(scope)
    assert cached.progress(scope)["ready"] is False
    later.tasks.clear()  # the refresh that never ran
    assert cached.cache.get_many(refresh_marks(scope))  # under way, as far as anyone knows
    cached.cache.delete_many(refresh_marks(scope))
    assert cached.progress(scope)["ready"] is True
    assert cached.district_page(scope)["pending"] and later.run() == 1


def test_a_target_change_hides_no_figures(hm, monkeypatch, django_capture_on_commit_callbacks):
    later = Later(monkeypatch)
    client = client_for(hm.staff)
    url = reverse("district_dashboard", args=[hm.district.slug])
    client.get(url)
    later.run()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        add_target(hm, today, "matches", 12, note="年12件")
    html = client.get(url).content.decode()
    assert 'id="chart-weekly"' in html and "data-pending" not in html
    assert "年12件" in html
    assert later.run() == 0


def test_a_printout_and_a_csv_wait_for_their_figures(hm, monkeypatch):
    later = Later(monkeypatch)
    client = client_for(hm.staff)
    url = reverse("district_dashboard", args=[hm.district.slug])
    html = client.get(url, {"print": "1"}).content.decode()
    assert 'id="chart-weekly"' in html and "data-pending" not in html
    csv = client.get(
        reverse("district_dashboard_csv", args=[hm.district.slug, "throughput"]),
        {"start": START.isoformat(), "end": END.isoformat()},
    )
    assert csv.status_code == 200 and "旋削" in csv.content.decode("utf-8-sig")
    assert later.run() == 0


def test_an_outsider_cannot_ask_for_the_progress(hm):
    url = reverse("district_dashboard", args=[hm.district.slug])
    ask = {"headers": {"X-Shopnet-Progress": "1"}}
    for user in (hm.outsider_staff, hm.owners["H1"], hm.stranger):
        assert client_for(user).get(url, **ask).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_page_waits_a_moment_for_a_small_district(settings):
    """Figures that take less than DISTRICT_STATS_WAIT_SECONDS come with the first page."""
    settings.DISTRICT_STATS_REFRESH_IN_BACKGROUND = True
    hm = build()
    data = cached.district_page(recent(hm), wait=60)
    assert data["pending"] == [] and data["refreshing"] is False
    assert figures(data) == figures(district_dashboard(recent(hm)))


def test_without_the_cache_the_page_waits_for_its_figures(hm, settings, monkeypatch):
    """`DISTRICT_STATS_CACHE_SECONDS = 0`, or a cache that is down: nothing to show progress
    from, so every figure is computed on the request, and the API answers no `pending`."""
    settings.DISTRICT_STATS_CACHE_SECONDS = 0
    scope = recent(hm)
    data = cached.district_page(scope)
    assert "pending" not in data and data["refreshing"] is False
    assert figures(data) == figures(district_dashboard(scope))
    assert cached.progress(scope)["ready"] is True
    api = client_for(hm.staff).get(f"/api/v1/districts/{hm.district.slug}/stats/").json()
    assert "pending" not in api and api["refreshing"] is False
