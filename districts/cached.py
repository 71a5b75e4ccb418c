"""The dashboard's figures: computed once, shared, and refreshed in the background.

A meeting room opens the same dashboard on a projector and a dozen tablets, then downloads a
CSV of the table under discussion: all of them read the same figures. Over a year of a large
district, computing them takes seconds (docs/BENCHMARKS.md), and a busy district changes every
few seconds, so nobody should wait for that work once it has been done for their view.

Each section (summary, weekly, processes, network, targets) is kept in the cache under the
district, the filters, the range, the day and the language, with the district's *version* at
the time it was computed: a token replaced after every commit that moves the district's
rollups (`orders.rollups.district_stats_changed`) and after `rebuild_rollups`. On a read:

- an entry of the current version, younger than `DISTRICT_STATS_CACHE_SECONDS` (default 300),
  is served as it is;
- an older entry is served too, marked with when it was computed, and its section is
  recomputed in the background (one refresh per entry at a time, across processes); the next
  read gets the new figures;
- a missing entry (a view nobody has opened today) is computed while the reader waits; except
  on the page (`district_page`), which hands it to the refresh thread too, waits a moment, and
  otherwise shows its progress (`progress`) until it is there.

What moves without touching the rollups (planned load, a workshop joining the district or
changing its processes) is picked up by the refresh after the entry's fresh period ends. The
targets section has its own version, replaced when a target is added or removed, so the staff
who changed a target see it at once. The live panels (today's counters, work in progress) are
never cached; the page re-reads them on every `district.update`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone, translation

from orders import rollups

from .metrics import dashboard
from .metrics.scope import Scope

TARGETS_VERSION_KEY = "district-targets-version:{}"
REFRESH_KEY = "district-stats-refresh:{}"
FAILED_KEY = "district-stats-failed:{}"
# Part of every entry's key: entries of an older shape are never read after a deploy.
FORMAT = 2
# The sections a page may show without: the targets are cheap, and computed while it waits.
DEFERRABLE = frozenset(("summary", "weekly", "processes", "network"))
logger = logging.getLogger(__name__)

LIFETIME = 300
# An entry is kept (to be served while it is recomputed) until the day is over; the day is
# part of its key, so no entry outlives the day it was computed for.
KEEP_SECONDS = 86400
# A refresh that has not finished by then (a crashed process) no longer blocks the next one.
REFRESH_LOCK_SECONDS = 600
# A refresh that failed: its sections are computed by the next page that asks, for this long.
FAILED_SECONDS = 60


def _period() -> int:
    return int(getattr(settings, "DISTRICT_STATS_CACHE_SECONDS", LIFETIME))


def bump(district_uuids: Iterable[Any], *, targets: bool = False) -> None:
    """The districts' figures changed (`targets`: their targets did): entries computed before
    now are served only while they are recomputed (targets: never again)."""
    if not targets:
        rollups.figures_changed(district_uuids)
        return
    try:
        cache.set_many(
            {TARGETS_VERSION_KEY.format(u): uuid.uuid4().hex for u in district_uuids}, None
        )
    except Exception:
        # Without the cache nothing is shared either (see `district_dashboard`), except what
        # was cached before it went away, which is refreshed when its fresh period ends.
        logger.warning("Could not mark the district targets as changed", exc_info=True)


def _key(scope: Scope, section: str, language: str, targets_version: str) -> str:
    parts = [
        FORMAT,
        scope.district.pk,
        section,
        targets_version if section == "targets" else "",
        scope.start,
        scope.end,
        scope.today,
        scope.process.pk if scope.process else "",
        scope.area,
        scope.size,
        language,
    ]
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"district-stats:{digest}"


def _versions(district) -> tuple[str, str]:
    """The district's current version and targets version (one round trip, two on first use)."""
    keys = [rollups.VERSION_KEY.format(district.uuid), TARGETS_VERSION_KEY.format(district.uuid)]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            token = uuid.uuid4().hex
            found[key] = token if cache.add(key, token, None) else (cache.get(key) or token)
    return found[keys[0]], found[keys[1]]


def district_dashboard(
    scope: Scope, sections: Iterable[str] = dashboard.SECTIONS
) -> dict[str, Any]:
    """`dashboard.district_dashboard`, from the cache where it can be (see the module). Besides
    the sections: `as_of`, when the oldest of them was computed (ISO 8601), and `refreshing`,
    whether newer figures are being computed. Two cache round trips, and queries only for the
    sections nobody has computed yet."""
    return _read(scope, sections, run_later).data


