"""Every drawings page and API endpoint, walked as every kind of user.

The routed job of tests/orders: the hub orders turning and grinding from the turner, who passes
grinding on to the grinder; plating goes to the plater. Drawing MR-1001 (revisions A, then B)
is for the turning step; the hub shares it with the turner's order, grants downloads and allows
passing it on; the turner passes it on to the grinder. The plater's order shows no drawing.

Roles: the hub's owner; the supplier with sharing (turner); the supplier without (plater); the
sub-supplier (grinder); the sub-supplier's floor staff; the district association's staff; an
outsider. A URL added to drawings.urls, or an /api/v1/drawings route, without an entry here
fails `test_every_drawings_url_is_in_the_matrix`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from drawings import services
from drawings.models import DrawingAccessLog
from tests.conftest import client_for
from tests.drawings.conftest import add_drawing
from tests.orders.conftest import Chain

ROLES = (
    "hub",
    "supplier",
    "supplier_unshared",
    "sub_supplier",
    "floor",
    "staff",
    "outsider",
)
OK, NOT_FOUND = "ok", 404


def user_for(chain: Chain, role: str):
    return {
        "hub": chain.hub_owner,
        "supplier": chain.turner_owner,
        "supplier_unshared": chain.plater_owner,
        "sub_supplier": chain.grinder_owner,
        "floor": chain.grinder_floor,
        "staff": chain.staff,
        "outsider": chain.stranger_owner,
    }[role]


@dataclass
class Case:
    method: str
    url: Callable[[dict], str]
    expect: dict[str, object]
    data: dict | None = None


def only(*roles: str) -> dict[str, object]:
    return {role: (OK if role in roles else NOT_FOUND) for role in ROLES}


PARTIES = ("hub", "supplier", "supplier_unshared", "sub_supplier", "floor")
SHARED = ("hub", "supplier", "sub_supplier", "floor")

MATRIX: dict[str, Case] = {
    # --- pages --------------------------------------------------------------------------------
    # Every party to the job has a drawings page (empty for the plater); nobody else.
    "job_drawings": Case("get", lambda o: f"/jobs/{o['job'].uuid}/drawings/", only(*PARTIES)),
    "job_drawings_panel": Case(
        "get", lambda o: f"/jobs/{o['job'].uuid}/drawings/panel/", only(*PARTIES)
    ),
    "drawing_upload": Case(
        "post", lambda o: f"/jobs/{o['job'].uuid}/drawings/upload/", only("hub"), {}
    ),
    "drawing_log": Case("get", lambda o: f"/jobs/{o['job'].uuid}/drawings/log/", only("hub")),
    "drawing_detail": Case("get", lambda o: f"/drawings/{o['drawing'].uuid}/", only(*SHARED)),
    "drawing_steps": Case(
        "post", lambda o: f"/drawings/{o['drawing'].uuid}/steps/", only("hub"), {"steps": []}
    ),
    # The sub-order's drawings: chosen by the hub or by the turner, who placed it.
    "order_drawings": Case(
        "get", lambda o: f"/orders/{o['sub'].uuid}/drawings/", only("hub", "supplier")
    ),
    "revision_viewer": Case(
        "get", lambda o: f"/drawings/revisions/{o['rev'].uuid}/", only(*SHARED)
    ),
    "revision_thumbnail": Case(
        "get", lambda o: f"/drawings/revisions/{o['rev'].uuid}/thumbnail", only(*SHARED)
    ),
    "revision_page": Case(
        "get", lambda o: f"/drawings/revisions/{o['old'].uuid}/pages/1", only(*SHARED)
    ),
    # Originals: the hub, and the supplier whose order the hub granted downloads.
    "revision_download": Case(
        "get", lambda o: f"/drawings/revisions/{o['rev'].uuid}/download", only("hub", "supplier")
    ),
    # --- API ----------------------------------------------------------------------------------
    "api_drawings": Case("get", lambda o: f"/api/v1/drawings/?job={o['job'].uuid}", only(*PARTIES)),
    "api_drawing_revisions": Case(
        "get", lambda o: f"/api/v1/drawings/{o['drawing'].uuid}/revisions/", only(*SHARED)
    ),
    "api_revision_preview": Case(
        "get",
        lambda o: f"/api/v1/drawings/revisions/{o['rev'].uuid}/preview/1/",
        only(*SHARED),
    ),
    "api_revision_thumbnail": Case(
        "get",
        lambda o: f"/api/v1/drawings/revisions/{o['old'].uuid}/thumbnail/",
        only(*SHARED),
    ),
    "api_revision_download": Case(
        "get",
        lambda o: f"/api/v1/drawings/revisions/{o['rev'].uuid}/download/",
        only("hub", "supplier"),
    ),
}
# The upload endpoint shares its route with the list; its POST is walked here.
POSTS: dict[str, Case] = {
    "api_drawings": Case("post", lambda o: "/api/v1/drawings/", only("hub"), {}),
}


def _names(patterns, prefix: str = "") -> dict[str, str]:
    found = {}
    for p in patterns:
        if isinstance(p, URLResolver):
            found.update(_names(p.url_patterns, prefix + str(p.pattern)))
        elif isinstance(p, URLPattern) and p.name:
            found[p.name] = prefix + str(p.pattern)
    return found


def drawings_urls() -> dict[str, str]:
    import drawings.urls

    names = _names(drawings.urls.urlpatterns)
    api = {
        name: route
        for name, route in _names(get_resolver().url_patterns).items()
        if route.startswith("api/v1/drawings")
    }
    return {**names, **api}


def test_every_drawings_url_is_in_the_matrix():
    urls = drawings_urls()
    assert len(urls) >= 16
    missing = sorted(set(urls) - set(MATRIX))
    assert missing == [], f"add these URLs to the drawings access matrix: {missing}"


@pytest.fixture
def objects(chain, routed_job):
    job, steps, orders = routed_job
    old = add_drawing(chain, job, "pdf", number="MR-1001", steps=[steps["L"]])
    rev = add_drawing(chain, job, "png", number="MR-1001")
    drawing = rev.drawing
    services.order_drawings_set(
        order=orders["top"], actor=chain.hub_owner, drawings=[drawing], download=True, reshare=True
    )
    services.order_drawings_set(order=orders["sub"], actor=chain.turner_owner, drawings=[drawing])
    return {"job": job, "drawing": drawing, "rev": rev, "old": old, **steps, **orders}


def _request(client, case: Case, url: str):
    if case.method == "get":
        return client.get(url)
    return client.post(url, case.data or {})


CASES = [(name, role) for name in MATRIX for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_access(chain, objects, name, role):
    case = MATRIX[name]
    client = client_for(user_for(chain, role))
    url = case.url(objects)
    response = _request(client, case, url)
    if case.expect[role] == NOT_FOUND:
        assert response.status_code == 404, f"{role} must not reach {url}"
    else:
        assert response.status_code != 404, f"{role} should reach {url}"
        assert response.status_code < 500


POST_CASES = [(name, role) for name in POSTS for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), POST_CASES, ids=[f"{n}-post-{r}" for n, r in POST_CASES])
def test_api_upload_access(chain, objects, name, role):
    case = POSTS[name]
    client = client_for(user_for(chain, role))
    response = client.post(case.url(objects), {"job": str(objects["job"].uuid)})
    if case.expect[role] == NOT_FOUND:
        assert response.status_code == 404
    else:
        assert response.status_code == 400  # no file: refused as bad input, not hidden


@pytest.mark.django_db
def test_an_anonymous_visitor_gets_no_file(client, chain, objects):
    for case in MATRIX.values():
        response = _request(client, case, case.url(objects))
        assert response.status_code in (302, 401, 403), case.url(objects)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["supplier_unshared", "staff", "outsider"])
def test_refused_visitors_change_nothing_and_leave_no_trace(chain, objects, role):
    job = objects["job"]
    before = list(job.events.values_list("seq", flat=True))
    client = client_for(user_for(chain, role))
    for case in [*MATRIX.values(), *POSTS.values()]:
        _request(client, case, case.url(objects))
    assert list(job.events.values_list("seq", flat=True)) == before
    assert not DrawingAccessLog.objects.exists()
