"""The dashboard's figures, computed once and shared until the district changes.

A meeting room opens the same dashboard on a projector and a dozen tablets, then downloads a
CSV of the table under discussion: all of them read the same figures. Each section (summary,
weekly, processes, network, targets) is kept in the cache under the district, the filters, the
range, the day and the language, and under the district's *version*: a token replaced after
every commit that moves the district's rollups (`realtime.district_stats_changed`), after a
target changes and after `rebuild_rollups`. A change is therefore never hidden by the cache.
What moves without touching the rollups (planned load, a workshop joining the district or
changing its processes) shows within `DISTRICT_STATS_CACHE_SECONDS` (default 300), the life of
an entry. The live panels (today's counters, work in progress) are never cached; the page
re-reads them on every `district.update`.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from . import metrics

VERSION_KEY = "district-stats-version:{}"
logger = logging.getLogger(__name__)


LIFETIME = 300


def _period() -> int:
    return int(getattr(settings, "DISTRICT_STATS_CACHE_SECONDS", LIFETIME))


def bump(district_uuids: Iterable[Any]) -> None:
    """The districts' figures changed: entries cached before now are never read again."""
    try:
        cache.set_many({VERSION_KEY.format(u): uuid.uuid4().hex for u in district_uuids}, None)
    except Exception:
        # Without the cache nothing is shared either (see `district_dashboard`), except what
        # was cached before it went away, which expires within the lifetime.
        logger.warning("Could not mark the district figures as changed", exc_info=True)


def bump_all() -> None:
    from workshops.models import District

    bump(District.objects.values_list("uuid", flat=True))


def _key(scope: metrics.Scope, version: str, section: str) -> str:
    parts = [
        scope.district.pk,
        version,
        section,
        scope.start,
        scope.end,
        scope.today,
        scope.process.pk if scope.process else "",
        scope.area,
        scope.size,
        translation.get_language() or "",
    ]
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"district-stats:{digest}"


def district_dashboard(
    scope: metrics.Scope, sections: Iterable[str] = metrics.SECTIONS
) -> dict[str, Any]:
    """`metrics.district_dashboard`, from the cache where this district has not changed since
    the figures were computed. Two cache round trips; queries only for the missing sections."""
    sections = [name for name in metrics.SECTIONS if name in set(sections)]
    period = _period()
    if period <= 0:
        return metrics.district_dashboard(scope, sections)
    try:
        version = _version(scope.district)
        keys = {name: _key(scope, version, name) for name in sections}
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("Dashboard figures computed without the cache", exc_info=True)
        return metrics.district_dashboard(scope, sections)
    missing = [name for name in sections if keys[name] not in found]
    fresh = metrics.district_dashboard(scope, missing) if missing else {}
    if missing:
        try:
            cache.set_many({keys[name]: fresh[name] for name in missing}, period)
        except Exception:
            logger.warning("Dashboard figures not kept in the cache", exc_info=True)
    return {
        **metrics.dashboard_header(scope),
        **{name: found[keys[name]] if name not in missing else fresh[name] for name in sections},
    }


def _version(district) -> str:
    key = VERSION_KEY.format(district.uuid)
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(key, version, None):
            version = cache.get(key) or version
    return version
