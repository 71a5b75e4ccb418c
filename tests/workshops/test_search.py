"""The workshop search page, /workshops/, and the WorkshopFilter behind it (and the API).

Positions used throughout (conftest): 田中精機 (`workshop`, ours) at 35.5613,139.7161;
鈴木研削 (`partner`) at 35.5700,139.7300, about 1.6 km away; 川崎プレス (`outsider_workshop`)
at 35.5300,139.7000, about 3.8 km away.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest

from tests.conftest import add_capability, client_for, make_workshop
from workshops import services
from workshops.models import Certification, District, Workshop
from workshops.selectors import Point, cycling_minutes, distance_km

SEARCH_URL = "/workshops/"

pytestmark = pytest.mark.django_db

# A row's name link, as _workshop_row.html renders it (the nav bar's edit link differs).
ROW_NAME = re.compile(r'<a href="/workshops/[0-9a-f-]{36}/"><strong>([^<]+)</strong></a>')
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _names(response) -> list[str]:
    """Workshop names in the order the page lists them."""
    return [html.unescape(n) for n in ROW_NAME.findall(response.content.decode())]


def _field_errors(response, field: str) -> str:
    """The text of one field's error list on the search form ("" when it has none)."""
    match = re.search(
        rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def _search(user, query: str = "", *, language: str | None = None):
    client = client_for(user)
    if language:
        client.cookies["shopnet_language"] = language
    return client.get(SEARCH_URL + ("?" + query if query else ""))


@pytest.fixture
def lathe(workshop):
    """田中精機 turns SUS304 and S45C up to 300×100×50 mm, ±5 µm, lots of 10–100."""
    return add_capability(
        workshop,
        "L",
        materials=["SUS304", "S45C"],
        size=(300, 100, 50),
        tolerance=5,
        lot=(10, 100),
    )


@pytest.fixture
def grinder(partner):
    """鈴木研削 grinds A5052 to ±2 µm, any size and lot (none given)."""
    return add_capability(partner, "G", materials=["A5052"], tolerance=2)


# --- Access and basics ----------------------------------------------------------------------


def test_it_lists_every_active_workshop_to_a_signed_in_user(
    owner, workshop, partner, outsider_workshop
):
    response = _search(owner)

    assert response.status_code == 200
    assert sorted(_names(response)) == sorted(["田中精機", "鈴木研削", "川崎プレス"])


def test_it_leaves_out_inactive_workshops(owner, workshop, partner):
    Workshop.objects.filter(pk=partner.pk).update(is_active=False)

    response = _search(owner)

    assert _names(response) == ["田中精機"]


def test_it_redirects_an_anonymous_user_to_login(workshop):
    response = client_for(None).get(SEARCH_URL + "?process=L")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/workshops/%3Fprocess%3DL"


def test_it_refuses_post(owner, workshop):
    response = client_for(owner).post(SEARCH_URL, {"q": "田中"})

    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_it_renders_japanese_without_a_language_cookie(owner, workshop):
    response = _search(owner)

    assert '<html lang="ja">' in response.content.decode()


def test_it_renders_its_own_text_in_japanese_without_a_language_cookie(owner, workshop):
    body = _search(owner).content.decode()

    assert "<h1>工場を探す</h1>" in body
    assert "Find workshops" not in body


def test_it_renders_english_with_the_english_cookie(owner, workshop):
    body = _search(owner, language="en").content.decode()

    assert '<html lang="en">' in body
    assert "<h1>Find workshops</h1>" in body


# --- Process ------------------------------------------------------------------------------------


def test_it_filters_by_process_code(owner, workshop, partner, lathe, grinder):
    assert _names(_search(owner, "process=L")) == ["田中精機"]
    assert _names(_search(owner, "process=G")) == ["鈴木研削"]


@pytest.mark.parametrize("query", ["process=L,M", "process=L&process=M", "process=L, M,"])
def test_it_requires_every_process_when_several_codes_are_given(owner, workshop, partner, query):
    add_capability(workshop, "L")
    add_capability(workshop, "M")
    add_capability(partner, "L")

    response = _search(owner, query)

    assert response.status_code == 200
    assert _names(response) == ["田中精機"]


def test_it_refuses_an_unknown_process_code(owner, workshop, lathe):
    response = _search(owner, "process=L,ZZ")

    assert response.status_code == 400
    assert _names(response) == []
    assert "ZZ は候補にありません" in _field_errors(response, "process")


# --- Material -----------------------------------------------------------------------------------


def test_it_filters_by_material(owner, workshop, partner, lathe, grinder):
    assert _names(_search(owner, "material=S45C")) == ["田中精機"]
    assert _names(_search(owner, "material=A5052")) == ["鈴木研削"]
    assert _names(_search(owner, "material=SUS316L")) == []


@pytest.mark.parametrize("query", ["material=SUS304,S45C", "material=SUS304&material=S45C"])
def test_it_requires_every_material(owner, workshop, partner, lathe, query):
    add_capability(partner, "L", materials=["SUS304"])

    assert _names(_search(owner, query)) == ["田中精機"]


# --- Size ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "fits"),
    [
        ("300", True),
        ("301", False),
        # Two numbers are a shaft, diameter × length: the box around it is d × d × length.
        ("50x300", True),
        ("φ50×300", True),
        ("Φ５０×３００", True),  # full width, as a Japanese keyboard gives it
        ("ø50x300", True),
        ("51x300", False),  # the envelope's thinnest side is 50
        ("φ40x301", False),
        ("300x100x50", True),  # exactly the envelope
        ("50x300x100", True),
        ("45x290x90", True),
        # Sorted, 290 ≤ 300 and 90 ≤ 100, but the part's thinnest side (60) is thicker than
        # the envelope's thinnest (50): no way round fits.
        ("60x290x90", False),
        ("310x10x10", False),
        ("300×100×50", True),  # multiplication sign
        ("290X90x45", True),  # capital X
        ("300 x 100 x 50", True),
        ("３００ｘ１００ｘ５０", True),  # full width
        ("300x100x50mm", True),
        ("３０１", False),
        ("299.5*99.5*49.5", True),
    ],
)
def test_it_matches_a_part_that_fits_the_envelope_turned_any_way(
    owner, workshop, lathe, size, fits
):
    response = _search(owner, f"size={size}")

    assert response.status_code == 200
    assert _names(response) == (["田中精機"] if fits else [])


