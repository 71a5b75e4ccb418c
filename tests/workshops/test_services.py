"""workshops.services: every write about workshops, its audit trail, and what it refuses.

A refused call raises ValidationError and writes nothing: no row, no file, no AuditEvent.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from PIL import Image

from tests.conftest import add_capability, make_user, make_workshop
from workshops import services
from workshops.models import (
    AuditEvent,
    Capability,
    Certification,
    District,
    Invitation,
    Machine,
    Material,
    Membership,
    Process,
    Role,
    Workshop,
)

pytestmark = pytest.mark.django_db


# --- Helpers -------------------------------------------------------------------------------------


def snapshot() -> dict[str, object]:
    """Everything a workshops service may write, so a refusal can be shown to write nothing."""
    return {
        "workshops": sorted(
            Workshop.objects.values_list(
                "pk", "name", "latitude", "longitude", "headcount", "logo", "updated_at"
            )
        ),
        "workshop_certifications": sorted(
            Workshop.certifications.through.objects.values_list("workshop_id", "certification_id")
        ),
        "workshop_districts": sorted(
            Workshop.districts.through.objects.values_list("workshop_id", "district_id")
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
                "notes",
            )
        ),
        "capability_materials": sorted(
            Capability.materials.through.objects.values_list("capability_id", "material_id")
        ),
        "capability_machines": sorted(
            Capability.machines.through.objects.values_list("capability_id", "machine_id")
        ),
        "machines": sorted(Machine.objects.values_list("pk", "maker", "model_name", "count")),
        "memberships": sorted(
            Membership.objects.values_list("pk", "workshop_id", "user_id", "role")
        ),
        "invitations": sorted(
            Invitation.objects.values_list("pk", "accepted_at", "revoked_at", "role")
        ),
        "audit_events": AuditEvent.objects.count(),
    }


def last_event(workshop: Workshop) -> AuditEvent:
    return AuditEvent.objects.filter(workshop=workshop).order_by("-id").first()


def events(workshop: Workshop, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(workshop=workshop, action=action).order_by("id"))


def image_bytes(fmt: str, size=(64, 32), mode="RGB", color=(200, 30, 30), **save_kwargs) -> bytes:
    image = Image.new(mode, size, color)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_kwargs)
    return buffer.getvalue()


def png_with_header_only(width: int, height: int) -> bytes:
    """A syntactically valid PNG whose IHDR claims width×height (1-bit grey) over a tiny IDAT:
    a few dozen bytes that would decode to a huge bitmap."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def upload(content: bytes, name="logo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def open_stored_logo(workshop: Workshop) -> Image.Image:
    workshop.refresh_from_db()
    with workshop.logo.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


# --- workshop_update_profile ---------------------------------------------------------------------


def test_it_records_each_profile_change_with_actor_and_old_and_new_values(workshop, owner):
    workshop.refresh_from_db()
    services.workshop_update_profile(
        workshop=workshop,
        actor=owner,
        data={
            "name": "田中精機製作所",
            "headcount": 12,
            "latitude": Decimal("35.600000"),
            "longitude": Decimal("139.700000"),
            "name_kana": "タナカセイキ",  # unchanged: must not appear
        },
    )

    workshop.refresh_from_db()
    assert workshop.name == "田中精機製作所"
    assert workshop.headcount == 12
    assert workshop.latitude == Decimal("35.6")
    event = last_event(workshop)
    assert event.action == "workshop.profile_updated"
    assert event.actor == owner
    assert event.data == {
        "changes": {
            "name": ["田中精機", "田中精機製作所"],
            "headcount": [None, 12],
            "latitude": ["35.561300", "35.600000"],
            "longitude": ["139.716100", "139.700000"],
        }
    }


def test_it_records_changes_the_given_instance_already_carries(workshop, owner):
    # A ModelForm writes the new values into its instance while validating; the service must
    # still see them as changes against the stored row.
    stale = Workshop.objects.get(pk=workshop.pk)
    stale.name, stale.headcount = "新しい名前", 5

    services.workshop_update_profile(
        workshop=stale, actor=owner, data={"name": "新しい名前", "headcount": 5}
    )

    workshop.refresh_from_db()
    assert (workshop.name, workshop.headcount) == ("新しい名前", 5)
    assert last_event(workshop).data == {
        "changes": {"name": ["田中精機", "新しい名前"], "headcount": [None, 5]}
    }


def test_it_records_nothing_when_nothing_changed(workshop, owner, district):
    workshop.refresh_from_db()
    before = snapshot()

    services.workshop_update_profile(
        workshop=workshop,
        actor=owner,
        data={"name": "田中精機", "name_en": "Tanaka Seiki", "districts": [district]},
    )

    assert snapshot() == before


def test_it_records_certification_and_district_changes_by_code(workshop, owner, district):
    iso9001 = Certification.objects.get(code="ISO9001")
    iso14001 = Certification.objects.get(code="ISO14001")
    kamata = District.objects.create(slug="kamata", name_ja="蒲田")

    services.workshop_update_profile(
        workshop=workshop,
        actor=owner,
        data={"certifications": [iso14001, iso9001], "districts": [kamata]},
    )

    assert set(workshop.certifications.all()) == {iso9001, iso14001}
    assert list(workshop.districts.all()) == [kamata]
    event = last_event(workshop)
    assert event.action == "workshop.profile_updated"
    assert event.actor == owner
    assert event.data["changes"] == {
        "certifications": [[], ["ISO14001", "ISO9001"]],
        "districts": [["ota"], ["kamata"]],
    }


