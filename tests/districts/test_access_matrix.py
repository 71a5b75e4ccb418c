"""Every dashboard URL, walked as every kind of user: the district's staff, another district's
staff, a member workshop's owner and floor staff, an outsider, and nobody signed in.

A URL added to districts/urls.py without an entry here fails
`test_every_dashboard_url_is_in_the_matrix`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from districts.models import DistrictTarget
from tests.conftest import client_for
from tests.districts.district import build

ROLES = ("staff", "other_staff", "member_owner", "member_floor", "outsider", "anonymous")
OK, NOT_FOUND, SIGN_IN = "ok", 404, "sign-in"


@dataclass
class Case:
    method: str
    url: Callable[[dict], str]
    allowed: tuple[str, ...]
    data: dict | None = None


MATRIX: dict[str, Case] = {
    "district_dashboard": Case("get", lambda o: "/districts/keihin/dashboard/", ("staff",)),
    "district_dashboard_csv": Case(
        "get", lambda o: "/districts/keihin/dashboard/throughput.csv", ("staff",)
    ),
    "district_targets": Case("get", lambda o: "/districts/keihin/targets/", ("staff",)),
    "district_target_delete": Case(
        "post", lambda o: f"/districts/keihin/targets/{o['target'].uuid}/delete/", ("staff",)
    ),
    "workshop_dashboard": Case(
        "get", lambda o: f"/workshops/{o['T1'].uuid}/dashboard/", ("member_owner", "member_floor")
    ),
    "workshop_dashboard_csv": Case(
        "get",
        lambda o: f"/workshops/{o['T1'].uuid}/dashboard.csv",
        ("member_owner", "member_floor"),
    ),
    "api_district_stats": Case("get", lambda o: "/api/v1/districts/keihin/stats/", ("staff",)),
    "api_workshop_stats": Case(
        "get",
        lambda o: f"/api/v1/workshops/{o['T1'].uuid}/stats/",
        ("member_owner", "member_floor"),
    ),
}


def test_every_dashboard_url_is_in_the_matrix():
    import districts.urls
    from shopnet import api_urls

    names = {p.name for p in districts.urls.urlpatterns}
    names |= {p.name for p in api_urls.urlpatterns if "stats" in str(p.pattern)}
    assert names == set(MATRIX)


@pytest.fixture
def world(db):
    hm = build()
    target = DistrictTarget.objects.create(
        district=hm.district,
        metric="matches",
        value=10,
        starts_on="2026-01-01",
        ends_on="2027-01-01",
    )
    users = {
        "staff": hm.staff,
        "other_staff": hm.outsider_staff,
        "member_owner": hm.owners["T1"],
        "member_floor": hm.floor,
        "outsider": hm.stranger,
        "anonymous": None,
    }
    return users, {"target": target, **hm.shops}


CASES = [(name, role) for name in MATRIX for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_access(world, name, role):
    users, objects = world
    case = MATRIX[name]
    client = client_for(users[role])
    url = case.url(objects)
    response = client.post(url, case.data or {}) if case.method == "post" else client.get(url)
    if role in case.allowed:
        assert response.status_code in (200, 302), f"{role} should reach {url}"
    elif role == "anonymous" and not url.startswith("/api/"):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role == "anonymous":
        assert response.status_code in (401, 403, 404)
    else:
        assert response.status_code == 404, f"{role} must not reach {url}"
    assert DistrictTarget.objects.filter(pk=objects["target"].pk).exists() or (
        name == "district_target_delete" and role == "staff"
    )