def test_it_does_not_match_a_capability_without_a_size_when_a_size_is_asked(
    owner, workshop, partner, lathe, grinder
):
    assert _names(_search(owner, "size=10")) == ["田中精機"]
    assert sorted(_names(_search(owner, "process=G"))) == ["鈴木研削"]


@pytest.mark.parametrize(
    "size", ["abc", "1x2x3x4", "0", "-5", "10x", "1,0", "nan", "300x0", "φ1x2x3"]
)
def test_it_refuses_a_malformed_size(owner, workshop, lathe, size):
    response = _search(owner, f"size={size}", language="en")

    assert response.status_code == 400
    assert _names(response) == []
    assert _field_errors(response, "size") in (
        "Enter the size in mm as 120x40x30, or φ40x900 for a shaft.",
        "Each side must be greater than 0 and at most 100,000 mm.",
    )


# --- Tolerance ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tolerance", "expected"),
    [
        ("10", ["鈴木研削", "田中精機"]),  # both do 10 µm or better
        ("5", ["鈴木研削", "田中精機"]),  # 5 µm is exactly the lathe's
        ("4.9", ["鈴木研削"]),
        ("2", ["鈴木研削"]),
        ("1", []),
    ],
)
def test_it_matches_a_tolerance_this_tight_or_tighter(
    owner, workshop, partner, lathe, grinder, tolerance, expected
):
    add_capability(partner, "M")  # no tolerance given: never matches a tolerance search

    response = _search(owner, f"tolerance={tolerance}&ordering=name")

    assert response.status_code == 200
    assert sorted(_names(response)) == sorted(expected)