def test_it_clears_m2m_when_given_an_empty_list(workshop, owner):
    services.workshop_update_profile(workshop=workshop, actor=owner, data={"districts": []})

    assert workshop.districts.count() == 0
    assert last_event(workshop).data["changes"] == {"districts": [["ota"], []]}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"latitude": Decimal("200")}, id="latitude-out-of-range"),
        pytest.param({"longitude": Decimal("-181")}, id="longitude-out-of-range"),
        pytest.param({"latitude": None}, id="longitude-without-latitude"),
        pytest.param({"headcount": 0}, id="headcount-zero"),
        pytest.param({"founded_year": 1200}, id="founded-before-1800"),
        pytest.param({"name": ""}, id="empty-name"),
        pytest.param({"website": "not a url"}, id="bad-website"),
        pytest.param(
            {"name": "ok", "latitude": Decimal("200"), "certifications": []},
            id="good-and-bad-together",
        ),
    ],
)
def test_it_refuses_an_invalid_profile_and_writes_nothing(workshop, owner, data):
    workshop.certifications.set(Certification.objects.filter(code="ISO9001"))
    before = snapshot()

    with pytest.raises(ValidationError):
        services.workshop_update_profile(
            workshop=Workshop.objects.get(pk=workshop.pk), actor=owner, data=data
        )

    assert snapshot() == before


# --- capability_save / capability_delete ----------------------------------------------------------


def capability_data(code="L", **overrides):
    data = {
        "process": Process.objects.get(code=code),
        "materials": list(Material.objects.filter(code__in=["S45C", "SUS304"])),
        "max_length_mm": Decimal("300"),
        "max_width_mm": Decimal("200"),
        "max_height_mm": Decimal("100"),
        "tolerance_um": Decimal("5"),
        "lot_min": 1,
        "lot_max": 500,
        "lead_time_days": 7,
        "capacity_hours_per_week": 40,
        "notes": "NC旋盤 3台",
    }
    data.update(overrides)
    return data


def test_it_creates_a_capability_and_records_it(workshop, owner):
    machine = services.machine_save(
        workshop=workshop, actor=owner, data={"maker": "Mazak", "model_name": "QT-200", "count": 2}
    )

    capability = services.capability_save(
        workshop=workshop, actor=owner, data=capability_data(machines=[machine])
    )

    capability = Capability.objects.get(pk=capability.pk)
    assert capability.workshop == workshop
    assert capability.process.code == "L"
    assert capability.max_length_mm == Decimal("300")
    assert capability.tolerance_um == Decimal("5")
    assert (capability.lot_min, capability.lot_max) == (1, 500)
    assert sorted(m.code for m in capability.materials.all()) == ["S45C", "SUS304"]
    assert list(capability.machines.all()) == [machine]
    event = last_event(workshop)
    assert event.action == "capability.created"
    assert event.actor == owner
    assert event.data["process"] == "L"
    assert event.data["changes"]["process"] == [None, "L"]
    assert event.data["changes"]["materials"] == [[], ["S45C", "SUS304"]]


def test_it_updates_a_capability_and_records_only_what_changed(workshop, owner):
    capability = services.capability_save(workshop=workshop, actor=owner, data=capability_data())

    services.capability_save(
        workshop=workshop,
        actor=owner,
        capability=Capability.objects.get(pk=capability.pk),
        data=capability_data(
            tolerance_um=Decimal("2.5"),
            lot_max=1000,
            materials=list(Material.objects.filter(code="S45C")),
        ),
    )

    capability.refresh_from_db()
    assert capability.tolerance_um == Decimal("2.5")
    assert capability.lot_max == 1000
    assert [m.code for m in capability.materials.all()] == ["S45C"]
    event = last_event(workshop)
    assert event.action == "capability.updated"
    assert event.actor == owner
    assert event.data == {
        "process": "L",
        "changes": {
            "tolerance_um": ["5.0", "2.5"],
            "lot_max": [500, 1000],
            "materials": [["S45C", "SUS304"], ["S45C"]],
        },
    }


def test_it_records_capability_changes_the_given_instance_already_carries(workshop, owner):
    capability = services.capability_save(workshop=workshop, actor=owner, data=capability_data())
    stale = Capability.objects.get(pk=capability.pk)
    stale.lot_max = 50

    services.capability_save(
        workshop=workshop, actor=owner, capability=stale, data=capability_data(lot_max=50)
    )

    capability.refresh_from_db()
    assert capability.lot_max == 50
    assert last_event(workshop).data["changes"] == {"lot_max": [500, 50]}


def test_it_records_nothing_when_a_capability_is_saved_unchanged(workshop, owner):
    capability = services.capability_save(workshop=workshop, actor=owner, data=capability_data())
    before = snapshot()

    services.capability_save(
        workshop=workshop,
        actor=owner,
        capability=Capability.objects.get(pk=capability.pk),
        data=capability_data(),
    )

    assert snapshot() == before


def test_it_allows_a_capability_without_sizes_tolerance_or_lots(workshop, owner):
    capability = services.capability_save(
        workshop=workshop,
        actor=owner,
        data={"process": Process.objects.get(code="HT")},
    )

    capability.refresh_from_db()
    assert capability.max_length_mm is None
    assert capability.tolerance_um is None
    assert capability.lot_min is None


def test_it_records_a_change_of_machines_alone(workshop, owner):
    machine = services.machine_save(
        workshop=workshop, actor=owner, data={"maker": "Okuma", "model_name": "LB3000", "count": 1}
    )
    capability = services.capability_save(workshop=workshop, actor=owner, data=capability_data())
    count = AuditEvent.objects.count()

    services.capability_save(
        workshop=workshop,
        actor=owner,
        capability=Capability.objects.get(pk=capability.pk),
        data=capability_data(machines=[machine]),
    )

    assert list(capability.machines.all()) == [machine]
    assert AuditEvent.objects.count() == count + 1
    assert last_event(workshop).action == "capability.updated"


