"""The public JSON API under /api/v1/: taxonomy, workshop search and profiles, auth, schema."""

from __future__ import annotations

import io
import re
import uuid
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from shopnet import api_urls
from tests.conftest import add_capability, client_for, make_workshop
from workshops import services
from workshops.models import Certification, Material, Process, Workshop
from workshops.selectors import Point, cycling_minutes, distance_km

pytestmark = pytest.mark.django_db

WORKSHOPS_URL = "/api/v1/workshops/"
FILTER_PARAMETERS = {
    "q",
    "process",
    "material",
    "size",
    "tolerance",
    "lot",
    "certification",
    "district",
    "near",
    "from_shop",
    "ordering",
}


def _token_client(user) -> Client:
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def _ids(response) -> list[str]:
    return [row["id"] for row in response.json()["results"]]


def _names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


def _detail_url(workshop) -> str:
    return f"{WORKSHOPS_URL}{workshop.uuid}/"


# --- Taxonomy -----------------------------------------------------------------------------------


def test_it_lists_the_processes_with_jis_symbols_and_both_names(owner):
    response = client_for(owner).get("/api/v1/processes/")

    assert response.status_code == 200
    rows = response.json()
    assert isinstance(rows, list)  # the whole taxonomy, unpaginated
    assert len(rows) == Process.objects.count()
    by_code = {row["code"]: row for row in rows}
    assert by_code["L"] == {
        "code": "L",
        "jis_symbol": "L",
        "name_ja": "旋削",
        "name_en": "Turning",
        "category": "cutting",
    }
    assert by_code["G"]["name_ja"] == "研削"
    assert all(isinstance(row["jis_symbol"], str) for row in rows)  # "" where unconfirmed
    assert [row["code"] for row in rows] == list(
        Process.objects.order_by("sort_order", "code").values_list("code", flat=True)
    )


def test_it_lists_the_materials(owner):
    rows = client_for(owner).get("/api/v1/materials/").json()

    assert len(rows) == Material.objects.count()
    assert {
        "code": "SUS304",
        "name_ja": "SUS304",
        "name_en": "SUS304 stainless steel",
        "category": "stainless",
    } in rows


def test_it_lists_the_certifications(owner):
    rows = client_for(owner).get("/api/v1/certifications/").json()

    assert len(rows) == Certification.objects.count()
    iso = next(row for row in rows if row["code"] == "ISO9001")
    assert iso == {
        "code": "ISO9001",
        "name_ja": "ISO 9001（品質マネジメント）",
        "name_en": "ISO 9001 quality management",
    }


# --- Authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/processes/", "/api/v1/materials/", "/api/v1/certifications/", WORKSHOPS_URL]
)
def test_it_refuses_an_anonymous_caller_with_403(workshop, url):
    response = client_for(None).get(url)

    # SessionAuthentication comes first and sends no WWW-Authenticate challenge, so DRF turns
    # "not authenticated" into 403 rather than 401.
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"] and response.json()["fields"] == {}


def test_it_refuses_an_anonymous_caller_a_workshop_profile_with_403(workshop):
    response = client_for(None).get(_detail_url(workshop))

    assert response.status_code == 403
    assert "name" not in response.json()


def test_it_accepts_a_token(owner, workshop):
    response = _token_client(owner).get(WORKSHOPS_URL)

    assert response.status_code == 200
    assert _names(response) == ["田中精機"]


def test_it_refuses_a_wrong_token(owner, workshop):
    response = Client(HTTP_AUTHORIZATION="Token " + "0" * 40).get(WORKSHOPS_URL)

    assert response.status_code == 403
    assert "results" not in response.json()


def test_it_refuses_the_token_of_a_deactivated_user(owner, workshop):
    client = _token_client(owner)
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    assert client.get(WORKSHOPS_URL).status_code == 403


def test_issue_token_prints_a_key_that_authenticates(owner, workshop):
    out = io.StringIO()

    call_command("issue_token", "owner", stdout=out)

    key = out.getvalue().strip()
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    assert Token.objects.get(user=owner).key == key
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").get(WORKSHOPS_URL)
    assert response.status_code == 200
    assert _names(response) == ["田中精機"]


