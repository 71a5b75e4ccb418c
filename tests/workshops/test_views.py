"""workshops pages (workshops/urls.py) plus /accounts/login/ and /healthz.

Every page: a happy path as the right role, a wrong method (405), and refusals. Managing pages
answer 404 (never 403) to anyone who does not manage that workshop, and send the anonymous to
the sign-in page; a refused request changes nothing.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.conftest import add_capability, client_for
from workshops import services
from workshops.models import (
    AuditEvent,
    Capability,
    Certification,
    Invitation,
    Machine,
    Material,
    Membership,
    Process,
    Role,
    User,
    Workshop,
)

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


# --- Helpers --------------------------------------------------------------------------------------


def snapshot() -> dict[str, object]:
    """What a workshops page may write, to show that a refused request wrote nothing."""
    return {
        "workshops": sorted(
            Workshop.objects.values_list(
                "pk",
                "name",
                "latitude",
                "longitude",
                "headcount",
                "founded_year",
                "logo",
                "updated_at",
            )
        ),
        "workshop_certifications": sorted(
            Workshop.certifications.through.objects.values_list("workshop_id", "certification_id")
        ),
        "capabilities": sorted(
            Capability.objects.values_list(
                "pk",
                "process_id",
                "max_length_mm",
                "max_width_mm",
                "max_height_mm",
                "tolerance_um",
                "lot_min",
                "lot_max",
            )
        ),
        "machines": sorted(Machine.objects.values_list("pk", "maker", "model_name", "count")),
        "memberships": sorted(
            Membership.objects.values_list("pk", "workshop_id", "user_id", "role")
        ),
        "invitations": sorted(Invitation.objects.values_list("pk", "accepted_at", "revoked_at")),
        "users": User.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def english(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html(response) -> str:
    return response.content.decode()


def error_texts(response) -> str:
    """The text of every error list on the page."""
    lists = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html(response), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", item) for item in lists)


def png(size=(48, 24), color=(10, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name="logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png(), content_type="image/png")


def set_logo(workshop, actor) -> str:
    services.workshop_set_logo(workshop=workshop, actor=actor, upload=png_upload())
    workshop.refresh_from_db()
    return workshop.logo.name


def profile_data(workshop: Workshop, **overrides) -> dict:
    """The profile form as the edit page would post it, unchanged unless overridden."""
    workshop = Workshop.objects.get(pk=workshop.pk)
    data = {
        field: "" if getattr(workshop, field) is None else str(getattr(workshop, field))
        for field in services.PROFILE_FIELDS
    }
    data["certifications"] = [
        str(pk) for pk in workshop.certifications.values_list("pk", flat=True)
    ]
    data["districts"] = [str(pk) for pk in workshop.districts.values_list("pk", flat=True)]
    data.update(overrides)
    return data


def capability_post(process_code="M", **overrides) -> dict:
    data = {
        "process": str(Process.objects.get(code=process_code).pk),
        "materials": [str(Material.objects.get(code="A5052").pk)],
        "max_length_mm": "500",
        "max_width_mm": "400",
        "max_height_mm": "300",
        "tolerance_um": "10",
        "lots": "1〜100",
        "lead_time_days": "5",
        "capacity_hours_per_week": "40",
        "notes": "5軸",
    }
    data.update(overrides)
    return data


@pytest.fixture
def ctx(workshop, owner, floor):
    """Our workshop with one of everything a managing page acts on."""
    capability = add_capability(
        workshop, "L", materials=["S45C"], size=(300, 200, 100), tolerance=5
    )
    machine = services.machine_save(
        workshop=workshop, actor=owner, data={"maker": "Mazak", "model_name": "QT-200", "count": 2}
    )
    invitation, token = services.invitation_create(
        workshop=workshop, actor=owner, email="invitee@example.com", role=Role.FLOOR
    )
    return SimpleNamespace(
        workshop=workshop,
        capability=capability,
        machine=machine,
        invitation=invitation,
        token=token,
        floor_membership=Membership.objects.get(workshop=workshop, user=floor),
    )


def url_of(name: str, ctx) -> str:
    kwargs = {"workshop_uuid": ctx.workshop.uuid}
    if name in ("capability_edit", "capability_delete"):
        kwargs["capability_uuid"] = ctx.capability.uuid
    if name in ("machine_edit", "machine_delete"):
        kwargs["machine_uuid"] = ctx.machine.uuid
    if name in ("member_role", "member_remove"):
        kwargs["membership_uuid"] = ctx.floor_membership.uuid
    if name == "invitation_revoke":
        kwargs["invitation_uuid"] = ctx.invitation.uuid
    return reverse(name, kwargs=kwargs)


def post_data_for(name: str, ctx) -> dict:
    if name == "workshop_edit":
        return profile_data(ctx.workshop, name="乗っ取り", headcount="99")
    if name == "workshop_logo_upload":
        return {"logo": png_upload()}
    if name in ("capability_new", "capability_edit"):
        return capability_post("M" if name == "capability_new" else "L", tolerance_um="1")
    if name in ("machine_new", "machine_edit"):
        return {"maker": "Evil", "model_name": "X", "count": "7"}
    if name == "workshop_members":
        return {"email": "intruder@example.com", "role": Role.OWNER}
    if name == "member_role":
        return {"role": Role.OWNER}
    if name == "workshop_calendar":
        return {"action": "days", "days-kind": "closed", "days-first": "2027-01-04"}
    return {}


MANAGE_REQUESTS = [
    ("workshop_edit", "get"),
    ("workshop_edit", "post"),
    ("workshop_logo_upload", "post"),
    ("capability_new", "get"),
    ("capability_new", "post"),
    ("capability_edit", "get"),
    ("capability_edit", "post"),
    ("capability_delete", "post"),
    ("machine_new", "get"),
    ("machine_new", "post"),
    ("machine_edit", "get"),
    ("machine_edit", "post"),
    ("machine_delete", "post"),
    ("workshop_members", "get"),
    ("workshop_members", "post"),
    ("member_role", "post"),
    ("member_remove", "post"),
    ("invitation_revoke", "post"),
    ("workshop_history", "get"),
    ("workshop_calendar", "get"),
    ("workshop_calendar", "post"),
]


def send(client: Client, method: str, url: str, data: dict | None = None):
    return client.get(url) if method == "get" else client.post(url, data or {})


# --- Refusals on every managing page --------------------------------------------------------------


@pytest.fixture
def refused_user(request, outsider_workshop, partner):
    """Someone signed in who must not manage our workshop."""
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize(
    "refused_user",
    [
        pytest.param("outsider", id="member-of-another-workshop"),
        pytest.param("floor", id="floor-staff-of-this-workshop"),
        pytest.param("partner_owner", id="owner-of-a-partner-workshop"),
        pytest.param("staff", id="district-staff"),
    ],
    indirect=True,
)
@pytest.mark.parametrize(("name", "method"), MANAGE_REQUESTS)
def test_it_answers_404_on_managing_pages_to_anyone_who_does_not_manage(
    ctx, refused_user, name, method
):
    before = snapshot()

    response = send(client_for(refused_user), method, url_of(name, ctx), post_data_for(name, ctx))

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("name", "method"), MANAGE_REQUESTS)
def test_it_sends_the_anonymous_to_sign_in_from_managing_pages(ctx, name, method):
    before = snapshot()
    url = url_of(name, ctx)

    response = send(Client(), method, url, post_data_for(name, ctx))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "kwarg", "target"),
    [
        ("capability_edit", "capability_uuid", "capability"),
        ("capability_delete", "capability_uuid", "capability"),
        ("machine_edit", "machine_uuid", "machine"),
        ("machine_delete", "machine_uuid", "machine"),
        ("member_role", "membership_uuid", "membership"),
        ("member_remove", "membership_uuid", "membership"),
        ("invitation_revoke", "invitation_uuid", "invitation"),
    ],
)
def test_it_answers_404_for_another_workshops_object_under_our_own_url(
    ctx, owner, partner, partner_owner, name, kwarg, target
):
    theirs = {
        "capability": lambda: add_capability(partner, "G"),
        "machine": lambda: services.machine_save(
            workshop=partner,
            actor=partner_owner,
            data={"maker": "A", "model_name": "B", "count": 1},
        ),
        "membership": lambda: Membership.objects.get(workshop=partner, user=partner_owner),
        "invitation": lambda: services.invitation_create(
            workshop=partner, actor=partner_owner, email="p@example.com", role=Role.FLOOR
        )[0],
    }[target]()
    before = snapshot()

    response = client_for(owner).post(
        reverse(name, kwargs={"workshop_uuid": ctx.workshop.uuid, kwarg: theirs.uuid}),
        {"role": Role.FLOOR, "maker": "X", "model_name": "Y", "count": "1", **capability_post("G")},
    )

    assert response.status_code == 404
    assert snapshot() == before


# --- Wrong methods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("home", "post"),
        ("workshop_search", "post"),
        ("workshop_detail", "post"),
        ("workshop_logo", "post"),
        ("workshop_edit", "put"),
        ("workshop_logo_upload", "get"),
        ("capability_new", "put"),
        ("capability_edit", "delete"),
        ("capability_delete", "get"),
        ("machine_new", "put"),
        ("machine_edit", "delete"),
        ("machine_delete", "get"),
        ("workshop_members", "put"),
        ("member_role", "get"),
        ("member_remove", "get"),
        ("invitation_revoke", "get"),
        ("workshop_history", "post"),
        ("workshop_calendar", "put"),
        ("invitation_accept", "put"),
        ("healthz", "post"),
        ("login", "delete"),
    ],
)
def test_it_answers_405_to_a_wrong_method(ctx, owner, name, method):
    if name in ("home", "workshop_search", "healthz", "login"):
        url = reverse(name)
    elif name in ("workshop_detail", "workshop_logo"):
        url = reverse(name, args=[ctx.workshop.uuid])
    elif name == "invitation_accept":
        url = reverse(name, args=[ctx.token])
    else:
        url = url_of(name, ctx)
    client = Client() if name == "login" else client_for(owner)
    before = snapshot()

    response = getattr(client, method)(url)

    assert response.status_code == 405
    assert snapshot() == before


# --- /healthz and sign-in -------------------------------------------------------------------------


def test_it_reports_health_without_sign_in(db):
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["database"] is True
    assert "no-cache" in response["Cache-Control"]


def test_it_shows_the_sign_in_page_and_signs_in(owner):
    client = Client()

    page = client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": "owner", "password": "pw-owner"})

    assert page.status_code == 200
    assert 'name="password"' in html(page)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_it_refuses_a_wrong_password(owner):
    client = english(Client())

    response = client.post(reverse("login"), {"username": "owner", "password": "nope"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "correct username and password" in html(response)


# The sign-in throttle (django-axes): tests/workshops/test_sign_in.py.


# --- Language -------------------------------------------------------------------------------------


def test_it_speaks_japanese_by_default(owner):
    assert '<html lang="ja">' in html(Client().get(reverse("login")))
    assert '<html lang="ja">' in html(client_for(owner).get(reverse("home")))


def test_it_switches_to_english_for_the_next_page(workshop, owner):
    client = client_for(owner)

    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("home")})
    page = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert '<html lang="en">' in html(page)
    assert "Find workshops" in html(page)

    client.post("/i18n/setlang/", {"language": "ja", "next": reverse("home")})
    assert '<html lang="ja">' in html(client.get(reverse("home")))


def test_it_renders_its_own_strings_in_japanese_by_default(workshop, owner):
    page = html(client_for(owner).get(reverse("workshop_edit", args=[workshop.uuid])))

    assert '<html lang="ja">' in page
    for source in ("Save profile", "Add a capability", "Change log", "Upload logo"):
        assert source not in page


# --- Home, search, profile ------------------------------------------------------------------------


def test_it_shows_home_with_my_workshops(workshop, owner, floor):
    owners_home = html(client_for(owner).get(reverse("home")))
    floors_home = client_for(floor).get(reverse("home"))

    assert workshop.name in owners_home
    assert reverse("workshop_edit", args=[workshop.uuid]) in owners_home
    # Floor staff's home is the floor station (tests/notifications/test_home.py).
    assert floors_home.status_code == 302
    assert floors_home["Location"] == reverse("floor")


@pytest.mark.parametrize("name", ["home", "workshop_search"])
def test_it_sends_the_anonymous_to_sign_in(db, name):
    response = Client().get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lists_active_workshops_in_search(workshop, partner, outsider):
    Workshop.objects.filter(pk=partner.pk).update(is_active=False)

    response = client_for(outsider).get(reverse("workshop_search"))

    assert response.status_code == 200
    assert workshop.name in html(response)
    assert partner.name not in html(response)


def test_it_shows_a_public_profile_to_any_signed_in_user(ctx, owner, outsider_workshop, outsider):
    url = reverse("workshop_detail", args=[ctx.workshop.uuid])

    as_owner = client_for(owner).get(url)
    as_outsider = client_for(outsider).get(url)

    assert as_owner.status_code == as_outsider.status_code == 200
    assert ctx.workshop.name in html(as_outsider)
    assert "QT-200" in html(as_outsider)
    assert reverse("workshop_edit", args=[ctx.workshop.uuid]) in html(as_owner)
    assert reverse("workshop_edit", args=[ctx.workshop.uuid]) not in html(as_outsider)
    # The invitation and its email are no business of a visitor.
    assert "invitee@example.com" not in html(as_outsider)


def test_it_answers_404_for_an_inactive_or_unknown_workshop(workshop, outsider):
    Workshop.objects.filter(pk=workshop.pk).update(is_active=False)
    client = client_for(outsider)

    assert client.get(reverse("workshop_detail", args=[workshop.uuid])).status_code == 404
    assert (
        client.get(
            reverse("workshop_detail", args=["00000000-0000-0000-0000-000000000000"])
        ).status_code
        == 404
    )


def test_it_sends_the_anonymous_from_a_profile_to_sign_in(workshop):
    response = Client().get(reverse("workshop_detail", args=[workshop.uuid]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Logo served ----------------------------------------------------------------------------------


def test_it_serves_the_logo_as_webp_with_nosniff_to_signed_in_users(workshop, owner, outsider):
    set_logo(workshop, owner)

    response = client_for(outsider).get(reverse("workshop_logo", args=[workshop.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    body = b"".join(response.streaming_content)
    response.close()
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"


def test_it_does_not_serve_the_logo_to_the_anonymous(workshop, owner):
    set_logo(workshop, owner)

    response = Client().get(reverse("workshop_logo", args=[workshop.uuid]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert response.get("Content-Type", "").startswith("text/html")


def test_it_answers_404_when_there_is_no_logo_or_the_file_is_gone(workshop, owner):
    client = client_for(owner)
    url = reverse("workshop_logo", args=[workshop.uuid])

    assert client.get(url).status_code == 404

    name = set_logo(workshop, owner)
    workshop.logo.storage.delete(name)
    assert client.get(url).status_code == 404


# --- Profile edit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_it_shows_the_edit_page_to_managers(ctx, request, who):
    response = client_for(request.getfixturevalue(who)).get(url_of("workshop_edit", ctx))

    assert response.status_code == 200
    page = html(response)
    assert 'value="田中精機"' in page
    assert reverse("capability_edit", args=[ctx.workshop.uuid, ctx.capability.uuid]) in page
    assert "QT-200" in page


def test_it_saves_the_profile_and_records_who_changed_what(workshop, owner):
    iso = Certification.objects.get(code="ISO9001")
    url = reverse("workshop_edit", args=[workshop.uuid])

    response = client_for(owner).post(
        url,
        profile_data(
            workshop,
            name="田中精機製作所",
            headcount="8",
            founded_year="1968",
            website="tanaka.example.jp",
            certifications=[str(iso.pk)],
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == url
    workshop.refresh_from_db()
    assert (workshop.name, workshop.headcount, workshop.founded_year) == ("田中精機製作所", 8, 1968)
    assert workshop.website == "https://tanaka.example.jp"
    assert list(workshop.certifications.all()) == [iso]
    event = AuditEvent.objects.filter(workshop=workshop).order_by("-id").first()
    assert event.action == "workshop.profile_updated"
    assert event.actor == owner
    assert event.data["changes"]["name"] == ["田中精機", "田中精機製作所"]
    assert event.data["changes"]["certifications"] == [[], ["ISO9001"]]
    assert set(event.data["changes"]) == {
        "name",
        "headcount",
        "founded_year",
        "website",
        "certifications",
    }


def test_it_saves_certification_and_district_changes_from_the_page(workshop, owner):
    iso = Certification.objects.get(code="ISO9001")

    response = client_for(owner).post(
        reverse("workshop_edit", args=[workshop.uuid]),
        profile_data(workshop, certifications=[str(iso.pk)], districts=[]),
    )

    assert response.status_code == 302
    assert list(workshop.certifications.all()) == [iso]
    assert workshop.districts.count() == 0
    event = AuditEvent.objects.filter(workshop=workshop).order_by("-id").first()
    assert (event.action, event.actor) == ("workshop.profile_updated", owner)
    assert event.data["changes"] == {
        "certifications": [[], ["ISO9001"]],
        "districts": [["ota"], []],
    }


def test_it_records_nothing_when_the_profile_is_posted_unchanged(workshop, owner):
    before = snapshot()

    response = client_for(owner).post(
        reverse("workshop_edit", args=[workshop.uuid]), profile_data(workshop)
    )

    assert response.status_code == 302
    assert snapshot() == before


BAD_PROFILES = [
    pytest.param(
        {"latitude": "200"},
        "latitude",
        "Enter 90 or less.",
        id="latitude-200",
    ),
    pytest.param(
        {"headcount": "-1"},
        "headcount",
        "Enter 1 or more.",
        id="headcount-negative",
    ),
    pytest.param(
        {"founded_year": "2999"},
        "founded_year",
        "The founded year cannot be in the future",
        id="founded-in-the-future",
    ),
    pytest.param(
        {"longitude": ""},
        "__all__",
        "Enter both latitude and longitude",
        id="latitude-without-longitude",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "english_text"), BAD_PROFILES)
def test_it_refuses_a_bad_profile_with_400_and_saves_nothing(
    workshop, owner, overrides, field, english_text
):
    before = snapshot()

    response = english(client_for(owner)).post(
        reverse("workshop_edit", args=[workshop.uuid]),
        profile_data(workshop, name="変わってはいけない", **overrides),
    )

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert english_text in error_texts(response)
    assert snapshot() == before
    # The page shows the saved name, not the refused one.
    assert "<h1>田中精機</h1>" in html(response)


@pytest.mark.parametrize(
    ("overrides", "english_text"),
    [
        pytest.param({"latitude": "200"}, "Enter 90 or less.", id="latitude-200"),
        pytest.param({"headcount": "-1"}, "Enter 1 or more.", id="headcount-negative"),
        pytest.param(
            {"founded_year": "2999"},
            "The founded year cannot be in the future",
            id="founded-in-the-future",
        ),
        pytest.param(
            {"longitude": ""},
            "Enter both latitude and longitude",
            id="latitude-without-longitude",
        ),
    ],
)
def test_it_shows_profile_errors_in_japanese_by_default(workshop, owner, overrides, english_text):
    response = client_for(owner).post(
        reverse("workshop_edit", args=[workshop.uuid]), profile_data(workshop, **overrides)
    )

    assert response.status_code == 400
    errors = error_texts(response)
    assert JAPANESE.search(errors), errors
    assert english_text not in errors


def test_it_shows_the_latitude_range_error_in_japanese(workshop, owner):
    response = client_for(owner).post(
        reverse("workshop_edit", args=[workshop.uuid]), profile_data(workshop, latitude="200")
    )

    assert "90以下の値を入力してください。" in error_texts(response)
    # Only the field's own error: the pair is not also reported as half missing.
    assert "緯度と経度は両方" not in error_texts(response)


# --- Logo upload ----------------------------------------------------------------------------------


def test_it_uploads_a_logo_and_stores_it_as_webp(workshop, owner):
    url = reverse("workshop_edit", args=[workshop.uuid])

    response = client_for(owner).post(
        reverse("workshop_logo_upload", args=[workshop.uuid]), {"logo": png_upload()}
    )

    assert response.status_code == 302
    assert response["Location"] == url
    workshop.refresh_from_db()
    assert workshop.logo.name.endswith(".webp")
    with workshop.logo.open("rb") as handle:
        assert Image.open(handle).format == "WEBP"
    event = AuditEvent.objects.filter(workshop=workshop).order_by("-id").first()
    assert (event.action, event.actor) == ("workshop.logo_changed", owner)


def test_it_removes_the_logo(workshop, manager, owner, django_capture_on_commit_callbacks):
    old_name = set_logo(workshop, owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            reverse("workshop_logo_upload", args=[workshop.uuid]), {"remove": "1"}
        )

    assert response.status_code == 302
    workshop.refresh_from_db()
    assert not workshop.logo
    assert not workshop.logo.storage.exists(old_name)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        pytest.param(b"%PDF-1.4 not an image", "logo.png", id="pdf-named-png"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg", id="svg"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"junk" * 100, "logo.png", id="png-header-garbage"),
    ],
)
def test_it_refuses_a_non_image_logo_with_400_and_keeps_the_old_one(workshop, owner, content, name):
    old_name = set_logo(workshop, owner)
    before = snapshot()

    response = english(client_for(owner)).post(
        reverse("workshop_logo_upload", args=[workshop.uuid]),
        {"logo": SimpleUploadedFile(name, content, content_type="image/png")},
    )

    assert response.status_code == 400
    assert "The logo must be a PNG, JPEG or WebP image." in error_texts(response)
    assert snapshot() == before
    workshop.refresh_from_db()
    assert workshop.logo.name == old_name
    assert workshop.logo.storage.exists(old_name)


def test_it_refuses_a_logo_post_without_a_file(workshop, owner):
    before = snapshot()

    response = client_for(owner).post(reverse("workshop_logo_upload", args=[workshop.uuid]), {})

    assert response.status_code == 400
    assert "logo" in response.context["logo_form"].errors
    assert snapshot() == before


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    was_read = False

    def readable(self) -> bool:
        return True

    def read(self, *args, **kwargs):
        self.was_read = True
        raise AssertionError("the request body was read")

    readline = readinto = read


def test_it_refuses_a_declared_50_mb_logo_with_413_without_reading_the_body(workshop, owner):
    old_name = set_logo(workshop, owner)
    before = snapshot()

    response = english(client_for(owner)).post(
        reverse("workshop_logo_upload", args=[workshop.uuid]),
        {"logo": png_upload()},
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": UnreadableBody()},
    )

    assert response.status_code == 413
    assert "The limit is 5 MB" in html(response)
    assert snapshot() == before
    workshop.refresh_from_db()
    assert workshop.logo.name == old_name


def test_it_refuses_a_declared_50_mb_logo_before_reading_the_body(workshop, owner):
    """Nothing of the body is read and nothing changes."""
    old_name = set_logo(workshop, owner)
    before = snapshot()
    client = client_for(owner)
    body = UnreadableBody()

    response = client.post(
        reverse("workshop_logo_upload", args=[workshop.uuid]),
        {"logo": png_upload()},
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": body},
    )

    assert not body.was_read
    assert response.status_code != 302
    assert snapshot() == before
    workshop.refresh_from_db()
    assert workshop.logo.name == old_name


# --- Capabilities ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["capability_new", "capability_edit"])
def test_it_shows_the_capability_form(ctx, manager, name):
    response = client_for(manager).get(url_of(name, ctx))

    assert response.status_code == 200
    assert 'name="max_length_mm"' in html(response)
    # Only our own machines are offered.
    assert list(response.context["form"].fields["machines"].queryset) == [ctx.machine]


def test_it_adds_a_capability(ctx, owner):
    response = client_for(owner).post(
        url_of("capability_new", ctx), capability_post("M", machines=[str(ctx.machine.pk)])
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("workshop_edit", args=[ctx.workshop.uuid])
    capability = Capability.objects.get(workshop=ctx.workshop, process__code="M")
    assert capability.max_length_mm == 500
    assert [m.code for m in capability.materials.all()] == ["A5052"]
    assert list(capability.machines.all()) == [ctx.machine]
    assert AuditEvent.objects.filter(
        workshop=ctx.workshop, action="capability.created", actor=owner
    ).exists()


def test_it_updates_a_capability(ctx, owner):
    response = client_for(owner).post(
        url_of("capability_edit", ctx), capability_post("L", tolerance_um="2.5")
    )

    assert response.status_code == 302
    ctx.capability.refresh_from_db()
    assert ctx.capability.tolerance_um == 2.5
    assert ctx.capability.max_length_mm == 500
    event = AuditEvent.objects.filter(workshop=ctx.workshop).order_by("-id").first()
    assert (event.action, event.actor) == ("capability.updated", owner)


def test_it_deletes_a_capability(ctx, manager):
    response = client_for(manager).post(url_of("capability_delete", ctx))

    assert response.status_code == 302
    assert not Capability.objects.filter(pk=ctx.capability.pk).exists()
    assert AuditEvent.objects.filter(
        workshop=ctx.workshop, action="capability.deleted", actor=manager
    ).exists()


BAD_CAPABILITIES = [
    pytest.param({"max_length_mm": "-5"}, "max_length_mm", id="negative-size"),
    pytest.param({"max_height_mm": "0"}, "max_height_mm", id="zero-size"),
    pytest.param({"max_width_mm": ""}, "max_length_mm", id="only-two-sizes"),
    pytest.param({"tolerance_um": "0"}, "tolerance_um", id="tolerance-zero"),
    pytest.param({"lots": "50〜10"}, "lots", id="lot-min-above-max"),
    pytest.param({"lots": "１０〜５"}, "lots", id="full-width-lot-min-above-max"),
    pytest.param({"lots": "10〜99,999,999,999"}, "lots", id="absurd-lot"),
    pytest.param({"max_length_mm": "99,999,999,999"}, "max_length_mm", id="absurd-size"),
    pytest.param({"process": "999999"}, "process", id="unknown-process"),
    pytest.param({"process": "L"}, "process", id="process-not-an-id"),
    pytest.param({"materials": ["999999"]}, "materials", id="unknown-material"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_CAPABILITIES)
def test_it_refuses_a_bad_new_capability_with_400_and_saves_nothing(ctx, owner, overrides, field):
    before = snapshot()

    response = client_for(owner).post(
        url_of("capability_new", ctx), capability_post("M", **overrides)
    )

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize(("overrides", "field"), BAD_CAPABILITIES)
def test_it_refuses_a_bad_capability_update_with_400_and_saves_nothing(
    ctx, owner, overrides, field
):
    before = snapshot()

    response = client_for(owner).post(
        url_of("capability_edit", ctx), capability_post("L", **overrides)
    )

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert snapshot() == before


def test_it_refuses_a_second_capability_for_a_listed_process(ctx, owner):
    before = snapshot()

    response = client_for(owner).post(url_of("capability_new", ctx), capability_post("L"))

    assert response.status_code == 400
    assert "process" in response.context["form"].errors
    assert snapshot() == before


def test_it_refuses_another_workshops_machine_on_a_capability(ctx, owner, partner, partner_owner):
    theirs = services.machine_save(
        workshop=partner, actor=partner_owner, data={"maker": "A", "model_name": "B", "count": 1}
    )
    before = snapshot()

    response = client_for(owner).post(
        url_of("capability_new", ctx), capability_post("M", machines=[str(theirs.pk)])
    )

    assert response.status_code == 400
    assert "machines" in response.context["form"].errors
    assert snapshot() == before


# --- Machines -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["machine_new", "machine_edit"])
def test_it_shows_the_machine_form(ctx, owner, name):
    response = client_for(owner).get(url_of(name, ctx))

    assert response.status_code == 200
    assert 'name="model_name"' in html(response)


def test_it_adds_a_machine(ctx, manager):
    response = client_for(manager).post(
        url_of("machine_new", ctx), {"maker": "Okuma", "model_name": "LB3000", "count": "1"}
    )

    assert response.status_code == 302
    machine = Machine.objects.get(workshop=ctx.workshop, model_name="LB3000")
    assert (machine.maker, machine.count) == ("Okuma", 1)
    assert AuditEvent.objects.filter(
        workshop=ctx.workshop, action="machine.created", actor=manager
    ).exists()


def test_it_updates_a_machine(ctx, owner):
    response = client_for(owner).post(
        url_of("machine_edit", ctx), {"maker": "Mazak", "model_name": "QT-200", "count": "3"}
    )

    assert response.status_code == 302
    ctx.machine.refresh_from_db()
    assert ctx.machine.count == 3


def test_it_records_a_machine_update_made_on_the_page(ctx, owner):
    client_for(owner).post(
        url_of("machine_edit", ctx), {"maker": "Mazak", "model_name": "QT-200", "count": "3"}
    )

    event = AuditEvent.objects.filter(workshop=ctx.workshop).order_by("-id").first()
    assert (event.action, event.actor) == ("machine.updated", owner)
    assert event.data["changes"] == {"count": [2, 3]}


@pytest.mark.parametrize("count", ["0", "-1", "x"])
def test_it_refuses_a_bad_machine_with_400_and_saves_nothing(ctx, owner, count):
    before = snapshot()

    response = client_for(owner).post(
        url_of("machine_edit", ctx), {"maker": "Mazak", "model_name": "QT-200", "count": count}
    )

    assert response.status_code == 400
    assert "count" in response.context["form"].errors
    assert snapshot() == before


def test_it_deletes_a_machine(ctx, owner):
    response = client_for(owner).post(url_of("machine_delete", ctx))

    assert response.status_code == 302
    assert not Machine.objects.filter(pk=ctx.machine.pk).exists()


# --- Members --------------------------------------------------------------------------------------


def test_it_lists_members_and_open_invitations(ctx, manager):
    response = client_for(manager).get(url_of("workshop_members", ctx))

    assert response.status_code == 200
    page = html(response)
    for username in ("owner", "manager", "floor"):
        assert f'<div class="muted">{username}</div>' in page
    assert "invitee@example.com" in page
    assert url_of("invitation_revoke", ctx) in page
    # The token is shown once, when created, and never again.
    assert ctx.token not in page


def test_it_refuses_a_manager_inviting_an_owner(ctx, manager):
    before = snapshot()

    response = client_for(manager).post(
        url_of("workshop_members", ctx), {"email": "boss@example.com", "role": Role.OWNER}
    )

    assert response.status_code == 400
    assert "role" in response.context["form"].errors
    assert response.context["invite_link"] is None
    assert snapshot() == before
    assert mail.outbox == []


def test_it_refuses_an_invitation_with_a_bad_email(ctx, owner):
    before = snapshot()

    response = client_for(owner).post(
        url_of("workshop_members", ctx), {"email": "nope", "role": Role.FLOOR}
    )

    assert response.status_code == 400
    assert snapshot() == before


def test_it_changes_a_members_role(ctx, owner, floor):
    response = client_for(owner).post(url_of("member_role", ctx), {"role": Role.MANAGER})

    assert response.status_code == 302
    assert response["Location"] == url_of("workshop_members", ctx)
    assert Membership.objects.get(workshop=ctx.workshop, user=floor).role == Role.MANAGER
    event = AuditEvent.objects.filter(workshop=ctx.workshop).order_by("-id").first()
    assert (event.action, event.actor) == ("membership.role_changed", owner)


@pytest.mark.parametrize(
    ("actor", "target", "role"),
    [
        ("owner", "owner", Role.MANAGER),  # the last owner
        ("manager", "floor", Role.OWNER),  # a manager cannot promote to owner
        ("manager", "owner", Role.FLOOR),  # …nor demote an owner
        ("owner", "floor", "emperor"),  # not a role
    ],
)
def test_it_refuses_a_role_change_with_a_message_and_changes_nothing(
    ctx, request, actor, target, role
):
    client = english(client_for(request.getfixturevalue(actor)))
    membership = Membership.objects.get(workshop=ctx.workshop, user=request.getfixturevalue(target))
    before = snapshot()

    response = client.post(
        reverse("member_role", args=[ctx.workshop.uuid, membership.uuid]),
        {"role": role},
        follow=True,
    )

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and messages[0]
    assert 'class="error"' in html(response)
    assert snapshot() == before


def test_it_removes_a_member(ctx, owner, floor):
    response = client_for(owner).post(url_of("member_remove", ctx))

    assert response.status_code == 302
    assert response["Location"] == url_of("workshop_members", ctx)
    assert not Membership.objects.filter(workshop=ctx.workshop, user=floor).exists()


def test_it_lets_a_manager_leave_and_sends_them_home(ctx, manager):
    membership = Membership.objects.get(workshop=ctx.workshop, user=manager)

    response = client_for(manager).post(
        reverse("member_remove", args=[ctx.workshop.uuid, membership.uuid])
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_it_refuses_to_remove_the_last_owner(ctx, owner):
    membership = Membership.objects.get(workshop=ctx.workshop, user=owner)
    before = snapshot()

    response = english(client_for(owner)).post(
        reverse("member_remove", args=[ctx.workshop.uuid, membership.uuid]), follow=True
    )

    assert "A workshop needs at least one owner." in html(response)
    assert snapshot() == before


def test_it_revokes_an_invitation(ctx, manager):
    response = client_for(manager).post(url_of("invitation_revoke", ctx))

    assert response.status_code == 302
    ctx.invitation.refresh_from_db()
    assert ctx.invitation.revoked_at is not None
    assert Client().get(reverse("invitation_accept", args=[ctx.token])).status_code == 410


# --- Invitation, end to end -----------------------------------------------------------------------


def test_it_takes_an_invited_person_from_link_to_membership(workshop, owner):
    members_url = reverse("workshop_members", args=[workshop.uuid])

    # The owner invites a manager; the link is shown once and mailed.
    response = client_for(owner).post(members_url, {"email": "Sato@Example.jp", "role": "manager"})
    assert response.status_code == 200
    match = re.search(r'value="(http://testserver/invitations/[^"/]+/)"', html(response))
    assert match, "the invitation link is shown"
    link = match.group(1)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sato@example.jp"]
    assert link in mail.outbox[0].body
    path = urlparse(link).path

    # Someone without an account opens it and signs up.
    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert workshop.name in html(page)
    assert 'name="password1"' in html(page)
    response = visitor.post(
        path,
        {
            "username": "sato",
            "display_name": "佐藤 花子",
            "password1": "kOsaku-kikai-2025",
            "password2": "kOsaku-kikai-2025",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")

    user = User.objects.get(username="sato")
    assert user.email == "sato@example.jp"
    assert user.check_password("kOsaku-kikai-2025")
    assert Membership.objects.get(workshop=workshop, user=user).role == Role.MANAGER
    assert visitor.session["_auth_user_id"] == str(user.pk)
    assert workshop.name in html(visitor.get(reverse("home")))
    joined = AuditEvent.objects.get(workshop=workshop, action="membership.joined", actor=user)
    assert joined.data == {"user": "sato", "role": "manager", "email": "sato@example.jp"}
    invitation = Invitation.objects.get(workshop=workshop, email="sato@example.jp")
    assert invitation.accepted_by == user

    # The link is spent.
    for client in (english(Client()), english(visitor)):
        spent = client.get(path)
        assert spent.status_code == 410
        assert "no longer valid" in html(spent)
    spent_in_japanese = Client().get(path)
    assert spent_in_japanese.status_code == 410
    assert "この招待は無効です" in html(spent_in_japanese)
    assert (
        english(Client())
        .post(
            path,
            {
                "username": "sato2",
                "password1": "kOsaku-kikai-2025",
                "password2": "kOsaku-kikai-2025",
            },
        )
        .status_code
        == 410
    )
    assert not User.objects.filter(username="sato2").exists()


def test_it_lets_a_signed_in_user_accept_an_invitation(ctx, outsider):
    client = client_for(outsider)
    path = reverse("invitation_accept", args=[ctx.token])

    page = client.get(path)
    response = client.post(path)

    assert page.status_code == 200
    assert 'name="password1"' not in html(page)
    assert response.status_code == 302
    assert Membership.objects.get(workshop=ctx.workshop, user=outsider).role == Role.FLOOR


def test_it_refuses_a_signup_with_mismatched_passwords_and_keeps_the_invitation(ctx):
    before = snapshot()

    response = Client().post(
        reverse("invitation_accept", args=[ctx.token]),
        {"username": "newbie", "password1": "kOsaku-kikai-2025", "password2": "other-Pass-2025"},
    )

    assert response.status_code == 400
    assert "password2" in response.context["signup_form"].errors
    assert snapshot() == before
    ctx.invitation.refresh_from_db()
    assert ctx.invitation.is_open


@pytest.mark.parametrize("token", ["no-such-token", "x" * 43])
def test_it_answers_404_for_an_unknown_invitation_token(db, token):
    assert Client().get(reverse("invitation_accept", args=[token])).status_code == 404


def test_it_answers_410_for_an_expired_invitation(ctx):
    from datetime import timedelta

    from django.utils import timezone

    Invitation.objects.filter(pk=ctx.invitation.pk).update(expires_at=timezone.now() - timedelta(1))

    response = english(Client()).get(reverse("invitation_accept", args=[ctx.token]))

    assert response.status_code == 410
    assert "no longer valid" in html(response)


# --- History --------------------------------------------------------------------------------------


def test_it_lists_the_change_log_with_labels(workshop, owner, manager):
    services.workshop_update_profile(workshop=workshop, actor=owner, data={"headcount": 9})

    response = english(client_for(manager)).get(reverse("workshop_history", args=[workshop.uuid]))

    assert response.status_code == 200
    page = html(response)
    assert "Profile updated" in page
    assert "Member joined" in page
    assert "Workshop created" in page
    assert "workshop.profile_updated" not in page
    assert "大田 一郎" in page  # the actor's display name
    assert next(e.action for e in response.context["page"].object_list) == (
        "workshop.profile_updated"
    )


def test_it_shows_change_log_labels_in_japanese_by_default(workshop, owner):
    services.workshop_update_profile(workshop=workshop, actor=owner, data={"headcount": 9})

    page = html(client_for(owner).get(reverse("workshop_history", args=[workshop.uuid])))

    assert '<html lang="ja">' in page
    for english_label in ("Profile updated", "Member joined", "Workshop created"):
        assert english_label not in page
    assert "プロフィールを更新" in page


@pytest.mark.parametrize("count", [2, 20])
def test_the_members_page_costs_the_same_whatever_the_number_of_members(
    workshop, owner, django_assert_num_queries, count
):
    for i in range(count):
        user = User.objects.create_user(username=f"member{i}", password="x")
        services.membership_add(workshop=workshop, user=user, role=Role.FLOOR, actor=owner)
        services.invitation_create(
            workshop=workshop, actor=owner, email=f"i{i}@example.jp", role=Role.FLOOR
        )
    client = client_for(owner)
    # session, user; the workshop (may the user manage it?); the members with their users;
    # the open invitations; the user's own membership; the navigation's memberships
    with django_assert_num_queries(7):
        response = client.get(reverse("workshop_members", args=[workshop.uuid]))
    assert response.status_code == 200
    assert html(response).count("member") >= count


@pytest.mark.parametrize("count", [2, 20])
def test_the_change_log_costs_the_same_whatever_the_number_of_entries(
    workshop, owner, django_assert_num_queries, count
):
    for i in range(count):
        services.workshop_update_profile(workshop=workshop, actor=owner, data={"headcount": i + 1})
    client = client_for(owner)
    # session, user; the workshop; COUNT of entries; the page of entries with their actors;
    # the navigation's memberships
    with django_assert_num_queries(6):
        response = client.get(reverse("workshop_history", args=[workshop.uuid]))
    assert response.status_code == 200
    assert html(response).count("<tr>") >= count


# --- every error at once --------------------------------------------------------------------


def test_the_profile_form_says_every_problem_in_one_answer(owner, workshop):
    before = snapshot()
    response = english(client_for(owner)).post(
        reverse("workshop_edit", args=[workshop.uuid]),
        profile_data(
            workshop,
            name="",
            headcount="-3",
            founded_year="2999",
            latitude="35.5",
            longitude="",
            website="not a site",
        ),
    )
    assert response.status_code == 400
    texts = error_texts(response)
    for words in (
        "This field is required",
        "Enter 1 or more",
        "cannot be in the future",
        "Enter both latitude and longitude",
        "Enter a valid URL",
    ):
        assert words in texts, words
    assert "Constraint" not in texts  # the half pair is said once, in words a person reads
    assert snapshot() == before


def test_the_capability_form_says_every_problem_in_one_answer(owner, workshop):
    """A process the shop already lists (the service's rule), a tolerance that is not a
    number, a lot range the wrong way round and a work size missing a side: all in one
    answer."""
    add_capability(workshop, "L")
    before = snapshot()
    response = english(client_for(owner)).post(
        reverse("capability_new", args=[workshop.uuid]),
        capability_post("L", tolerance_um="abc", max_width_mm="", lots="100〜10"),
    )
    assert response.status_code == 400
    texts = error_texts(response)
    for words in (
        "already lists that process",
        "Enter a number",
        "must not be larger than the second",
        "all three sides",
    ):
        assert words in texts, words
    assert snapshot() == before
