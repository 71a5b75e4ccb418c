"""The dashboard's pages, CSV and API: figures, bad input, privacy, encoding, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation

from core import dates
from districts.models import DistrictEvent, DistrictTarget
from districts.views import CSV_TABLES
from tests.board.test_date_formats import assert_one_format
from tests.conftest import client_for
from tests.districts.district import END, SECRETS, START, build

pytestmark = pytest.mark.django_db

RANGE = {"start": START.isoformat(), "end": END.isoformat()}


@pytest.fixture
def hm():
    made = build()
    DistrictTarget.objects.create(
        district=made.district,
        metric="matches",
        value=100,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 1, 1),
        note="年間100件",
    )
    return made


def page(hm, **params):
    return client_for(hm.staff).get(
        reverse("district_dashboard", args=[hm.district.slug]), {**RANGE, **params}
    )


def test_staff_see_their_districts_figures(hm):
    response = page(hm)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'id="chart-weekly"' in html and 'id="chart-network"' in html
    data = response.context["data"]
    assert data["summary"]["steps_done"] == 8
    assert data["summary"]["on_time_percent"] == 75
    assert [t["value"] for t in data["targets"]] == [3]
    # Every chart offers its CSV.
    for table in ("weekly", "throughput", "lead_times", "wip", "capacity", "network", "summary"):
        assert reverse("district_dashboard_csv", args=[hm.district.slug, table]) in html


def test_the_filters_are_in_the_url(hm):
    response = page(hm, process="L", area="144", size="1-9")
    assert response.status_code == 200
    scope = response.context["scope"]
    assert (scope.process.code, scope.area, scope.size) == ("L", "144", "1-9")
    assert 'value="L" selected' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start": "2026-03-15", "end": "2026-03-01"}, "start date is after"),
        ({"start": "1900-01-01", "end": "1900-02-01"}, "from 2000-01-01"),
        ({"start": "2010-01-01", "end": "2020-01-01"}, "at most three years"),
        ({"start": "yesterday"}, "valid date"),
        ({"process": "NOPE"}, "valid choice"),
        ({"size": "huge"}, "valid choice"),
        ({"area": "999"}, "valid choice"),
    ],
)
def test_bad_input_is_a_clear_message_not_an_error(hm, params, words, settings):
    settings.LANGUAGE_CODE = "en"
    client = client_for(hm.staff)
    client.cookies["shopnet_language"] = "en"
    url = reverse("district_dashboard", args=[hm.district.slug])
    response = client.get(url, {**RANGE, **params})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert "data" not in response.context
    api = client.get(f"/api/v1/districts/{hm.district.slug}/stats/", {**RANGE, **params})
    assert api.status_code == 400
    messages = [api.json()["detail"], *(m for ms in api.json()["fields"].values() for m in ms)]
    assert any(words in m for m in messages)
    assert api.json()["code"]
    csv_url = reverse("district_dashboard_csv", args=[hm.district.slug, "summary"])
    assert client.get(csv_url, {**RANGE, **params}).status_code == 400


def test_bad_input_is_translated(hm):
    response = page(hm, start="2026-03-15", end="2026-03-01")
    assert response.status_code == 400
    assert "開始日が終了日より後" in response.content.decode()


def test_another_districts_staff_and_members_get_404(hm):
    url = reverse("district_dashboard", args=[hm.district.slug])
    for user in (hm.outsider_staff, hm.owners["H1"], hm.floor, hm.stranger):
        assert client_for(user).get(url).status_code == 404
    assert client_for(hm.staff).get("/districts/nowhere/dashboard/").status_code == 404
    other = client_for(hm.staff).get(f"/api/v1/districts/{hm.other.slug}/stats/")
    assert (other.status_code, other.json()["code"]) == (404, "not_found")
    unknown = reverse("district_dashboard_csv", args=[hm.district.slug, "customers"])
    assert client_for(hm.staff).get(unknown).status_code == 404


def test_the_page_refuses_other_methods(hm):
    url = reverse("district_dashboard", args=[hm.district.slug])
    assert client_for(hm.staff).post(url).status_code == 405


def _every_output(hm) -> list[bytes]:
    """Everything association staff can read about the district."""
    client = client_for(hm.staff)
    slug = hm.district.slug
    outputs = [
        page(hm).content,
        page(hm, process="L").content,
        page(hm, size="10-29").content,
        client.get(reverse("district_targets", args=[slug])).content,
        client.get(f"/api/v1/districts/{slug}/stats/", RANGE).content,
        client.get(
            reverse("district_dashboard", args=[slug]), RANGE, headers={"X-Shopnet-Live": "1"}
        ).content,
    ]
    for table in CSV_TABLES:
        outputs.append(
            client.get(reverse("district_dashboard_csv", args=[slug, table]), RANGE).content
        )
    return outputs


def test_no_price_customer_drawing_title_or_shop_name_reaches_association_staff(hm):
    outputs = _every_output(hm)
    for output in outputs:
        text = output.decode("utf-8")
        for secret in (*SECRETS, "SECRET-SHOP", "SECRET-PLACE"):
            assert secret not in text
        for shop in hm.shops.values():
            assert str(shop.uuid) not in text


def test_the_csv_is_utf8_with_a_bom_and_japanese_headers(hm):
    client = client_for(hm.staff)
    response = client.get(
        reverse("district_dashboard_csv", args=[hm.district.slug, "throughput"]), RANGE
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="keihin-throughput-20260301-20260315.csv"' in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))
    assert rows[0] == ["工程コード", "加工・処理", "完了工程", "良品", "不良"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["L"][1:] == ["旋削", "4", "100", "1"]
    assert by_code["G"][2] == "3社未満"
    assert body.endswith(b"\r\n")


def test_the_page_takes_a_fixed_number_of_queries(hm, django_assert_num_queries):
    from django.core.cache import cache

    from tests.districts.test_metrics import grow

    client = client_for(hm.staff)
    url = reverse("district_dashboard", args=[hm.district.slug])
    client.get(url, RANGE)  # warm the session and the translation catalogue

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cache.clear()  # the figures computed afresh, not read from the cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, RANGE).status_code == 200
        return len(queries)

    before = count()
    grow(hm, workshops=6, jobs=20)
    assert count() == before
    # 1 session, 2 user, 3 district (the staff check), 4 postal codes for the area choices,
    # 5 process labels, 6 steps done per process and in all; summary: 7 workshop days,
    # 8 job lead times, 9 matches, 10 participation, 11 outside shops invited and joined,
    # 12 workshops in scope; weekly: 13 steps, 14 jobs; per process: 15 step lead times,
    # 16 workshop ids for the load, 17 committed steps, 18 declared capacity, 19 work in
    # progress, 20 its workshops; network: 21 the workshops that traded, 22 their main
    # processes, 23 the edges; targets: 24 targets, 25 awarded postings by month; live
    # panels: 26 process labels, 27 steps done today, 28 work in progress, 29 its workshops;
    # the page: 30 memberships for the navigation, 31 processes for the filter's choices.
    cache.clear()
    with django_assert_num_queries(31):
        client.get(url, RANGE)
    # Opened again before anything changed: the figures come from the cache, and only the
    # page itself and the live panels are read (1–4, 26–31).
    with django_assert_num_queries(10):
        client.get(url, RANGE)


def test_a_live_refresh_reads_only_the_live_panels(hm):
    response = client_for(hm.staff).get(
        reverse("district_dashboard", args=[hm.district.slug]),
        RANGE,
        headers={"X-Shopnet-Live": "1"},
    )
    html = response.content.decode()
    assert 'id="dashboard-live"' in html and 'id="chart-weekly"' not in html
    assert "no-store" in response["Cache-Control"] and "X-Shopnet-Live" in response["Vary"]


def test_staff_add_and_remove_targets(hm):
    client = client_for(hm.staff)
    url = reverse("district_targets", args=[hm.district.slug])
    response = client.post(
        url,
        {"metric": "joint_orders", "value": 50, "starts_on": "2026-01-01", "ends_on": "2031-01-01"},
    )
    assert response.status_code == 302
    target = DistrictTarget.objects.get(metric="joint_orders")
    assert target.created_by == hm.staff
    bad = client.post(
        url,
        {"metric": "joint_orders", "value": 5, "starts_on": "2026-01-01", "ends_on": "2025-01-01"},
    )
    assert bad.status_code == 400 and DistrictTarget.objects.count() == 2
    decade = client.post(
        url, {"metric": "matches", "value": 5, "starts_on": "2000-01-01", "ends_on": "2030-01-01"}
    )
    assert decade.status_code == 400 and DistrictTarget.objects.count() == 2
    delete = reverse("district_target_delete", args=[hm.district.slug, target.uuid])
    assert client_for(hm.outsider_staff).post(delete).status_code == 404
    assert client.get(delete).status_code == 405
    assert client.post(delete).status_code == 302
    assert not DistrictTarget.objects.filter(pk=target.pk).exists()
    # Both changes are in the district's log, with who and when; refused ones are not.
    log = list(DistrictEvent.objects.filter(district=hm.district).order_by("pk"))
    assert [(e.action, e.actor, e.data["target"]) for e in log] == [
        ("target.created", hm.staff, str(target.uuid)),
        ("target.deleted", hm.staff, str(target.uuid)),
    ]
    assert log[1].data == {
        "target": str(target.uuid),
        "metric": "joint_orders",
        "value": 50,
        "starts_on": "2026-01-01",
        "ends_on": "2031-01-01",
        "note": "",
    }
    assert not DistrictEvent.objects.filter(district=hm.other).exists()
    page = client.get(url)
    rows = page.context["history"]
    assert [(r["action"], r["who"], r["value"]) for r in rows] == [
        ("目標を削除", str(hm.staff), 50),
        ("目標を追加", str(hm.staff), 50),
    ]
    html = page.content.decode()
    assert 'id="h-history"' in html and html.count("<td>目標を削除</td>") == 1
    assert "<td>2026年1月1日 – 2031年1月1日</td>" in html  # the one Japanese format
    # Another association's staff never see this log.
    assert client_for(hm.outsider_staff).get(url).status_code == 404


def test_the_targets_page_takes_a_fixed_number_of_queries(hm):
    """However many changes the log holds, listing them is one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from districts.targets import target_create, target_delete

    client = client_for(hm.staff)
    url = reverse("district_targets", args=[hm.district.slug])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add_and_remove() -> None:
        target = target_create(
            district=hm.district,
            actor=hm.staff,
            metric="matches",
            value=10,
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2027, 1, 1),
        )
        target_delete(target=target, actor=hm.staff)

    add_and_remove()
    before = count()
    for _ in range(5):
        add_and_remove()
    assert count() == before
    assert len(client.get(url).context["history"]) == 12