def test_issue_token_prints_the_same_key_again_and_rotate_replaces_it(owner, workshop):
    first, again, rotated = io.StringIO(), io.StringIO(), io.StringIO()

    call_command("issue_token", "owner", stdout=first)
    call_command("issue_token", "owner", stdout=again)
    call_command("issue_token", "owner", "--rotate", stdout=rotated)

    assert first.getvalue() == again.getvalue()
    old, new = first.getvalue().strip(), rotated.getvalue().strip()
    assert new != old
    assert Token.objects.filter(user=owner).count() == 1
    assert Client(HTTP_AUTHORIZATION=f"Token {old}").get(WORKSHOPS_URL).status_code == 403
    assert Client(HTTP_AUTHORIZATION=f"Token {new}").get(WORKSHOPS_URL).status_code == 200


def test_issue_token_refuses_an_unknown_or_inactive_user(owner):
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    with pytest.raises(CommandError):
        call_command("issue_token", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("issue_token", "owner", stdout=io.StringIO())
    assert not Token.objects.exists()


# --- Write methods --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("which", ["list", "detail", "processes"])
def test_it_refuses_writes_with_405(owner, workshop, method, which):
    url = {
        "list": WORKSHOPS_URL,
        "detail": _detail_url(workshop),
        "processes": "/api/v1/processes/",
    }[which]
    before = Workshop.objects.get(pk=workshop.pk)

    response = getattr(_token_client(owner), method)(
        url, {"name": "乗っ取り"}, content_type="application/json"
    )

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed" and response.json()["detail"]
    after = Workshop.objects.get(pk=workshop.pk)
    assert (after.name, after.updated_at) == (before.name, before.updated_at)
    assert Workshop.objects.count() == 1


def test_it_refuses_a_session_write_with_405(owner, workshop):
    response = client_for(owner).post(WORKSHOPS_URL, {"name": "新工場"})

    assert response.status_code == 405
    assert Workshop.objects.count() == 1


# --- Workshop search ------------------------------------------------------------------------


@pytest.fixture
def capable(workshop, partner, outsider_workshop):
    """田中精機: L (SUS304, 300×100×50, ±5 µm, lots 10–100) and M.
    鈴木研削: L for SUS304 and G for A5052 (±2 µm). 川崎プレス: nothing."""
    add_capability(
        workshop, "L", materials=["SUS304"], size=(300, 100, 50), tolerance=5, lot=(10, 100)
    )
    add_capability(workshop, "M", materials=["A5052"])
    add_capability(partner, "L", materials=["SUS304"])
    add_capability(partner, "G", materials=["A5052"], tolerance=2)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"process": "L"}, ["田中精機", "鈴木研削"]),
        ({"process": "L,M"}, ["田中精機"]),
        ({"process": ["L", "G"]}, ["鈴木研削"]),
        ({"process": "L", "material": "A5052"}, []),  # nobody turns A5052, on one row
        ({"process": "G", "material": "A5052"}, ["鈴木研削"]),
        ({"size": "60x290x45"}, ["田中精機"]),  # turned to fit 300×100×50
        ({"size": "３１０ｘ１０"}, []),
        ({"tolerance": "3"}, ["鈴木研削"]),
        ({"lot": "100", "process": "L"}, ["田中精機", "鈴木研削"]),  # 鈴木 gives no lot range
        ({"lot": "101", "size": "10"}, []),
        ({"district": "ota"}, ["田中精機", "鈴木研削"]),
        ({"q": "すずき"}, ["鈴木研削"]),
        ({"q": "ＳＵＳ３０４", "process": "M"}, ["田中精機"]),
        ({"q": "研削"}, ["鈴木研削"]),
    ],
)
def test_it_filters_workshops_like_the_search_page(owner, capable, query, expected):
    response = client_for(owner).get(WORKSHOPS_URL, {**query, "ordering": "name"})

    assert response.status_code == 200
    assert sorted(_names(response)) == sorted(expected)
    assert response.json()["count"] == len(expected)


def test_it_filters_by_certification_all_of(owner, workshop, partner):
    workshop.certifications.set(Certification.objects.filter(code__in=["ISO9001", "ISO14001"]))
    partner.certifications.set(Certification.objects.filter(code="ISO9001"))

    response = client_for(owner).get(WORKSHOPS_URL, {"certification": "ISO9001,ISO14001"})

    assert _names(response) == ["田中精機"]
    assert response.json()["results"][0]["certifications"] == ["ISO9001", "ISO14001"]