REFUSED_CAPABILITIES = [
    pytest.param({"max_length_mm": Decimal("-1")}, "max_length_mm", id="negative-length"),
    pytest.param({"max_width_mm": Decimal("-0.1")}, "max_width_mm", id="negative-width"),
    pytest.param({"max_height_mm": Decimal("0")}, "max_height_mm", id="zero-height"),
    pytest.param(
        {
            "max_length_mm": Decimal("0"),
            "max_width_mm": Decimal("0"),
            "max_height_mm": Decimal("0"),
        },
        "max_length_mm",
        id="all-sizes-zero",
    ),
    pytest.param({"max_width_mm": None, "max_height_mm": None}, "max_length_mm", id="only-length"),
    pytest.param({"max_length_mm": None}, "max_length_mm", id="only-width-and-height"),
    pytest.param({"tolerance_um": Decimal("0")}, "tolerance_um", id="tolerance-zero"),
    pytest.param({"tolerance_um": Decimal("-3")}, "tolerance_um", id="tolerance-negative"),
    pytest.param({"lot_min": 100, "lot_max": 10}, "lot_max", id="lot-min-above-max"),
    pytest.param({"lot_min": 0}, "lot_min", id="lot-min-zero"),
]


@pytest.mark.parametrize(("overrides", "field"), REFUSED_CAPABILITIES)
def test_it_refuses_to_create_an_invalid_capability_and_writes_nothing(
    workshop, owner, overrides, field
):
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.capability_save(workshop=workshop, actor=owner, data=capability_data(**overrides))

    assert field in caught.value.message_dict
    assert snapshot() == before


@pytest.mark.parametrize(("overrides", "field"), REFUSED_CAPABILITIES)
def test_it_refuses_to_update_into_an_invalid_capability_and_writes_nothing(
    workshop, owner, overrides, field
):
    capability = services.capability_save(workshop=workshop, actor=owner, data=capability_data())
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.capability_save(
            workshop=workshop,
            actor=owner,
            capability=Capability.objects.get(pk=capability.pk),
            data=capability_data(**overrides),
        )

    assert field in caught.value.message_dict
    assert snapshot() == before


def test_it_refuses_a_second_capability_for_the_same_process(workshop, owner):
    services.capability_save(workshop=workshop, actor=owner, data=capability_data("M"))
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.capability_save(workshop=workshop, actor=owner, data=capability_data("M"))

    assert "process" in caught.value.message_dict
    assert snapshot() == before


def test_it_refuses_to_move_a_capability_onto_a_process_already_listed(workshop, owner):
    services.capability_save(workshop=workshop, actor=owner, data=capability_data("M"))
    turning = services.capability_save(workshop=workshop, actor=owner, data=capability_data("L"))
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.capability_save(
            workshop=workshop,
            actor=owner,
            capability=Capability.objects.get(pk=turning.pk),
            data=capability_data("M"),
        )

    assert "process" in caught.value.message_dict
    assert snapshot() == before


def test_it_lets_two_workshops_list_the_same_process(workshop, partner, owner, partner_owner):
    services.capability_save(workshop=workshop, actor=owner, data=capability_data("G"))
    services.capability_save(workshop=partner, actor=partner_owner, data=capability_data("G"))

    assert Capability.objects.filter(process__code="G").count() == 2


def test_it_refuses_machines_of_another_workshop_on_create(workshop, partner, owner, partner_owner):
    theirs = services.machine_save(
        workshop=partner,
        actor=partner_owner,
        data={"maker": "Okamoto", "model_name": "PSG", "count": 1},
    )
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.capability_save(
            workshop=workshop, actor=owner, data=capability_data(machines=[theirs])
        )

    assert "machines" in caught.value.message_dict
    assert snapshot() == before


def test_it_refuses_machines_of_another_workshop_on_update(workshop, partner, owner, partner_owner):
    ours = services.machine_save(
        workshop=workshop, actor=owner, data={"maker": "Mazak", "model_name": "QT", "count": 1}
    )
    theirs = services.machine_save(
        workshop=partner,
        actor=partner_owner,
        data={"maker": "Okamoto", "model_name": "PSG", "count": 1},
    )
    capability = services.capability_save(
        workshop=workshop, actor=owner, data=capability_data(machines=[ours])
    )
    before = snapshot()

    with pytest.raises(ValidationError):
        services.capability_save(
            workshop=workshop,
            actor=owner,
            capability=Capability.objects.get(pk=capability.pk),
            data=capability_data(tolerance_um=Decimal("1"), machines=[ours, theirs]),
        )

    assert snapshot() == before


def test_it_refuses_to_save_a_capability_through_another_workshop(workshop, partner, owner):
    theirs = add_capability(partner, "G")
    before = snapshot()

    with pytest.raises(ValidationError):
        services.capability_save(
            workshop=workshop, actor=owner, capability=theirs, data=capability_data("G")
        )

    assert snapshot() == before


def test_it_deletes_a_capability_and_records_it(workshop, owner):
    capability = add_capability(workshop, "L", materials=["S45C"])

    services.capability_delete(capability=capability, actor=owner)

    assert not Capability.objects.filter(pk=capability.pk).exists()
    assert not Capability.materials.through.objects.filter(capability_id=capability.pk).exists()
    event = last_event(workshop)
    assert (event.action, event.actor, event.data) == (
        "capability.deleted",
        owner,
        {"process": "L"},
    )


# --- The database constraints hold without the service -----------------------------------------