def test_a_workshop_sees_itself_beside_the_district_median(hm):
    client = client_for(hm.owners["T1"])
    url = reverse("workshop_dashboard", args=[hm.shops["T1"].uuid])
    response = client.get(url, RANGE)
    assert response.status_code == 200
    rows = {r["measure"]: r for r in response.context["rows"]}
    # T1 did one turning step; the five shops did 1 (T1), 2 (T2), 2 (T3), 2 (H1), 1 (G1).
    assert (rows["steps_done"]["mine"], rows["steps_done"]["median"]) == (1, 2.0)
    assert rows["orders_accepted"]["mine"] == 2
    assert rows["on_time_percent"]["mine"] == 100
    text = response.content.decode()
    for secret in SECRETS:
        assert secret not in text
    api = client.get(f"/api/v1/workshops/{hm.shops['T1'].uuid}/stats/", RANGE)
    assert api.status_code == 200 and api.json()["measures"][0]["measure"] == "steps_done"
    csv_response = client.get(reverse("workshop_dashboard_csv", args=[hm.shops["T1"].uuid]), RANGE)
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    # Floor staff see their shop's figures too; nobody else does.
    assert client_for(hm.floor).get(url).status_code == 200
    for user in (hm.owners["T2"], hm.staff, hm.stranger):
        assert client_for(user).get(url).status_code == 404
    assert client.get(url, {"district": "tsubame"}).status_code == 404
    assert client.get(url, {"start": "2026-03-15", "end": "2026-03-01"}).status_code == 400