def test_it_returns_distance_and_cycling_minutes_from_the_users_workshop(
    owner, workshop, partner, outsider_workshop
):
    rows = client_for(owner).get(WORKSHOPS_URL).json()["results"]

    assert [row["name"] for row in rows] == ["田中精機", "鈴木研削", "川崎プレス"]
    km = distance_km(Point(35.5613, 139.7161), Point(35.57, 139.73))
    assert rows[0]["distance_km"] == 0.0
    assert rows[0]["cycling_minutes"] == 1  # never "0 minutes"
    assert rows[1]["distance_km"] == round(km, 2) == pytest.approx(1.59, abs=0.01)
    assert rows[1]["cycling_minutes"] == cycling_minutes(km) == 8


def test_it_orders_by_distance_from_a_given_point(owner, workshop, partner, outsider_workshop):
    response = _token_client(owner).get(
        WORKSHOPS_URL, {"near": "35.53,139.70", "ordering": "distance"}
    )

    rows = response.json()["results"]
    assert [row["name"] for row in rows] == ["川崎プレス", "田中精機", "鈴木研削"]
    assert rows[0]["distance_km"] == 0.0


def test_it_orders_by_rating_with_unrated_last(owner, workshop, partner, outsider_workshop):
    Workshop.objects.filter(pk=outsider_workshop.pk).update(
        rating_average=Decimal("4.20"), rating_count=7
    )
    Workshop.objects.filter(pk=partner.pk).update(rating_average=Decimal("2.00"), rating_count=1)

    rows = client_for(owner).get(WORKSHOPS_URL, {"ordering": "rating"}).json()["results"]

    assert [(row["name"], row["rating_average"], row["rating_count"]) for row in rows] == [
        ("川崎プレス", "4.20", 7),
        ("鈴木研削", "2.00", 1),
        ("田中精機", None, 0),
    ]


def test_it_gives_no_distance_to_a_user_without_location(staff, workshop, partner):
    rows = client_for(staff).get(WORKSHOPS_URL).json()["results"]

    assert [row["name"] for row in rows] == ["鈴木研削", "田中精機"]  # by kana: スズキ, タナカ
    assert {(row["distance_km"], row["cycling_minutes"]) for row in rows} == {(None, None)}


def test_it_lists_capabilities_in_a_row_without_machines(owner, workshop, capable):
    row = client_for(owner).get(WORKSHOPS_URL, {"process": "M"}).json()["results"][0]

    lathe = next(c for c in row["capabilities"] if c["process"] == "L")
    assert lathe["materials"] == ["SUS304"]
    assert (lathe["max_length_mm"], lathe["max_width_mm"], lathe["max_height_mm"]) == (
        "300.0",
        "100.0",
        "50.0",
    )
    assert (lathe["tolerance_um"], lathe["lot_min"], lathe["lot_max"]) == ("5.0", 10, 100)
    assert lathe["machines"] == []
    assert row["districts"] == ["ota"]
    assert "machines" not in row


def test_it_leaves_inactive_workshops_out_of_the_list(owner, workshop, partner):
    Workshop.objects.filter(pk=partner.pk).update(is_active=False)

    response = client_for(owner).get(WORKSHOPS_URL)

    assert _names(response) == ["田中精機"]
    assert response.json()["count"] == 1


def test_it_pages_the_list(staff, district):
    for i in range(52):
        make_workshop(f"工場{i:02d}", name_kana=f"コウジョウ{i:02d}")
    client = client_for(staff)

    first = client.get(WORKSHOPS_URL).json()
    second = client.get(WORKSHOPS_URL, {"page": 2}).json()

    assert first["count"] == 52
    assert len(first["results"]) == 50
    assert [row["name"] for row in second["results"]] == ["工場50", "工場51"]
    assert second["next"] is None


# --- Bad filter values: 400 with a message per field ----------------------------------------