def _create_capability_bypassing_the_service(workshop, **fields):
    with transaction.atomic():
        Capability.objects.create(
            workshop=workshop, process=Process.objects.get(code="L"), **fields
        )


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"tolerance_um": Decimal("0")}, id="tolerance-zero"),
        pytest.param({"tolerance_um": Decimal("-1")}, id="tolerance-negative"),
        pytest.param({"lot_min": 10, "lot_max": 5}, id="lot-min-above-max"),
        pytest.param(
            {
                "max_length_mm": Decimal("-1"),
                "max_width_mm": Decimal("10"),
                "max_height_mm": Decimal("10"),
            },
            id="negative-size",
        ),
        pytest.param(
            {
                "max_length_mm": Decimal("0"),
                "max_width_mm": Decimal("0"),
                "max_height_mm": Decimal("0"),
            },
            id="zero-sizes",
        ),
    ],
)
def test_it_keeps_capability_check_constraints_in_the_database(workshop, fields):
    with pytest.raises(IntegrityError):
        _create_capability_bypassing_the_service(workshop, **fields)

    assert not Capability.objects.filter(workshop=workshop).exists()


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"max_length_mm": Decimal("10")}, id="only-length"),
        pytest.param(
            {"max_length_mm": Decimal("10"), "max_width_mm": Decimal("10")}, id="no-height"
        ),
    ],
)
def test_it_keeps_the_all_or_none_size_constraint_in_the_database(workshop, fields):
    with pytest.raises(IntegrityError):
        _create_capability_bypassing_the_service(workshop, **fields)


def test_it_keeps_one_capability_per_process_in_the_database(workshop):
    _create_capability_bypassing_the_service(workshop)

    with pytest.raises(IntegrityError):
        _create_capability_bypassing_the_service(workshop)

    assert Capability.objects.filter(workshop=workshop).count() == 1


def test_it_keeps_latitude_and_longitude_together_in_the_database(workshop):
    with pytest.raises(IntegrityError), transaction.atomic():
        Workshop.objects.filter(pk=workshop.pk).update(longitude=None)

    workshop.refresh_from_db()
    assert workshop.longitude == Decimal("139.716100")


# --- machine_save / machine_delete ----------------------------------------------------------------


def test_it_creates_a_machine_and_records_it(workshop, owner):
    machine = services.machine_save(
        workshop=workshop,
        actor=owner,
        data={"maker": "DMG森精機", "model_name": "NLX2500", "count": 3},
    )

    machine = Machine.objects.get(pk=machine.pk)
    assert (machine.workshop, machine.maker, machine.model_name, machine.count) == (
        workshop,
        "DMG森精機",
        "NLX2500",
        3,
    )
    event = last_event(workshop)
    assert event.action == "machine.created"
    assert event.actor == owner
    assert event.data["machine"] == "DMG森精機 NLX2500 × 3"


def test_it_updates_a_machine_and_records_the_change(workshop, owner):
    machine = services.machine_save(
        workshop=workshop, actor=owner, data={"maker": "Mazak", "model_name": "QT", "count": 1}
    )

    services.machine_save(
        workshop=workshop,
        actor=owner,
        machine=Machine.objects.get(pk=machine.pk),
        data={"maker": "Mazak", "model_name": "QT", "count": 2},
    )

    machine.refresh_from_db()
    assert machine.count == 2
    event = last_event(workshop)
    assert event.action == "machine.updated"
    assert event.data["changes"] == {"count": [1, 2]}


def test_it_records_machine_changes_the_given_instance_already_carries(workshop, owner):
    machine = services.machine_save(
        workshop=workshop, actor=owner, data={"maker": "Mazak", "model_name": "QT", "count": 1}
    )
    stale = Machine.objects.get(pk=machine.pk)
    stale.count = 4

    services.machine_save(
        workshop=workshop,
        actor=owner,
        machine=stale,
        data={"maker": "Mazak", "model_name": "QT", "count": 4},
    )

    machine.refresh_from_db()
    assert machine.count == 4
    assert last_event(workshop).data["changes"] == {"count": [1, 4]}


def test_it_records_nothing_when_a_machine_is_saved_unchanged(workshop, owner):
    machine = services.machine_save(
        workshop=workshop, actor=owner, data={"maker": "Mazak", "model_name": "QT", "count": 1}
    )
    before = snapshot()

    services.machine_save(
        workshop=workshop,
        actor=owner,
        machine=Machine.objects.get(pk=machine.pk),
        data={"maker": "Mazak", "model_name": "QT", "count": 1},
    )

    assert snapshot() == before


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"maker": "Mazak", "model_name": "QT", "count": 0}, id="count-zero"),
        pytest.param({"maker": "", "model_name": "QT", "count": 1}, id="no-maker"),
        pytest.param({"maker": "Mazak", "model_name": "", "count": 1}, id="no-model"),
    ],
)
def test_it_refuses_an_invalid_machine_and_writes_nothing(workshop, owner, data):
    before = snapshot()

    with pytest.raises(ValidationError):
        services.machine_save(workshop=workshop, actor=owner, data=data)

    assert snapshot() == before


def test_it_refuses_to_save_a_machine_through_another_workshop(
    workshop, partner, owner, partner_owner
):
    theirs = services.machine_save(
        workshop=partner,
        actor=partner_owner,
        data={"maker": "Okamoto", "model_name": "PSG", "count": 1},
    )
    before = snapshot()

    with pytest.raises(ValidationError):
        services.machine_save(
            workshop=workshop,
            actor=owner,
            machine=theirs,
            data={"maker": "Stolen", "model_name": "X", "count": 9},
        )

    assert snapshot() == before