@pytest.mark.parametrize("tolerance", ["-1", "0"])
def test_it_refuses_a_tolerance_that_is_not_positive(owner, workshop, tolerance):
    response = _search(owner, f"tolerance={tolerance}")

    assert response.status_code == 400
    assert "0.1以上の値を入力してください" in _field_errors(response, "tolerance")


# --- Lot ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lot", "lathe_matches"),
    [("9", False), ("10", True), ("55", True), ("100", True), ("101", False)],
)
def test_it_matches_a_lot_inside_the_capability_range(
    owner, workshop, partner, lathe, grinder, lot, lathe_matches
):
    # The grinder gives no lot range: any lot is fine there.
    expected = {"鈴木研削"} | ({"田中精機"} if lathe_matches else set())

    assert set(_names(_search(owner, f"lot={lot}"))) == expected


def test_it_treats_a_one_sided_lot_range_as_open_on_the_other_side(owner, workshop, partner):
    add_capability(workshop, "L", lot=(500, None))
    add_capability(partner, "L", lot=(None, 5))

    assert _names(_search(owner, "lot=100000")) == ["田中精機"]
    assert _names(_search(owner, "lot=1")) == ["鈴木研削"]


# --- Certification, district ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("certification=ISO9001", ["鈴木研削", "田中精機"]),
        ("certification=ISO9001,ISO14001", ["田中精機"]),
        ("certification=ISO9001&certification=ISO14001", ["田中精機"]),
        ("certification=JISQ9100", []),
    ],
)
def test_it_requires_every_certification(
    owner, workshop, partner, outsider_workshop, query, expected
):
    workshop.certifications.set(Certification.objects.filter(code__in=["ISO9001", "ISO14001"]))
    partner.certifications.set(Certification.objects.filter(code__in=["ISO9001"]))

    assert sorted(_names(_search(owner, query))) == sorted(expected)


def test_it_filters_by_district_slug(owner, workshop, partner, outsider_workshop):
    District.objects.create(slug="kawasaki", name_ja="川崎市").workshops.add(outsider_workshop)

    assert sorted(_names(_search(owner, "district=ota"))) == sorted(["田中精機", "鈴木研削"])
    assert _names(_search(owner, "district=kawasaki")) == ["川崎プレス"]


def test_it_refuses_an_unknown_district(owner, workshop):
    response = _search(owner, "district=atlantis")

    assert response.status_code == 400
    assert "候補にありません" in _field_errors(response, "district")


# --- Every requirement on one capability row -----------------------------------------------


@pytest.fixture
def mixed_shop(db):
    """Turns SUS304 (±50 µm, up to 100 mm) and grinds A5052 (±2 µm, up to 500 mm)."""
    shop = make_workshop("混合工業", name_kana="コンゴウコウギョウ")
    add_capability(shop, "L", materials=["SUS304"], tolerance=50, size=(100, 100, 100))
    add_capability(shop, "G", materials=["A5052"], tolerance=2, size=(500, 500, 500))
    return shop


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("process=L&material=SUS304", True),
        ("process=G&material=A5052", True),
        ("process=L&material=A5052", False),  # it turns, and it knows A5052, but not both at once
        ("process=G&material=SUS304", False),
        ("material=SUS304,A5052", False),  # no single row takes both materials
        ("process=L&tolerance=5", False),  # ±2 µm is the grinder's, not the lathe's
        ("process=G&tolerance=5", True),
        ("process=L&size=400", False),  # 400 mm is the grinder's envelope
        ("material=SUS304&size=400", False),
        ("material=A5052&size=400&tolerance=2", True),
        ("process=L,G&material=SUS304", False),  # the grinding row lacks SUS304
    ],
)
def test_it_requires_one_capability_to_meet_every_requirement(owner, mixed_shop, query, matches):
    response = _search(owner, query)

    assert response.status_code == 200
    assert _names(response) == (["混合工業"] if matches else [])


