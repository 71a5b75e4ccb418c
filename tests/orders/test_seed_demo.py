"""seed_demo: the demo district, its people and its jobs (orders/management/commands)."""

from io import StringIO

import pytest
from django.core.management import call_command

from workshops import demo_data
from workshops.models import (
    AuditEvent,
    Capability,
    DistrictStaff,
    Machine,
    Membership,
    Process,
    User,
    Workshop,
)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_builds_a_believable_district_and_prints_every_login():
    output = seed()
    workshops = Workshop.objects.all()
    assert workshops.count() >= 30
    # Shaped like Ota: most shops have nine staff or fewer, a few hubs are bigger.
    small = workshops.filter(headcount__lte=9).count()
    assert small / workshops.count() >= 0.6
    assert workshops.filter(headcount__gte=12).exists()
    # Each shop is strong in one to three processes, with real materials and machines.
    for workshop in workshops:
        assert 1 <= workshop.capabilities.count() <= 3
    assert Machine.objects.count() > 30
    assert Capability.objects.filter(materials__code="SUS304").exists()
    # Every demo login is printed with its role, and can sign in with the printed password.
    for row in demo_data.DEMO_USERS:
        assert row["username"] in output
        user = User.objects.get(username=row["username"])
        assert user.check_password(row["password"])
        if row["role"] == "district_staff":
            assert DistrictStaff.objects.filter(user=user).exists()
            assert not Membership.objects.filter(user=user).exists()
        else:
            assert Membership.objects.get(user=user).role == row["role"]
    roles = {row["role"] for row in demo_data.DEMO_USERS}
    assert roles == {"owner", "manager", "floor", "district_staff"}


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    seed("--quiet")
    counts = [
        m.objects.count()
        for m in (
            Workshop,
            Capability,
            Machine,
            Membership,
            User,
            DistrictStaff,
            AuditEvent,
            Process,
        )
    ]
    output = seed("--quiet")
    assert "(0 new)" in output
    assert counts == [
        m.objects.count()
        for m in (
            Workshop,
            Capability,
            Machine,
            Membership,
            User,
            DistrictStaff,
            AuditEvent,
            Process,
        )
    ]


@pytest.mark.django_db
def test_seed_demo_scale_adds_n_workshops_once():
    seed("--quiet", "--scale", "120")
    demo = len(demo_data.WORKSHOPS)
    assert Workshop.objects.count() == demo + 120
    assert Capability.objects.filter(workshop__name__startswith="ベンチ工場").count() >= 120
    assert (
        Workshop.objects.filter(
            name__startswith="ベンチ工場", districts__slug=demo_data.DISTRICT["slug"]
        )
        .distinct()
        .count()
        == 120
    )
    seed("--quiet", "--scale", "150")
    assert Workshop.objects.count() == demo + 150


@pytest.mark.django_db
def test_seed_demo_workshops_go_through_the_services_and_are_logged():
    seed("--quiet")
    created = AuditEvent.objects.filter(action="workshop.created").count()
    assert created == len(demo_data.WORKSHOPS)