def test_it_deletes_a_machine_unlinks_it_and_records_it(workshop, owner):
    machine = services.machine_save(
        workshop=workshop, actor=owner, data={"maker": "Mazak", "model_name": "QT", "count": 1}
    )
    capability = services.capability_save(
        workshop=workshop, actor=owner, data=capability_data(machines=[machine])
    )

    services.machine_delete(machine=machine, actor=owner)

    assert not Machine.objects.filter(pk=machine.pk).exists()
    assert Capability.objects.filter(pk=capability.pk).exists()
    assert capability.machines.count() == 0
    event = last_event(workshop)
    assert (event.action, event.actor, event.data) == (
        "machine.deleted",
        owner,
        {"machine": "Mazak QT × 1"},
    )


# --- logo_process / workshop_set_logo -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        pytest.param(image_bytes("PNG"), "logo.png", "image/png", id="png"),
        pytest.param(image_bytes("JPEG"), "logo.jpg", "image/jpeg", id="jpeg"),
        pytest.param(image_bytes("WEBP"), "logo.webp", "image/webp", id="webp"),
        # The name and declared type are not trusted either way.
        pytest.param(image_bytes("PNG"), "logo.txt", "text/plain", id="png-named-txt"),
    ],
)
def test_it_accepts_a_real_image_and_stores_it_as_webp(
    workshop, owner, settings, content, name, content_type
):
    workshop = services.workshop_set_logo(
        workshop=workshop, actor=owner, upload=upload(content, name, content_type)
    )

    workshop.refresh_from_db()
    assert workshop.logo.name.startswith("logos/")
    assert workshop.logo.name.endswith(".webp")
    stored = open_stored_logo(workshop)
    assert stored.format == "WEBP"
    assert stored.size == (64, 32)
    event = last_event(workshop)
    assert (event.action, event.actor, event.data) == (
        "workshop.logo_changed",
        owner,
        {"width": 64, "height": 32},
    )


def test_it_shrinks_a_large_logo_to_512_pixels_a_side(workshop, owner):
    content = image_bytes("PNG", size=(1600, 800))

    services.workshop_set_logo(workshop=workshop, actor=owner, upload=upload(content))

    stored = open_stored_logo(workshop)
    assert stored.format == "WEBP"
    assert stored.size == (512, 256)
    assert last_event(workshop).data == {"width": 512, "height": 256}


def test_it_keeps_transparency(workshop, owner):
    content = image_bytes("PNG", size=(40, 40), mode="RGBA", color=(0, 0, 255, 0))

    services.workshop_set_logo(workshop=workshop, actor=owner, upload=upload(content))

    stored = open_stored_logo(workshop)
    assert stored.mode == "RGBA"
    assert stored.getpixel((20, 20))[3] == 0


def test_it_honours_exif_orientation(workshop, owner):
    # 200×100, red on the left and blue on the right; orientation 6 means "turn 90° clockwise
    # to display", so the upright logo is 100×200 with red on top.
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)

    services.workshop_set_logo(
        workshop=workshop, actor=owner, upload=upload(buffer.getvalue(), "photo.jpg", "image/jpeg")
    )

    stored = open_stored_logo(workshop).convert("RGB")
    assert stored.size == (100, 200)
    top, bottom = stored.getpixel((50, 20)), stored.getpixel((50, 180))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom
    # Re-encoding drops the EXIF block, so no viewer turns it a second time.
    assert 0x0112 not in stored.getexif()


def test_it_refuses_a_logo_larger_than_the_limit_without_a_declared_size(settings):
    settings.LOGO_MAX_UPLOAD_BYTES = 1000
    content = image_bytes("PNG", size=(400, 400), color=(1, 2, 3)) + b"\x00" * 2000
    stream = UploadedFile(io.BytesIO(content), name="logo.png", content_type="image/png", size=None)

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.logo_process(stream)

    assert caught.value.code == "too_large"
    assert "too large" in caught.value.messages[0]


def _gif() -> bytes:
    return image_bytes("GIF", size=(32, 32))


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<script>alert(1)</script><rect width="64" height="64" fill="red"/></svg>'
)

BAD_LOGOS = [
    pytest.param(
        b"just some text, not an image\n" * 10,
        "logo.png",
        "image/png",
        "not_an_image",
        "PNG, JPEG or WebP",
        id="text-file",
    ),
    pytest.param(
        b"\x89PNG\r\n\x1a\n" + b"garbage!" * 200,
        "logo.png",
        "image/png",
        "not_an_image",
        "PNG, JPEG or WebP",
        id="png-signature-then-garbage",
    ),
    pytest.param(
        image_bytes("PNG", size=(64, 64))[:33] + b"garbage!" * 200,
        "logo.png",
        "image/png",
        "not_an_image",
        "PNG, JPEG or WebP",
        id="png-header-then-garbage",
    ),
    pytest.param(
        image_bytes("PNG", size=(64, 64))[:-40],
        "logo.png",
        "image/png",
        "not_an_image",
        "PNG, JPEG or WebP",
        id="truncated-png",
    ),
    pytest.param(SVG, "logo.svg", "image/svg+xml", "not_an_image", "PNG, JPEG or WebP", id="svg"),
    pytest.param(_gif(), "logo.gif", "image/gif", "not_an_image", "PNG, JPEG or WebP", id="gif"),
    pytest.param(b"", "logo.png", "image/png", "not_an_image", "PNG, JPEG or WebP", id="empty"),
]


def _set_first_logo(workshop, owner):
    services.workshop_set_logo(
        workshop=workshop, actor=owner, upload=upload(image_bytes("PNG", color=(0, 128, 0)))
    )
    workshop.refresh_from_db()
    return workshop.logo.name