def district_page(scope: Scope, wait: float | None = None) -> dict[str, Any]:
    """For the page: `district_dashboard`, except that the sections nobody has computed (but
    the targets) are computed in the background too. It waits for them up to `wait` seconds
    (`DISTRICT_STATS_WAIT_SECONDS`, default 1), then answers without them: `pending` names
    them, and the page shows their progress (`progress`) until they are there. Sections whose
    refresh failed a moment ago, or that could not be handed to the refresh thread, are
    computed while the reader waits, as without a cache."""
    if wait is None:
        wait = float(getattr(settings, "DISTRICT_STATS_WAIT_SECONDS", 1.0))
    read = _read(scope, dashboard.SECTIONS, run_later, defer=True)
    if read.data.get("pending"):
        futures.wait([f for f in read.queued if isinstance(f, Future)], timeout=wait)
        read = _read(scope, dashboard.SECTIONS, run_later, defer=True)
    return read.data


def progress(scope: Scope) -> dict[str, Any]:
    """How far the computing of the page's sections has come: `done` of `total`; `ready` when
    the page should be opened again: all there, or their computing failed or stopped (the
    page then computes them itself). Reads the cache only: one or two round trips."""
    total = len(dashboard.SECTIONS)
    ready = {"done": total, "total": total, "ready": True}
    if _period() <= 0:
        return ready
    try:
        _version, targets_version = _versions(scope.district)
        language = translation.get_language() or ""
        keys = {n: _key(scope, n, language, targets_version) for n in dashboard.SECTIONS}
        names = [*keys.values()]
        names += [REFRESH_KEY.format(k) for k in keys.values()]
        names += [FAILED_KEY.format(k) for k in keys.values()]
        found = cache.get_many(names)
    except Exception:
        logger.warning("Dashboard progress read without the cache", exc_info=True)
        return ready
    missing = [n for n in dashboard.SECTIONS if not _usable(found.get(keys[n]))]
    under_way = [n for n in missing if REFRESH_KEY.format(keys[n]) in found]
    failed = [n for n in missing if FAILED_KEY.format(keys[n]) in found]
    return {
        "done": total - len(missing),
        "total": total,
        "ready": not missing or bool(failed) or len(under_way) < len(missing),
    }


def warm(scope: Scope) -> list[str]:
    """Make the scope's figures current in the cache now, in the active language: computed if
    missing, recomputed if stale (`manage.py warm_dashboards`). Returns the sections computed."""
    refreshed: list[Refresh] = []
    read = _read(scope, dashboard.SECTIONS, refreshed.append)
    for task in refreshed:
        task()
    return read.computed + [name for task in refreshed for name in task.names]


@dataclass
class Read:
    data: dict[str, Any]
    computed: list[str]  # while the caller waited
    queued: list[Any]  # what `later` returned for the refreshes it was given


def _read(
    scope: Scope,
    sections: Iterable[str],
    later: Callable[[Refresh], Any],
    *,
    defer: bool = False,
) -> Read:
    """The figures, from the cache where they are; a refresh of the stale ones goes to
    `later`, and so, with `defer`, does the computing of the missing ones (`pending`)."""
    sections = [name for name in dashboard.SECTIONS if name in set(sections)]
    period = _period()
    if period <= 0:
        return Read(_computed_now(scope, sections), sections, [])
    language = translation.get_language() or ""
    try:
        version, targets_version = _versions(scope.district)
        keys = {name: _key(scope, name, language, targets_version) for name in sections}
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("Dashboard figures computed without the cache", exc_info=True)
        return Read(_computed_now(scope, sections), sections, [])
    now = time.time()
    entries = {name: found[keys[name]] for name in sections if _usable(found.get(keys[name]))}
    missing = [name for name in sections if name not in entries]
    stale = [
        name
        for name in entries
        if entries[name]["version"] != version or now - entries[name]["at"] >= period
    ]
    queued: list[Any] = []
    deferred = [name for name in missing if name in DEFERRABLE] if defer else []
    if deferred:
        deferred = _not_failed(keys, deferred)
    if deferred and not _refresh_later(scope, deferred, keys, version, language, later, queued):
        deferred = []  # nothing will compute them: the reader waits for them after all
    computed = [name for name in missing if name not in deferred]
    if computed:
        fresh = dashboard.district_dashboard(scope, computed)
        entries.update(_store(keys, fresh, computed, version, now))
    refreshing = False
    if stale:
        refreshing = _refresh_later(scope, stale, keys, version, language, later, queued)
    data = {
        **dashboard.dashboard_header(scope),
        **{name: entries[name]["data"] for name in sections if name in entries},
        "as_of": _iso(min((entries[name]["at"] for name in entries), default=now)),
        "refreshing": refreshing,
    }
    if defer:
        data["pending"] = deferred
    return Read(data, computed, queued)