def test_it_answers_bad_filter_values_with_400_and_a_message_per_field(owner, workshop):
    response = client_for(owner).get(
        WORKSHOPS_URL,
        {
            "process": "L,ZZ",
            "material": "UNOBTAINIUM",
            "certification": "NOPE",
            "district": "atlantis",
            "size": "big",
            "tolerance": "-1",
            "lot": "0",
            "near": "here",
            "ordering": "cheapest",
            "q": "田中",
        },
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "invalid"
    errors = response.json()["fields"]
    assert response.json()["detail"] == next(iter(errors.values()))[0]
    assert set(errors) == {
        "process",
        "material",
        "certification",
        "district",
        "size",
        "tolerance",
        "lot",
        "near",
        "ordering",
    }
    for field, messages in errors.items():
        assert isinstance(messages, list) and messages, field
        assert all(isinstance(m, str) and m.strip() for m in messages), field
    assert "ZZ" in errors["process"][0]
    assert "results" not in errors


def test_it_gives_the_messages_in_english_with_the_english_cookie(owner, workshop):
    client = client_for(owner)
    client.cookies["shopnet_language"] = "en"

    body = client.get(WORKSHOPS_URL, {"size": "big", "near": "here", "process": "ZZ"}).json()

    assert body["code"] == "invalid"
    assert body["fields"] == {
        "size": ["Enter the size in mm as 120x40x30, or φ40x900 for a shaft."],
        "near": ["Enter a point as latitude,longitude, e.g. 35.5613,139.7161."],
        "process": ["Select a valid choice. ZZ is not one of the available choices."],
    }


def test_it_gives_the_messages_in_japanese_by_default(owner, workshop):
    body = client_for(owner).get(WORKSHOPS_URL, {"process": "ZZ", "tolerance": "-1"}).json()

    assert body["code"] == "invalid"
    assert body["fields"] == {
        "process": ["正しく選択してください。 ZZ は候補にありません。"],
        "tolerance": ["0.1以上の値を入力してください。"],
    }


def test_it_refuses_distance_order_without_a_point(staff, workshop):
    response = client_for(staff).get(WORKSHOPS_URL, {"ordering": "distance"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["near"]
    assert response.json()["detail"] == response.json()["fields"]["near"][0] != ""


# --- Workshop profile -------------------------------------------------------------------------


def test_it_returns_a_profile_with_machines_and_capabilities(outsider, workshop):
    lathe_machine = services.machine_save(
        workshop=workshop,
        actor=None,
        data={"maker": "オークマ", "model_name": "LB3000EX", "count": 2},
    )
    services.machine_save(
        workshop=workshop, actor=None, data={"maker": "アマダ", "model_name": "HG1003"}
    )
    add_capability(
        workshop,
        "L",
        materials=["SUS304", "S45C"],
        size=(300, 100, 50),
        tolerance=5,
        machines=[lathe_machine],
    )
    Workshop.objects.filter(pk=workshop.pk).update(
        description="精密旋削の町工場", phone="03-0000-0000", postal_code="144-0000"
    )

    # Any signed-in user, from another shop too, sees an active workshop's public profile.
    response = client_for(outsider).get(_detail_url(workshop))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(workshop.uuid)
    assert (body["name"], body["name_en"], body["description"]) == (
        "田中精機",
        "Tanaka Seiki",
        "精密旋削の町工場",
    )
    assert (body["phone"], body["postal_code"]) == ("03-0000-0000", "144-0000")
    assert sorted((m["maker"], m["model"], m["count"]) for m in body["machines"]) == [
        ("アマダ", "HG1003", 1),
        ("オークマ", "LB3000EX", 2),
    ]
    [capability] = body["capabilities"]
    assert capability["process"] == "L"
    assert sorted(capability["materials"]) == ["S45C", "SUS304"]
    assert capability["machines"] == [
        {"id": str(lathe_machine.uuid), "maker": "オークマ", "model": "LB3000EX", "count": 2}
    ]
    assert body["districts"] == ["ota"]


def test_it_answers_404_for_an_unknown_workshop(owner, workshop):
    response = client_for(owner).get(f"{WORKSHOPS_URL}{uuid.uuid4()}/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_it_answers_404_for_an_inactive_workshop_on_the_api_and_the_page(owner, workshop, partner):
    Workshop.objects.filter(pk=partner.pk).update(is_active=False)
    client = client_for(owner)

    assert client.get(_detail_url(partner)).status_code == 404
    assert client.get(f"/workshops/{partner.uuid}/").status_code == 404
    # The same shop, active, is there: the 404 is about being inactive.
    Workshop.objects.filter(pk=partner.pk).update(is_active=True)
    assert client.get(_detail_url(partner)).status_code == 200
    assert client.get(f"/workshops/{partner.uuid}/").status_code == 200


# --- OpenAPI schema ---------------------------------------------------------------------------


def _openapi_path(route: str) -> str:
    """shopnet/api_urls.py's route, as OpenAPI writes it: <uuid:workshop_uuid> → {workshop_uuid}."""
    return "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


@pytest.fixture
def schema(owner) -> dict:
    response = client_for(owner).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_it_serves_a_valid_openapi_document(schema):
    validate_schema(schema)  # raises on anything the OpenAPI 3.0 JSON schema rejects

    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "shopnet API"


def test_it_documents_every_api_path(schema):
    expected = {
        _openapi_path(str(pattern.pattern))
        for pattern in api_urls.urlpatterns
        # The schema and its docs page leave themselves out of the document.
        if pattern.name not in ("api_schema", "api_docs")
    }

    assert {
        "/api/v1/processes/",
        "/api/v1/materials/",
        "/api/v1/certifications/",
        "/api/v1/workshops/",
        "/api/v1/workshops/{workshop_uuid}/",
    } <= expected
    assert set(schema["paths"]) == expected


def test_it_documents_the_filter_parameters_of_the_workshop_list(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/workshops/"]["get"]["parameters"]}

    assert FILTER_PARAMETERS | {"page"} == set(parameters)
    assert all(parameters[name]["in"] == "query" for name in parameters)
    assert parameters["ordering"]["schema"]["enum"] == ["distance", "name", "rating"]
    assert parameters["tolerance"]["schema"]["type"] == "number"
    assert parameters["q"]["schema"]["type"] == "string"


@pytest.mark.parametrize("name", ["process", "material", "certification"])
def test_it_documents_code_filters_as_an_array_of_strings(schema, name):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/workshops/"]["get"]["parameters"]}

    assert parameters[name]["schema"] == {"type": "array", "items": {"type": "string"}}


@pytest.mark.parametrize("name", ["size", "near"])
def test_it_describes_the_format_of_size_and_near(schema, name):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/workshops/"]["get"]["parameters"]}

    assert parameters[name].get("description")


# --- Query count --------------------------------------------------------------------------------


def _make_matching_workshops(count: int, district) -> None:
    certifications = list(Certification.objects.filter(code__in=["ISO9001", "ISO14001"]))
    for i in range(count):
        shop = make_workshop(
            f"API工場{i:02d}",
            lat=f"35.{5500 + i}",
            lng="139.72",
            name_kana=f"エーピーアイ{i:02d}",
            certifications=certifications,
            districts=[district],
        )
        add_capability(shop, "L", materials=["SUS304", "S45C"], size=(300, 100, 50))
        add_capability(shop, "M", materials=["A5052"])


@pytest.mark.parametrize("count", [5, 50])
def test_it_lists_workshops_in_a_fixed_number_of_queries_with_a_token(
    owner, workshop, district, django_assert_num_queries, count
):
    _make_matching_workshops(count, district)
    client = _token_client(owner)

    # 1. the token with its user
    # 2. the "process" codes asked for, checked by the filter form
    # 3. the user's memberships with their workshops (the point distances are measured from)
    # 4. COUNT of the matching workshops (paginator)
    # 5. the page of workshops, with distance_km
    # 6. their capabilities with processes  7. those capabilities' materials
    # 8. their certifications  9. their districts
    with django_assert_num_queries(9):
        response = client.get(WORKSHOPS_URL, {"process": "L"})

    assert response.status_code == 200
    assert response.json()["count"] == count
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [5, 50])
def test_it_lists_workshops_in_a_fixed_number_of_queries_with_a_session(
    owner, workshop, district, django_assert_num_queries, count
):
    _make_matching_workshops(count, district)
    client = client_for(owner)

    # 1. session  2. user
    # 3. the "process" codes asked for, checked by the filter form
    # 4. the user's memberships with their workshops (the point distances are measured from)
    # 5. COUNT of the matching workshops (paginator)
    # 6. the page of workshops, with distance_km
    # 7. their capabilities with processes  8. those capabilities' materials
    # 9. their certifications  10. their districts
    with django_assert_num_queries(10):
        response = client.get(WORKSHOPS_URL, {"process": "L"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == count