def _assert_refused_and_logo_kept(workshop, owner, settings, the_upload, code, text):
    old_name = _set_first_logo(workshop, owner)
    before, files = snapshot(), stored_files(settings)

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.workshop_set_logo(workshop=workshop, actor=owner, upload=the_upload)

    assert caught.value.code == code
    assert text in caught.value.messages[0]
    assert snapshot() == before
    assert stored_files(settings) == files
    workshop.refresh_from_db()
    assert workshop.logo.name == old_name
    assert workshop.logo.storage.exists(old_name)


@pytest.mark.parametrize(("content", "name", "content_type", "code", "text"), BAD_LOGOS)
def test_it_refuses_what_is_not_a_png_jpeg_or_webp_and_keeps_the_old_logo(
    workshop, owner, settings, content, name, content_type, code, text
):
    _assert_refused_and_logo_kept(
        workshop, owner, settings, upload(content, name, content_type), code, text
    )


def test_it_refuses_a_file_over_the_upload_limit_and_keeps_the_old_logo(workshop, owner, settings):
    content = image_bytes("PNG", size=(16, 16))
    content += b"\x00" * (settings.LOGO_MAX_UPLOAD_BYTES + 1 - len(content))
    assert len(content) == settings.LOGO_MAX_UPLOAD_BYTES + 1

    _assert_refused_and_logo_kept(
        workshop, owner, settings, upload(content), "too_large", "The limit is 5 MB"
    )


def test_it_refuses_a_decompression_bomb_from_its_header_and_keeps_the_old_logo(
    workshop, owner, settings
):
    settings.LOGO_MAX_PIXELS = 1_000_000
    # 3000×3000 claimed in a few dozen bytes: refused before any pixel is decoded.
    content = png_with_header_only(3000, 3000)
    assert len(content) < 100

    _assert_refused_and_logo_kept(
        workshop, owner, settings, upload(content), "too_many_pixels", "3000 × 3000"
    )


def test_it_refuses_a_real_image_over_the_pixel_limit(workshop, owner, settings):
    settings.LOGO_MAX_PIXELS = 1_000_000
    content = image_bytes("PNG", size=(2000, 1000), mode="1", color=0)  # ~ a kilobyte on disk

    _assert_refused_and_logo_kept(
        workshop, owner, settings, upload(content), "too_many_pixels", "2000 × 1000"
    )


def test_it_refuses_a_30000_pixel_bomb_header_at_the_default_limits(workshop, owner, settings):
    old_name = _set_first_logo(workshop, owner)
    before = snapshot()

    with pytest.raises(ValidationError):
        services.workshop_set_logo(
            workshop=workshop, actor=owner, upload=upload(png_with_header_only(30000, 30000))
        )

    assert snapshot() == before
    workshop.refresh_from_db()
    assert workshop.logo.name == old_name


def test_it_reports_a_30000_pixel_bomb_as_too_many_pixels(workshop, owner):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.logo_process(upload(png_with_header_only(30000, 30000)))

    assert caught.value.code == "too_many_pixels"


def test_it_deletes_the_old_logo_file_only_after_the_replacement_commits(
    workshop, owner, django_capture_on_commit_callbacks
):
    old_name = _set_first_logo(workshop, owner)
    storage = workshop.logo.storage

    with django_capture_on_commit_callbacks() as callbacks:
        services.workshop_set_logo(
            workshop=workshop, actor=owner, upload=upload(image_bytes("JPEG"), "b.jpg")
        )
        # Not committed yet: a rollback must still find the old file.
        assert storage.exists(old_name)

    assert len(callbacks) == 1
    workshop.refresh_from_db()
    new_name = workshop.logo.name
    assert new_name != old_name
    for callback in callbacks:
        callback()
    assert not storage.exists(old_name)
    assert storage.exists(new_name)