def test_the_network_key_of_the_folded_group_is_translated(hm):
    """The legend and the table name the folded group by a translated key, not the code
    word "other" (the API keeps "other" as the group's id)."""
    response = page(hm)
    html = response.content.decode()
    nodes = response.context["data"]["network"]["nodes"]
    assert any(n["id"] == "other" for n in nodes)
    assert "other:" not in html
    assert "他: その他の加工・処理" in html
    english = client_for(hm.staff)
    english.cookies["shopnet_language"] = "en"
    html = english.get(
        reverse("district_dashboard", args=[hm.district.slug]), RANGE
    ).content.decode()
    assert "other: Other processes" in html


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_dashboard_writes_dates_one_way(hm, language):
    """The range, the week rows, the chart's axis and the targets: the language's long or
    short form (shopnet/formats/), never the ISO dates the cached figures carry."""
    client = client_for(hm.staff)
    client.cookies["shopnet_language"] = language
    response = client.get(reverse("district_dashboard", args=[hm.district.slug]), RANGE)
    found = assert_one_format(response.content.decode(), language)
    with translation.override(language):
        assert dates.day(START) in found
        # The weekly chart's axis: weeks start on Monday, 2 March 2026 (the first after the 1st).
        assert dates.short_day(dt.date(2026, 3, 2)) in found
