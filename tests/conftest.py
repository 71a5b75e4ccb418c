"""Shared fixtures: three workshops (ours, a partner, an outsider) and their people."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from workshops import services
from workshops.models import District, DistrictStaff, Material, Process, Role, User, Workshop


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush every table afterwards, including the processes, materials
    and certifications that a migration loaded; put them back for whoever comes next."""
    marked = request.node.get_closest_marker("django_db") is not None
    wanted = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if not (marked or wanted):
        return
    if not marked:
        request.getfixturevalue("transactional_db" if "live_server" in wanted else "db")
    from workshops.reference_data import sync_with_current_models

    if not Process.objects.exists():
        sync_with_current_models()


@pytest.fixture(scope="session", autouse=True)
def _close_stream_connections(django_db_setup, django_db_blocker):
    """The streams' database thread, the after-answer thread and the threads of the servers
    browser tests ran outlive every test; their connections must be closed before the test
    database is dropped (torn down before `django_db_setup`)."""
    yield
    from django.db import connection

    from core import realtime
    from orders import livepath

    with django_db_blocker.unblock():
        livepath.close_connections()
        realtime.close_connections()
        # Threads of servers the browser tests ran (and ended) may hold a connection still;
        # the test database cannot be dropped while any session uses it.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND backend_type = 'client backend' AND usename = current_user"
                )


@pytest.fixture(autouse=True)
def _no_webhook_endpoints_yet(monkeypatch):
    """Each test starts with no webhook endpoint (its rows are rolled back without a signal):
    the per-process answer is primed, so that no test's pinned query count depends on when the
    answer was last read. Creating an endpoint in a test reads it afresh (a signal)."""
    import time

    from integrations import subscriber

    monkeypatch.setattr(subscriber, "ENDPOINTS_TTL", 1e9)
    subscriber._any_active.update(checked=time.monotonic(), answer=False)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def make_user(username: str, **extra) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, **extra)
    return user


def make_workshop(name: str, *, owner: User | None = None, lat=None, lng=None, **data) -> Workshop:
    return services.workshop_create(
        actor=owner,
        owner=owner,
        name=name,
        latitude=None if lat is None else Decimal(str(lat)),
        longitude=None if lng is None else Decimal(str(lng)),
        **data,
    )


def add_capability(
    workshop: Workshop,
    code: str,
    *,
    materials=(),
    size=None,
    tolerance=None,
    lot=(None, None),
    **extra,
):
    data = {
        "process": Process.objects.get(code=code),
        "materials": list(Material.objects.filter(code__in=materials)),
        "tolerance_um": None if tolerance is None else Decimal(str(tolerance)),
        "lot_min": lot[0],
        "lot_max": lot[1],
        **extra,
    }
    if size:
        data.update(
            max_length_mm=Decimal(str(size[0])),
            max_width_mm=Decimal(str(size[1])),
            max_height_mm=Decimal(str(size[2])),
        )
    return services.capability_save(workshop=workshop, actor=None, data=data)


@pytest.fixture
def district(db) -> District:
    return District.objects.create(slug="ota", name_ja="大田区", name_en="Ota")


@pytest.fixture
def owner(db) -> User:
    return make_user("owner", display_name="大田 一郎")


@pytest.fixture
def manager(db) -> User:
    return make_user("manager")


@pytest.fixture
def floor(db) -> User:
    return make_user("floor")


@pytest.fixture
def partner_owner(db) -> User:
    return make_user("partner")


@pytest.fixture
def outsider(db) -> User:
    return make_user("outsider")


@pytest.fixture
def staff(db, district) -> User:
    user = make_user("assoc")
    DistrictStaff.objects.create(district=district, user=user)
    return user


@pytest.fixture
def workshop(db, owner, manager, floor, district) -> Workshop:
    w = make_workshop(
        "田中精機",
        owner=owner,
        lat=35.5613,
        lng=139.7161,
        name_kana="タナカセイキ",
        name_en="Tanaka Seiki",
        districts=[district],
    )
    services.membership_add(workshop=w, user=manager, role=Role.MANAGER, actor=owner)
    services.membership_add(workshop=w, user=floor, role=Role.FLOOR, actor=owner)
    return w


@pytest.fixture
def partner(db, partner_owner, district) -> Workshop:
    return make_workshop(
        "鈴木研削",
        owner=partner_owner,
        lat=35.5700,
        lng=139.7300,
        name_kana="スズキケンサク",
        districts=[district],
    )


@pytest.fixture
def outsider_workshop(db, outsider) -> Workshop:
    return make_workshop(
        "川崎プレス", owner=outsider, lat=35.5300, lng=139.7000, name_kana="カワサキプレス"
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