def test_it_replaces_the_logo_and_removes_the_old_file_on_commit(
    workshop, owner, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        old_name = _set_first_logo(workshop, owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.workshop_set_logo(
            workshop=workshop, actor=owner, upload=upload(image_bytes("JPEG"), "b.jpg")
        )

    workshop.refresh_from_db()
    assert stored_files(settings) == {workshop.logo.name}
    assert old_name not in stored_files(settings)
    assert [e.action for e in events(workshop, "workshop.logo_changed")] == [
        "workshop.logo_changed",
        "workshop.logo_changed",
    ]


def test_it_removes_the_logo_and_its_file_on_commit(
    workshop, owner, django_capture_on_commit_callbacks, settings
):
    old_name = _set_first_logo(workshop, owner)

    with django_capture_on_commit_callbacks(execute=True):
        services.workshop_set_logo(workshop=workshop, actor=owner, upload=None)

    workshop.refresh_from_db()
    assert not workshop.logo
    assert old_name not in stored_files(settings)
    event = last_event(workshop)
    assert (event.action, event.actor, event.data) == ("workshop.logo_removed", owner, {})


def test_it_records_nothing_when_removing_a_logo_that_is_not_there(workshop, owner):
    workshop.refresh_from_db()
    before = snapshot()

    services.workshop_set_logo(workshop=workshop, actor=owner, upload=None)

    assert snapshot() == before


def test_it_leaves_no_new_file_behind_when_the_logo_change_rolls_back(
    workshop, owner, settings, monkeypatch
):
    old_name = _set_first_logo(workshop, owner)
    files = stored_files(settings)

    def failing_audit(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_audit", failing_audit)
    with pytest.raises(RuntimeError):
        services.workshop_set_logo(
            workshop=workshop, actor=owner, upload=upload(image_bytes("PNG"))
        )

    workshop.refresh_from_db()
    assert workshop.logo.name == old_name
    assert stored_files(settings) == files


# --- Invitations ----------------------------------------------------------------------------------


def test_it_creates_an_invitation_storing_only_the_token_hash(workshop, owner):
    invitation, token = services.invitation_create(
        workshop=workshop, actor=owner, email="  New.Person@Example.COM ", role=Role.FLOOR
    )

    invitation = Invitation.objects.get(pk=invitation.pk)
    assert len(token) >= 40
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in {str(v) for v in stored.values()}
    assert invitation.email == "new.person@example.com"
    assert invitation.role == Role.FLOOR
    assert invitation.invited_by == owner
    assert invitation.is_open
    assert (invitation.expires_at - timezone.now()).days in (13, 14)
    event = last_event(workshop)
    assert (event.action, event.actor, event.data) == (
        "invitation.created",
        owner,
        {"email": "new.person@example.com", "role": "floor"},
    )


def test_it_gives_every_invitation_its_own_token(workshop, owner):
    _, first = services.invitation_create(
        workshop=workshop, actor=owner, email="a@x.jp", role="floor"
    )
    _, second = services.invitation_create(
        workshop=workshop, actor=owner, email="a@x.jp", role="floor"
    )

    assert first != second
    assert services.invitation_for_token(first) != services.invitation_for_token(second)
    assert services.invitation_for_token("not-a-token") is None


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.FLOOR])
def test_it_accepts_an_invitation_with_the_invited_role(workshop, owner, outsider, role):
    invitation, token = services.invitation_create(
        workshop=workshop, actor=owner, email="o@example.com", role=role
    )

    membership = services.invitation_accept(token=token, user=outsider)

    membership = Membership.objects.get(pk=membership.pk)
    assert (membership.workshop, membership.user, membership.role) == (workshop, outsider, role)
    invitation.refresh_from_db()
    assert invitation.accepted_by == outsider
    assert invitation.accepted_at is not None
    assert not invitation.is_open
    event = last_event(workshop)
    assert event.action == "membership.joined"
    assert event.actor == outsider
    assert event.data == {"user": "outsider", "role": role, "email": "o@example.com"}


def test_it_lets_a_manager_invite_managers_and_floor_staff(workshop, manager):
    for role in (Role.MANAGER, Role.FLOOR):
        invitation, _ = services.invitation_create(
            workshop=workshop, actor=manager, email=f"{role}@example.com", role=role
        )
        assert invitation.role == role


def _expire(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def _revoke(invitation):
    services.invitation_revoke(invitation=invitation, actor=None)


def _use(invitation, token):
    services.invitation_accept(token=token, user=make_user("first-taker"))


@pytest.mark.parametrize("spoil", ["expired", "revoked", "used"])
def test_it_refuses_an_invitation_that_is_no_longer_open(workshop, owner, outsider, spoil):
    invitation, token = services.invitation_create(
        workshop=workshop, actor=owner, email="o@example.com", role=Role.MANAGER
    )
    if spoil == "expired":
        _expire(invitation)
    elif spoil == "revoked":
        _revoke(invitation)
    else:
        _use(invitation, token)
    before = snapshot()

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=token, user=outsider)

    assert "no longer valid" in caught.value.messages[0]
    assert snapshot() == before
    assert not Membership.objects.filter(workshop=workshop, user=outsider).exists()


def test_it_refuses_an_unknown_token(workshop, outsider):
    before = snapshot()

    with pytest.raises(ValidationError):
        services.invitation_accept(token="made-up", user=outsider)

    assert snapshot() == before


def test_it_refuses_an_invitation_for_someone_already_a_member(workshop, owner, floor):
    invitation, token = services.invitation_create(
        workshop=workshop, actor=owner, email="f@example.com", role=Role.MANAGER
    )
    before = snapshot()

    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, user=floor)

    assert snapshot() == before
    assert Membership.objects.get(workshop=workshop, user=floor).role == Role.FLOOR
    invitation.refresh_from_db()
    assert invitation.is_open


def test_it_refuses_a_manager_inviting_an_owner(workshop, manager):
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.invitation_create(
            workshop=workshop, actor=manager, email="boss@example.com", role=Role.OWNER
        )

    assert "role" in caught.value.message_dict
    assert snapshot() == before


@pytest.mark.parametrize(
    ("email", "role"),
    [("not-an-email", Role.FLOOR), ("ok@example.com", "admin"), ("", Role.FLOOR)],
)
def test_it_refuses_a_bad_invitation_and_writes_nothing(workshop, owner, email, role):
    before = snapshot()

    with pytest.raises(ValidationError):
        services.invitation_create(workshop=workshop, actor=owner, email=email, role=role)

    assert snapshot() == before


def test_it_revokes_an_open_invitation_and_records_it(workshop, owner, manager):
    invitation, _token = services.invitation_create(
        workshop=workshop, actor=owner, email="x@example.com", role=Role.FLOOR
    )

    services.invitation_revoke(invitation=invitation, actor=manager)

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert not invitation.is_open
    event = last_event(workshop)
    assert (event.action, event.actor, event.data) == (
        "invitation.revoked",
        manager,
        {"email": "x@example.com"},
    )


@pytest.mark.parametrize("spoil", ["revoked", "used"])
def test_it_refuses_to_revoke_a_closed_invitation(workshop, owner, spoil):
    invitation, token = services.invitation_create(
        workshop=workshop, actor=owner, email="x@example.com", role=Role.FLOOR
    )
    _revoke(invitation) if spoil == "revoked" else _use(invitation, token)
    before = snapshot()

    with pytest.raises(ValidationError):
        services.invitation_revoke(invitation=invitation, actor=owner)

    assert snapshot() == before


# --- Memberships ----------------------------------------------------------------------------------


def membership(workshop, user) -> Membership:
    return Membership.objects.get(workshop=workshop, user=user)