# --- Free text ----------------------------------------------------------------------------------


@pytest.fixture
def described(workshop, partner, outsider_workshop):
    """Capabilities, machines and descriptions that the keyword search looks into."""
    add_capability(workshop, "L", materials=["SUS304"])
    services.machine_save(
        workshop=workshop, actor=None, data={"maker": "オークマ", "model_name": "LB3000EX"}
    )
    add_capability(partner, "G", materials=["A5052"])
    services.machine_save(
        workshop=partner, actor=None, data={"maker": "DMG MORI", "model_name": "NLX2500"}
    )
    Workshop.objects.filter(pk=outsider_workshop.pk).update(
        description="精密板金とプレス加工",
        description_en="Precision sheet metal",
        address="川崎市幸区",
    )


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("田中", ["田中精機"]),  # Japanese name
        ("tanaka", ["田中精機"]),  # English name, any case
        ("TANAKA SEIKI", ["田中精機"]),
        ("たなか", ["田中精機"]),  # hiragana finds the katakana reading
        ("タナカ", ["田中精機"]),
        ("ﾀﾅｶ", ["田中精機"]),  # half-width katakana
        ("すずき", ["鈴木研削"]),
        ("ＳＵＳ３０４", ["田中精機"]),  # full-width material code
        ("sus304", ["田中精機"]),
        ("a5052", ["鈴木研削"]),
        ("旋削", ["田中精機"]),  # process name, Japanese
        ("Turning", ["田中精機"]),  # process name, English
        ("grinding", ["鈴木研削"]),
        ("オークマ", ["田中精機"]),  # machine maker
        ("dmg", ["鈴木研削"]),
        ("LB3000", ["田中精機"]),  # machine model
        ("板金", ["川崎プレス"]),  # description
        ("sheet metal", ["川崎プレス"]),  # each term must match; both do
        ("幸区", ["川崎プレス"]),  # address
        ("田中　旋削", ["田中精機"]),  # ideographic space separates terms too
        ("田中 grinding", []),  # each term must match the same workshop
        ("存在しない", []),
    ],
)
def test_it_finds_workshops_by_keyword(owner, described, q, expected):
    response = client_for(owner).get(SEARCH_URL, {"q": q})

    assert response.status_code == 200
    assert _names(response) == expected


def test_it_finds_a_process_name_on_a_capability_without_materials(owner, workshop, partner):
    add_capability(workshop, "D")  # no materials: an inner join on materials would lose it

    assert _names(client_for(owner).get(SEARCH_URL, {"q": "穴あけ"})) == ["田中精機"]


def test_it_combines_the_keyword_with_the_filters(owner, described):
    # 田中精機 is found by name but grinds nothing; 鈴木研削 grinds but is not 田中.
    assert _names(client_for(owner).get(SEARCH_URL, {"q": "tanaka", "process": "G"})) == []
    assert _names(client_for(owner).get(SEARCH_URL, {"q": "dmg", "process": "G"})) == ["鈴木研削"]


# --- Ordering and distance ------------------------------------------------------------------


def test_it_orders_by_distance_from_the_users_own_workshop_by_default(
    owner, workshop, partner, outsider_workshop
):
    response = _search(owner)

    assert _names(response) == ["田中精機", "鈴木研削", "川崎プレス"]
    assert response.context["origin"] == Point(35.5613, 139.7161)


def test_it_orders_a_floor_user_from_their_workshop_too(
    floor, workshop, partner, outsider_workshop
):
    assert _names(_search(floor)) == ["田中精機", "鈴木研削", "川崎プレス"]


