"""Reads other parts of shopnet use: the floor cards' revisions and the started-on-an-older-
revision warning, the traveler's revision, the open board's drawings, live delivery."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from board.models import Posting, PostingInvite, PostingStatus
from core import realtime
from drawings.selectors import drawing_access, drawings_for_posting, step_revisions
from orders.models import ProgressEvent, Step
from orders.revisions import job_revisions
from orders.services.progress import step_start
from tests.conftest import client_for
from tests.drawings.conftest import add_drawing
from tests.orders.conftest import in_days


def test_a_job_maps_to_its_main_drawings_current_revision_in_one_query(
    chain, routed_job, django_assert_num_queries
):
    job, _steps, _orders = routed_job
    add_drawing(chain, job, "png", number="AUX-1")
    add_drawing(chain, job, "png", number=job.drawing_number)  # MR-1001: the job's own
    add_drawing(chain, job, "png", number=job.drawing_number)
    with django_assert_num_queries(1):
        assert job_revisions([job.pk]) == {job.pk: "B"}


def test_the_floor_card_shows_the_revision_and_warns_when_it_changed_after_the_start(
    chain, routed_job
):
    job, steps, _orders = routed_job
    add_drawing(chain, job, "png", number="MR-1001", steps=[steps["L"]])
    turning = step_start(step=steps["L"], actor=chain.turner_floor)
    client = client_for(chain.turner_floor)
    client.cookies["shopnet_language"] = "en"
    page = client.get(f"/floor/?workshop={chain.turner.uuid}").content.decode()
    assert '<strong class="revision">A</strong>' in page
    assert "Started on revision" not in page
    add_drawing(chain, job, "png", number="MR-1001")
    page = client.get(f"/floor/?workshop={chain.turner.uuid}").content.decode()
    assert '<strong class="revision">B</strong>' in page
    assert "Started on revision A of MR-1001: the current revision is B." in page
    info = step_revisions([Step.objects.get(pk=turning.pk)])[turning.pk]
    assert (info.revision, [(s.started_on, s.current) for s in info.stale]) == ("B", [("A", "B")])


def test_a_step_started_on_the_current_revision_has_no_warning(chain, routed_job):
    job, steps, _orders = routed_job
    add_drawing(chain, job, "png", number="MR-1001")
    add_drawing(chain, job, "png", number="MR-1001")
    turning = step_start(step=steps["L"], actor=chain.turner_floor)
    info = step_revisions([Step.objects.get(pk=turning.pk)])[turning.pk]
    assert (info.revision, info.stale) == ("B", [])


def test_the_floor_board_hears_of_a_new_revision(
    chain, routed_job, monkeypatch, django_capture_on_commit_callbacks
):
    job, _steps, _orders = routed_job
    sent = []
    monkeypatch.setattr(realtime, "_send", lambda groups, message: sent.append((groups, message)))
    with django_capture_on_commit_callbacks(execute=True):
        add_drawing(chain, job, "png", number="MR-1001")
    groups, message = sent[-1]
    assert message["event"]["kind"] == "drawing.added"
    for shop in (chain.turner, chain.grinder, chain.plater):
        assert realtime.workshop_group(str(shop.uuid)) in groups
        assert shop.pk in message["route"]["performers"]
    event = ProgressEvent.objects.get(job=job, kind="drawing.added")
    # Every party sees it in the log (number and revision, never the file).
    from orders.access import job_access

    for user in (chain.turner_owner, chain.grinder_floor, chain.plater_owner):
        assert job_access(user, job).events().filter(pk=event.pk).exists()


def test_every_role_has_the_access_the_design_describes(chain, routed_job):
    job, steps, _orders = routed_job
    drawing = add_drawing(chain, job, "png", steps=[steps["L"]]).drawing
    assert drawing_access(chain.hub_floor, job).full_ids is None  # the hub's own floor
    assert drawing_access(chain.hub_floor, job).watermark is None
    assert drawing.pk in drawing_access(chain.turner_floor, job).full_ids
    assert drawing_access(chain.turner_floor, job).viewer_workshop == chain.turner
    assert drawing_access(chain.plater_owner, job).full_ids == set()
    assert drawing_access(chain.staff, job) is None
    assert drawing_access(chain.stranger_owner, job) is None


# --- the open board ----------------------------------------------------------------------------


def posting(chain, job, steps, *, share=True, invite=None, answer_in=dt.timedelta(days=3)):
    from workshops.models import Process

    made = Posting.objects.create(
        job=job,
        buyer=chain.hub,
        process=Process.objects.get(code="ASM"),
        quantity=10,
        due_date=in_days(20),
        answer_by=timezone.now() + answer_in,
        share_drawings=share,
    )
    made.steps.set(steps)
    for shop in invite or [chain.stranger]:
        PostingInvite.objects.create(posting=made, workshop=shop)
    return made


def test_an_open_postings_invitees_see_the_current_revisions_its_steps_use(chain, routed_job):
    job, steps, _orders = routed_job
    old = add_drawing(chain, job, "png", number="MR-ASM", steps=[steps["ASM"]])
    current = add_drawing(chain, job, "png", number="MR-ASM")
    other = add_drawing(chain, job, "png", number="MR-OTHER", steps=[steps["L"]])
    board = posting(chain, job, [steps["ASM"]])
    assert drawings_for_posting(board, chain.stranger_owner) == [current]
    assert drawings_for_posting(board, chain.hub_owner) == [current]
    assert drawings_for_posting(board, chain.plater_owner) == []  # not invited
    client = client_for(chain.stranger_owner)
    assert client.get(f"/drawings/revisions/{current.uuid}/").status_code == 200
    page = client.get(f"/drawings/revisions/{current.uuid}/pages/1")
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(page.content)).info["shopnet-viewer"].startswith("川崎プレス")
    # Previews only: never the original, never the old revision, never other drawings.
    assert client.get(f"/drawings/revisions/{current.uuid}/download").status_code == 404
    assert client.get(f"/drawings/revisions/{old.uuid}/").status_code == 404
    assert client.get(f"/drawings/revisions/{other.uuid}/").status_code == 404
    assert client.get(f"/jobs/{job.uuid}/drawings/").status_code == 200
    assert client.get(f"/jobs/{job.uuid}/").status_code == 404  # the job page itself: no


def test_a_posting_whose_steps_use_no_drawing_shows_all_current_ones(chain, routed_job):
    job, steps, _orders = routed_job
    first = add_drawing(chain, job, "png", number="A-1")
    second = add_drawing(chain, job, "png", number="B-2")
    board = posting(chain, job, [steps["ASM"]])
    assert drawings_for_posting(board, chain.stranger_owner) == [first, second]


@pytest.mark.parametrize("change", ["closed", "expired", "not_shared"])
def test_a_closed_or_unshared_posting_shows_nothing(chain, routed_job, change):
    job, steps, _orders = routed_job
    current = add_drawing(chain, job, "png", number="MR-ASM", steps=[steps["ASM"]])
    board = posting(
        chain,
        job,
        [steps["ASM"]],
        share=change != "not_shared",
        answer_in=dt.timedelta(hours=-1) if change == "expired" else dt.timedelta(days=3),
    )
    if change == "closed":
        Posting.objects.filter(pk=board.pk).update(status=PostingStatus.CLOSED)
        board.refresh_from_db()
    assert drawings_for_posting(board, chain.stranger_owner) == []
    response = client_for(chain.stranger_owner).get(f"/drawings/revisions/{current.uuid}/")
    assert response.status_code == 404


def test_an_invitees_floor_staff_see_nothing(chain, routed_job):
    job, steps, _orders = routed_job
    current = add_drawing(chain, job, "png", number="MR-ASM", steps=[steps["ASM"]])
    posting(chain, job, [steps["ASM"]], invite=[chain.turner])
    with translation.override("en"):
        assert drawings_for_posting(Posting.objects.get(), chain.turner_floor) == []
    assert (
        client_for(chain.turner_floor).get(f"/drawings/revisions/{current.uuid}/").status_code
        == 404
    )