def test_it_changes_a_role_and_records_it(workshop, owner, floor):
    services.membership_change_role(
        membership=membership(workshop, floor), actor=owner, role=Role.MANAGER
    )

    assert membership(workshop, floor).role == Role.MANAGER
    event = last_event(workshop)
    assert (event.action, event.actor, event.data) == (
        "membership.role_changed",
        owner,
        {"user": "floor", "changes": {"role": ["floor", "manager"]}},
    )


def test_it_lets_a_manager_move_people_between_manager_and_floor(workshop, manager, floor):
    services.membership_change_role(
        membership=membership(workshop, floor), actor=manager, role=Role.MANAGER
    )
    services.membership_change_role(
        membership=membership(workshop, floor), actor=manager, role=Role.FLOOR
    )

    assert membership(workshop, floor).role == Role.FLOOR
    assert len(events(workshop, "membership.role_changed")) == 2


def test_it_records_nothing_when_the_role_is_unchanged(workshop, owner, floor):
    before = snapshot()

    services.membership_change_role(
        membership=membership(workshop, floor), actor=owner, role=Role.FLOOR
    )

    assert snapshot() == before


def test_it_lets_an_owner_promote_and_then_step_down(workshop, owner, manager):
    services.membership_change_role(
        membership=membership(workshop, manager), actor=owner, role=Role.OWNER
    )
    services.membership_change_role(
        membership=membership(workshop, owner), actor=owner, role=Role.MANAGER
    )

    assert membership(workshop, manager).role == Role.OWNER
    assert membership(workshop, owner).role == Role.MANAGER


def _refuse_role_change(workshop, member, actor, role):
    before = snapshot()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.membership_change_role(
            membership=membership(workshop, member), actor=actor, role=role
        )
    assert snapshot() == before
    return caught.value


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FLOOR])
def test_it_refuses_to_demote_the_last_owner(workshop, owner, role):
    error = _refuse_role_change(workshop, owner, owner, role)

    assert "at least one owner" in error.messages[0]
    assert membership(workshop, owner).role == Role.OWNER


def test_it_refuses_a_manager_promoting_to_owner(workshop, manager, floor):
    _refuse_role_change(workshop, floor, manager, Role.OWNER)
    _refuse_role_change(workshop, manager, manager, Role.OWNER)


def test_it_refuses_a_manager_demoting_an_owner(workshop, owner, manager, partner_owner):
    services.membership_add(workshop=workshop, user=partner_owner, role=Role.OWNER, actor=owner)

    _refuse_role_change(workshop, owner, manager, Role.FLOOR)
    _refuse_role_change(workshop, partner_owner, manager, Role.MANAGER)


def test_it_refuses_an_unknown_role(workshop, owner, floor):
    error = _refuse_role_change(workshop, floor, owner, "superuser")

    assert "role" in error.message_dict


def test_it_removes_a_member_and_records_it(workshop, owner, floor):
    services.membership_remove(membership=membership(workshop, floor), actor=owner)

    assert not Membership.objects.filter(workshop=workshop, user=floor).exists()
    event = last_event(workshop)
    assert (event.action, event.actor, event.data) == (
        "membership.removed",
        owner,
        {"user": "floor"},
    )


def test_it_lets_a_manager_remove_floor_staff_and_leave(workshop, manager, floor):
    services.membership_remove(membership=membership(workshop, floor), actor=manager)
    services.membership_remove(membership=membership(workshop, manager), actor=manager)

    assert list(Membership.objects.filter(workshop=workshop).values_list("role", flat=True)) == [
        Role.OWNER
    ]


def test_it_lets_an_owner_remove_a_second_owner(workshop, owner, partner_owner):
    services.membership_add(workshop=workshop, user=partner_owner, role=Role.OWNER, actor=owner)

    services.membership_remove(membership=membership(workshop, partner_owner), actor=owner)

    assert not Membership.objects.filter(workshop=workshop, user=partner_owner).exists()


def test_it_refuses_to_remove_the_last_owner(workshop, owner):
    before = snapshot()

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.membership_remove(membership=membership(workshop, owner), actor=owner)

    assert "at least one owner" in caught.value.messages[0]
    assert snapshot() == before


def test_it_refuses_a_manager_removing_an_owner(workshop, owner, manager, partner_owner):
    services.membership_add(workshop=workshop, user=partner_owner, role=Role.OWNER, actor=owner)
    before = snapshot()

    with pytest.raises(ValidationError):
        services.membership_remove(membership=membership(workshop, owner), actor=manager)

    assert snapshot() == before


def test_it_adds_a_member_and_records_it(workshop, owner, outsider):
    added = services.membership_add(workshop=workshop, user=outsider, role=Role.FLOOR, actor=owner)

    assert membership(workshop, outsider) == added
    assert added.role == Role.FLOOR
    event = last_event(workshop)
    assert (event.action, event.actor, event.data) == (
        "membership.joined",
        owner,
        {"user": "outsider", "role": "floor"},
    )


@pytest.mark.parametrize(("who", "role"), [("floor", Role.MANAGER), ("outsider", "boss")])
def test_it_refuses_to_add_a_member_twice_or_with_an_unknown_role(
    workshop, owner, request, who, role
):
    user = request.getfixturevalue(who)
    before = snapshot()

    with pytest.raises(ValidationError):
        services.membership_add(workshop=workshop, user=user, role=role, actor=owner)

    assert snapshot() == before


def test_it_creates_a_workshop_with_its_owner_and_records_it(owner):
    created = make_workshop("新しい工場", owner=owner, lat=35.5, lng=139.7)

    assert membership(created, owner).role == Role.OWNER
    event = last_event(created)
    assert (event.action, event.actor, event.data) == (
        "workshop.created",
        owner,
        {"name": "新しい工場"},
    )