def test_it_orders_by_distance_from_a_given_point(owner, workshop, partner, outsider_workshop):
    # Right on top of 川崎プレス; 田中精機 is nearer to it than 鈴木研削 is.
    response = _search(owner, "near=35.53,139.70&ordering=distance")

    assert _names(response) == ["川崎プレス", "田中精機", "鈴木研削"]


def test_it_accepts_a_full_width_point(owner, workshop, partner, outsider_workshop):
    response = client_for(owner).get(SEARCH_URL, {"near": "３５．５３，１３９．７０"})

    assert response.status_code == 200
    assert _names(response) == ["川崎プレス", "田中精機", "鈴木研削"]


def test_it_renders_the_distance_and_cycling_minutes(owner, workshop, partner):
    km = distance_km(Point(35.5613, 139.7161), Point(35.57, 139.73))
    minutes = cycling_minutes(km)
    assert (round(km, 1), minutes) == (1.6, 8)  # the fixture positions, worked out

    body = _search(owner).content.decode()

    # The results, not the shops offered as the point to measure from.
    body = body[body.index("<tbody") :]
    partner_row = body[body.index("鈴木研削") :]
    partner_row = partner_row[: partner_row.index("</tr>")]
    assert "1.6 km" in partner_row
    assert f"自転車で約{minutes}分" in partner_row
    own_row = body[body.index("<strong>田中精機</strong>") :]
    own_row = own_row[: own_row.index("</tr>")]
    assert "0.0 km" in own_row


def test_it_lists_workshops_without_a_location_last_by_distance(owner, workshop, partner):
    make_workshop("場所未登録製作所", name_kana="アアア")  # would sort first by name

    response = _search(owner)

    assert _names(response) == ["田中精機", "鈴木研削", "場所未登録製作所"]
    body = response.content.decode()
    unplaced_row = body[body.index("場所未登録製作所") :]
    unplaced_row = unplaced_row[: unplaced_row.index("</tr>")]
    assert " km" not in unplaced_row


def test_it_orders_by_rating_with_unrated_workshops_last(
    owner, workshop, partner, outsider_workshop
):
    nearer_unrated = make_workshop("未評価工業", lat=35.5613, lng=139.7161, name_kana="ミヒョウカ")
    Workshop.objects.filter(pk=workshop.pk).update(rating_average=Decimal("3.50"), rating_count=4)
    Workshop.objects.filter(pk=partner.pk).update(rating_average=Decimal("4.80"), rating_count=2)
    # Same average as 田中精機, more ratings: ahead of it.
    Workshop.objects.filter(pk=outsider_workshop.pk).update(
        rating_average=Decimal("3.50"), rating_count=30
    )

    response = _search(owner, "ordering=rating")

    assert _names(response) == ["鈴木研削", "川崎プレス", "田中精機", nearer_unrated.name]
    assert "4.8" in response.content.decode()


def test_it_orders_by_name_in_kana_order(owner, workshop, partner, outsider_workshop):
    response = _search(owner, "ordering=name")

    # カワサキ, スズキ, タナカ: 五十音順 of the readings, not of the kanji.
    assert _names(response) == ["川崎プレス", "鈴木研削", "田中精機"]


def test_it_orders_by_name_when_the_user_has_no_location(
    staff, workshop, partner, outsider_workshop
):
    response = _search(staff)

    assert response.status_code == 200
    assert _names(response) == ["川崎プレス", "鈴木研削", "田中精機"]
    assert response.context["origin"] is None
    assert " km" not in response.content.decode()


def test_it_refuses_distance_order_without_a_point(staff, workshop, partner):
    response = _search(staff, "ordering=distance", language="en")

    assert response.status_code == 400
    assert _names(response) == []
    assert _field_errors(response, "near") == (
        "Sorting by distance needs a point: enter one, or set your workshop's location."
    )