def _not_failed(keys: dict[str, str], names: list[str]) -> list[str]:
    """`names` but those whose refresh failed a moment ago."""
    try:
        failed = cache.get_many([FAILED_KEY.format(keys[name]) for name in names])
    except Exception:
        return names
    return [name for name in names if FAILED_KEY.format(keys[name]) not in failed]


def _computed_now(scope: Scope, sections: list[str]) -> dict[str, Any]:
    return {
        **dashboard.district_dashboard(scope, sections),
        "as_of": _iso(time.time()),
        "refreshing": False,
    }


def _entry(version: str, at: float, figures: Any) -> dict[str, Any]:
    """What the cache keeps for a section: its figures, and the version and time they are of."""
    return {"version": version, "at": at, "data": figures}


def _usable(entry: Any) -> bool:
    return isinstance(entry, dict) and {"version", "at", "data"} <= entry.keys()


def _iso(moment: float) -> str:
    return timezone.localtime(dt.datetime.fromtimestamp(moment, tz=dt.UTC)).isoformat(
        timespec="seconds"
    )


def _store(
    keys: dict[str, str], figures: dict[str, Any], names: list[str], version: str, at: float
) -> dict[str, dict[str, Any]]:
    entries = {name: _entry(version, at, figures[name]) for name in names}
    try:
        cache.set_many({keys[name]: entries[name] for name in names}, KEEP_SECONDS)
    except Exception:
        logger.warning("Dashboard figures not kept in the cache", exc_info=True)
    return entries


def _refresh_later(
    scope: Scope,
    stale: list[str],
    keys: dict[str, str],
    version: str,
    language: str,
    later: Callable[[Refresh], Any],
    queued: list[Any],
) -> bool:
    """Recompute the stale sections after this read, unless a refresh of them is under way
    (here or in another process). Returns whether newer figures are on the way."""
    try:
        mine = [
            name
            for name in stale
            if cache.add(REFRESH_KEY.format(keys[name]), 1, REFRESH_LOCK_SECONDS)
        ]
    except Exception:
        logger.warning("Dashboard figures not refreshed", exc_info=True)
        return False
    if mine:
        try:
            queued.append(later(Refresh(scope, mine, keys, version, language)))
        except Exception:
            logger.exception("Dashboard refresh could not be started")
            _forget([REFRESH_KEY.format(keys[name]) for name in mine])
            return False
    return True


def _forget(marks: list[str]) -> None:
    try:
        cache.delete_many(marks)
    except Exception:
        logger.warning("Dashboard refresh marks left to expire", exc_info=True)


@dataclass
class Refresh:
    """Compute `names` and keep them under `version`, the one read before computing: a change
    that lands meanwhile marks them stale again at once."""

    scope: Scope
    names: list[str]
    keys: dict[str, str]
    version: str
    language: str

    def __call__(self) -> None:
        started = time.time()
        kept: list[str] = []

        def keep(name: str, figures: Any) -> None:
            cache.set(self.keys[name], _entry(self.version, started, figures), KEEP_SECONDS)
            kept.append(name)

        try:
            with translation.override(self.language or None):
                dashboard.district_dashboard(self.scope, self.names, on_section=keep)
        except Exception:
            logger.exception("Dashboard figures could not be refreshed")
            # The pages waiting for them compute them themselves for a while (`district_page`).
            failed = [FAILED_KEY.format(self.keys[n]) for n in self.names if n not in kept]
            try:
                cache.set_many(dict.fromkeys(failed, 1), FAILED_SECONDS)
            except Exception:
                logger.warning("Dashboard refresh failure not marked", exc_info=True)
        finally:
            _forget([REFRESH_KEY.format(self.keys[name]) for name in self.names])


# --- the background ------------------------------------------------------------------------------

_executor_lock = threading.Lock()
_pending: set[Future] = set()


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="district-stats")


def run_later(task: Callable[[], None]) -> Future | None:
    """Run `task` on the process's one refresh thread, after the current request; inline where
    `DISTRICT_STATS_REFRESH_IN_BACKGROUND` is off (the tests, to stay inside their
    transaction). One thread: refreshes queue up instead of competing for the cores with the
    requests."""
    if not getattr(settings, "DISTRICT_STATS_REFRESH_IN_BACKGROUND", True):
        task()
        return None
    with _executor_lock:
        future = _executor().submit(_in_thread, task)
        _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def _in_thread(task: Callable[[], None]) -> None:
    try:
        task()
    finally:
        # The thread's own connections: closed after each refresh, never left to time out.
        connections.close_all()


def wait_for_refreshes(timeout: float = 60) -> None:
    """Block until the refreshes queued so far are done (for the benchmark and the tests)."""
    deadline = time.monotonic() + timeout
    for future in list(_pending):
        future.result(timeout=max(deadline - time.monotonic(), 0))
