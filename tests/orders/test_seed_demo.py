"""seed_demo: the demo district, its people and its jobs (orders/management/commands)."""

from io import StringIO

import pytest
from django.core.management import call_command

from districts.filters import default_scope
from districts.metrics.processes import process_table
from districts.metrics.scope import process_labels
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


# --- the demo shows the product working ----------------------------------------------------


@pytest.mark.django_db
def test_the_demo_district_has_a_year_of_history_the_dashboard_shows():
    import datetime as dt

    from django.utils import timezone

    from orders import rollups
    from orders.demo_history import HISTORY_PREFIX
    from orders.models import Job, JobStatus, ProgressEvent
    from workshops.models import District

    seed("--quiet")
    history = Job.objects.filter(drawing_number__startswith=HISTORY_PREFIX)
    first = history.order_by("created_at").first().created_at
    assert timezone.now() - first > dt.timedelta(days=350)
    assert history.filter(status=JobStatus.DONE).count() > 500
    assert history.filter(status=JobStatus.IN_PROGRESS).exists()
    # Every job's log runs 1..last_seq without a gap, in time order.
    for job in history.order_by("?")[:40]:
        events = list(job.events.order_by("seq").values_list("seq", "created_at"))
        assert [seq for seq, _ in events] == list(range(1, job.last_seq + 1))
        assert [at for _, at in events] == sorted(at for _, at in events)
    assert ProgressEvent.objects.filter(job__in=history, kind="job.completed").count() == (
        history.filter(status=JobStatus.DONE).count()
    )
    # The rollups are what the raw rows say: rebuilding them changes nothing.
    before = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == before

    # Every process the district offers is drawn from at least three shops: no 「3社未満」.
    scope = default_scope(District.objects.get(slug=demo_data.DISTRICT["slug"]))
    table = process_table(scope, process_labels())
    for key in ("throughput", "lead_times", "capacity"):
        rows = table[key]
        shown = [r for r in rows if not r["suppressed"]]
        assert len(rows) >= 30 and len(shown) >= 0.9 * len(rows), (key, len(shown), len(rows))


@pytest.mark.django_db
def test_a_second_seed_duplicates_nothing_of_the_jobs_history_or_board():
    from board.models import Offer, Posting
    from orders.models import HandOff, Job, Order, ProgressEvent, Step, StepDayStat

    seed("--quiet")
    models = (Job, Step, Order, HandOff, ProgressEvent, StepDayStat, Posting, Offer)
    counts = [m.objects.count() for m in models]
    output = seed("--quiet")
    assert "0 new demo jobs, 0 jobs of history" in output
    assert [m.objects.count() for m in models] == counts


@pytest.mark.django_db
def test_the_demo_shows_a_job_at_several_stages_a_request_an_offer_and_a_short_receipt():
    from board.models import Offer
    from orders.demo import demo_job_uuid
    from orders.models import HandOff, HandOffStatus, Job, OrderStatus, StepStatus

    seed("--quiet")
    shaft = Job.objects.get(uuid=demo_job_uuid("shaft"))
    stages = set(shaft.steps.values_list("status", flat=True))
    assert {StepStatus.DONE, StepStatus.IN_PROGRESS, StepStatus.PLANNED} <= stages
    # Parts received short at one shop, parts on their way to another.
    assert HandOff.objects.filter(job=shaft, quantity_received__lt=50).exists()
    assert HandOff.objects.filter(job=shaft, status=HandOffStatus.SHIPPED).exists()
    plate = Job.objects.get(uuid=demo_job_uuid("plate"))
    assert plate.orders.get().status == OrderStatus.REQUESTED
    offer = Offer.objects.select_related("posting__job").get()
    assert offer.posting.job.uuid == demo_job_uuid("posted-plate")


@pytest.mark.django_db
def test_every_demo_user_of_a_workshop_has_unread_notifications_waiting(
    django_capture_on_commit_callbacks,
):
    from django.db import connection

    from notifications.models import Notification
    from tests.tasks import run_tasks

    connection._notification_events = None
    # As in `make run`: the seed commits, then the worker fans the events out.
    with django_capture_on_commit_callbacks(execute=True):
        seed("--quiet")
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()  # what `make run`'s worker does right after seeding
    for row in demo_data.DEMO_USERS:
        unread = Notification.objects.filter(
            user__username=row["username"], read_at__isnull=True
        ).count()
        if row["role"] == "district_staff":
            # District staff are party to no job and are never told (docs/NOTIFICATIONS.md).
            assert unread == 0
        else:
            assert unread >= 1, row["username"]


@pytest.mark.django_db
def test_the_demo_has_a_job_of_several_parts_at_several_stages_with_a_return():
    from orders.demo import demo_job_uuid
    from orders.models import HandOff, HandOffKind, Job, Step, StepInput, StepStatus

    seed("--quiet")
    job = Job.objects.get(uuid=demo_job_uuid("gear-unit"))
    assert list(job.parts.values_list("name", flat=True)) == [
        "ギアユニット",
        "シャフト",
        "ブラケット",
    ]
    # Each part at its own stage: the shafts ground (and two reworked), the brackets plated,
    # the assembly waiting for both.
    status = {
        (s.part.name, s.process.code, bool(s.rework_of_id)): s.status
        for s in Step.objects.filter(job=job).select_related("part", "process")
    }
    assert status[("シャフト", "L", False)] == StepStatus.DONE
    assert status[("シャフト", "GS", False)] == StepStatus.IN_PROGRESS
    assert status[("シャフト", "L", True)] == StepStatus.READY
    assert status[("ブラケット", "M", False)] == StepStatus.DONE
    assert status[("ブラケット", "PLT_ENI", False)] == StepStatus.IN_PROGRESS
    assert status[("ギアユニット", "ASM", False)] == StepStatus.PLANNED
    assert {(i.part.name, i.per_unit) for i in StepInput.objects.filter(step__job=job)} == {
        ("シャフト", 1),
        ("ブラケット", 2),
    }
    back = HandOff.objects.select_related("resolved_by_step").get(job=job, kind=HandOffKind.RETURN)
    assert (back.quantity_shipped, back.defect_cause, back.resolved_by_step.status) == (
        2,
        "dimension",
        StepStatus.READY,
    )
    kinds = set(job.events.values_list("kind", flat=True))
    assert {"part.added", "step.inputs_set", "step.rework_opened"} <= kinds