def test_it_refuses_distance_order_when_the_users_workshop_has_no_location(owner, workshop):
    Workshop.objects.filter(pk=workshop.pk).update(latitude=None, longitude=None)

    response = _search(owner, "ordering=distance", language="en")

    assert response.status_code == 400
    assert "Sorting by distance needs a point" in _field_errors(response, "near")


def _form_as_a_browser_submits_it(body: str) -> dict[str, str]:
    """The search form's text inputs and selects as a browser would send them untouched.

    A <select> with no `selected` option submits its first option.
    """
    form = re.search(r'<form method="get"[^>]*id="search-form".*?</form>', body, re.S).group(0)
    data = {name: "" for name in re.findall(r'<input type="(?:text|number)" name="(\w+)"', form)}
    for name, options in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', form, re.S):
        values = re.findall(r'<option value="([^"]*)"([^>]*)>', options)
        chosen = [v for v, attrs in values if "selected" in attrs]
        data[name] = chosen[0] if chosen else values[0][0]
    return data


def test_it_accepts_its_own_form_submitted_untouched_by_a_user_without_location(staff, workshop):
    page = _search(staff)
    assert page.status_code == 200

    response = client_for(staff).get(
        SEARCH_URL, _form_as_a_browser_submits_it(page.content.decode())
    )

    assert response.status_code == 200


# --- Bad input: 400 with a message, never 500 -----------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("process=ZZ", "process", "Select a valid choice. ZZ is not one of the available choices."),
        ("size=abc", "size", "Enter the size in mm as 120x40x30, or φ40x900 for a shaft."),
        ("size=0x10", "size", "Each side must be greater than 0 and at most 100,000 mm."),
        ("tolerance=-1", "tolerance", "Enter 0.1 or more."),
        ("near=abc", "near", "Enter a point as latitude,longitude, e.g. 35.5613,139.7161."),
        ("near=91,139", "near", "Enter a point as latitude,longitude, e.g. 35.5613,139.7161."),
        ("lot=0", "lot", "Enter 1 or more."),
        (
            "ordering=cheapest",
            "ordering",
            "Select a valid choice. cheapest is not one of the available choices.",
        ),
    ],
)
def test_it_explains_a_bad_value_in_english_with_the_english_cookie(
    owner, workshop, query, field, message
):
    response = _search(owner, query, language="en")

    assert response.status_code == 400
    assert _field_errors(response, field) == message
    assert "Some search conditions are not valid." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("process=ZZ", "process"),
        ("tolerance=-1", "tolerance"),
        ("lot=abc", "lot"),
        ("size=abc", "size"),
        ("size=0", "size"),
        ("near=abc", "near"),
        ("ordering=distance", "near"),
    ],
)
def test_it_explains_a_bad_value_in_japanese_by_default(staff, workshop, query, field):
    english = _field_errors(_search(staff, query, language="en"), field)

    response = _search(staff, query)

    assert response.status_code == 400
    assert "検索条件に誤りがあります。" in response.content.decode()
    japanese = _field_errors(response, field)
    assert CJK.search(japanese), japanese
    assert japanese != english


@pytest.mark.parametrize(
    "query",
    [
        "size=1e999999999999999999999",
        "size=sNaN",
        "size=Infinity",
        "size=-0",
        "size=ｘ",
        "size=%00",
        "tolerance=1e999999",
        "tolerance=NaN",
        "tolerance=Infinity",
        "tolerance=0.05",
        "lot=1e30",
        "lot=NaN",
        "lot=1.5",
        "near=1,2,3",
        "near=,",
        "near=nan,nan",
        "near=1e999,0",
        "near=35.5%E3%80%81139.7",
        "q=" + "a" * 201,
        "q=%00",
        "certification=NOPE",
        "material=nope",
        "district=",
        "page=abc",
        "page=999",
        "process=,,,",
        "q=%25_",
    ],
)
def test_it_never_fails_with_a_server_error_on_odd_input(owner, workshop, lathe, query):
    response = _search(owner, query)

    assert response.status_code in (200, 400)


# --- Query count --------------------------------------------------------------------------------


def _make_matching_workshops(count: int, district) -> None:
    certifications = list(Certification.objects.filter(code__in=["ISO9001", "ISO14001"]))
    for i in range(count):
        shop = make_workshop(
            f"検索工場{i:02d}",
            lat=f"35.{5500 + i}",
            lng="139.72",
            name_kana=f"ケンサク{i:02d}",
            certifications=certifications,
            districts=[district],
        )
        add_capability(shop, "L", materials=["SUS304", "S45C"], size=(300, 100, 50), tolerance=10)
        add_capability(shop, "M", materials=["A5052"])


@pytest.mark.parametrize("count", [5, 50])
def test_it_renders_the_results_in_a_fixed_number_of_queries(
    owner, workshop, district, django_assert_num_queries, count
):
    _make_matching_workshops(count, district)
    client = client_for(owner)

    # 1. session  2. user
    # 3. the "process" codes and 4. the "material" codes asked for, checked by the form
    # 5. the user's memberships with their workshops (the point distances are measured from)
    # 6. COUNT of the matching workshops (paginator)
    # 7. the page of workshops, with distance_km
    # 8. their capabilities with processes  9. those capabilities' materials
    # 10. their certifications  11. their districts
    # (the navigation bar re-uses the memberships of query 5)
    # 12-16. the form's choices: processes, materials, certifications, districts, and the
    # shops a distance can be measured from
    with django_assert_num_queries(16):
        response = client.get(SEARCH_URL, {"process": "L", "material": "SUS304"})

    assert response.status_code == 200
    assert len(_names(response)) == count


# --- a search that finds nothing ------------------------------------------------------------------


def test_it_says_so_and_offers_to_drop_each_condition(owner, workshop, partner, lathe, grinder):
    response = _search(owner, "process=L,G&material=S45C&ordering=name", language="ja")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="no-hits"' in body and "すべての条件に合う工場はありません" in body
    drops = re.findall(r'<a class="button secondary" href="\?([^"]+)" data-drops="([^"]+)">', body)
    dropped = {html.unescape(query): label for query, label in drops}
    # One link per process code, one for the material; ordering is not a condition.
    assert dropped == {
        "process=G&material=S45C&ordering=name": "加工・処理",
        "process=L&material=S45C&ordering=name": "加工・処理",
        "process=L&process=G&ordering=name": "材質",
    }
    assert "加工・処理: 旋削" in body and "加工・処理: 研削" in body
    # Following the one that drops grinding finds the lathe shop.
    assert _names(_search(owner, "process=L&material=S45C")) == ["田中精機"]


def test_a_search_with_hits_shows_no_suggestion(owner, workshop, lathe):
    body = _search(owner, "process=L").content.decode()
    assert 'id="no-hits"' not in body and "田中精機" in body


def test_it_measures_distance_from_a_shop_chosen_by_name(
    owner, workshop, partner, outsider_workshop
):
    # The page offers shops by name instead of a typed 緯度,経度.
    page = client_for(owner).get(SEARCH_URL)
    html = page.content.decode()
    assert 'name="from_shop"' in html and 'name="near"' not in html
    assert outsider_workshop.name in html

    response = client_for(owner).get(
        SEARCH_URL, {"from_shop": str(outsider_workshop.uuid), "ordering": "distance"}
    )

    assert response.status_code == 200
    assert _names(response) == ["川崎プレス", "田中精機", "鈴木研削"]


def test_it_shows_why_it_cannot_sort_by_distance_without_a_point(staff, workshop, partner):
    response = _search(staff, "ordering=distance", language="en")

    assert response.status_code == 400
    # The point field, hidden otherwise, comes back with the reason beside the shop choice.
    assert 'name="from_shop"' in response.content.decode()
    assert "Sorting by distance needs a point" in _field_errors(response, "near")
