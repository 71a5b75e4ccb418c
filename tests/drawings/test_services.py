"""Uploads, revisions, sharing and the access log: what the services write and what they refuse."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from core.services import Refused
from drawings import services
from drawings.models import (
    Drawing,
    DrawingAccessLog,
    DrawingRevision,
    DrawingShare,
    OrderDrawingPolicy,
)
from drawings.selectors import drawing_access, job_sharing
from orders.models import ProgressEvent
from orders.services.routing import order_request, order_withdraw
from tests.drawings.conftest import add_drawing
from tests.drawings.files import HOSTILE, VALID, upload

WRITTEN = (Drawing, DrawingRevision, DrawingShare, OrderDrawingPolicy, DrawingAccessLog)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def db_state() -> dict:
    state = {m.__name__: list(m.objects.order_by("pk").values()) for m in WRITTEN}
    state["steps"] = sorted(Drawing.steps.through.objects.values_list("drawing_id", "step_id"))
    state["events"] = list(
        ProgressEvent.objects.order_by("pk").values_list("job_id", "seq", "kind")
    )
    state["files"] = stored_files()
    return state


@contextmanager
def refused(*words: str):
    """The block raises Refused naming each of `words`, and nothing at all was written: no
    rows, no event, no file left in storage."""
    before = db_state()
    with pytest.raises(Refused) as info:
        yield info
    message = " ".join(info.value.messages)
    for word in words:
        assert word.lower() in message.lower(), message
    assert db_state() == before


# --- uploads of every accepted type ------------------------------------------------------------


@pytest.mark.parametrize("kind", list(VALID))
def test_it_accepts_every_supported_type_decided_from_its_content(chain, routed_job, kind):
    job, _steps, _orders = routed_job
    filename, make = VALID[kind]
    data = make()
    # The name and declared type lie on purpose: only the content decides.
    revision = services.drawing_upload(
        job=job,
        actor=chain.hub_owner,
        upload=upload(filename.rsplit(".", 1)[0] + ".bin", data, "text/html"),
    )
    assert revision.kind == kind
    assert revision.is_current and revision.label == "A"
    assert revision.size == len(data)
    assert revision.original_name.endswith(".bin")
    # Stored under a random name with the extension of the proven type, never the user's name.
    assert "MR-" not in revision.file.name and revision.file.name.startswith("drawings/originals/")
    with revision.file.open("rb") as handle:
        assert handle.read() == data
    event = job.events.order_by("-seq").first()
    assert event.kind == "drawing.added"
    assert event.data["number"] == revision.drawing.number
    assert event.data["label"] == "A"


def test_it_prefills_the_drawing_number_and_revision_from_the_file_name(chain, routed_job):
    job, _steps, _orders = routed_job
    revision = add_drawing(chain, job, "pdf", name="ＭＲ－1001_revB.pdf")
    assert revision.drawing.number == "MR-1001"
    assert revision.label == "B"
    assert revision.page_count == 2


def test_a_step_files_header_gives_its_product_name_and_units(chain, routed_job):
    job, _steps, _orders = routed_job
    revision = add_drawing(chain, job, "step")
    assert revision.info["product"] == "シャフト"
    assert revision.info["product_id"] == "MR-1001"
    assert revision.info["units"] == "mm"
    assert revision.info["schema"] == "AUTOMOTIVE_DESIGN"


def test_a_multi_page_group4_tiff_counts_its_pages(chain, routed_job):
    job, _steps, _orders = routed_job
    revision = add_drawing(chain, job, "tiff")
    assert revision.page_count == 3
    assert revision.info["compression"] == "group4"
    assert revision.info["dpi"] == 400


def test_a_dxf_files_units_are_read(chain, routed_job):
    job, _steps, _orders = routed_job
    revision = add_drawing(chain, job, "dxf")
    assert revision.info["units"] == "mm"
    assert revision.info["entities"] >= 4


# --- revisions -----------------------------------------------------------------------------------


def test_a_new_revision_becomes_current_and_the_old_one_is_superseded(chain, routed_job):
    job, _steps, _orders = routed_job
    first = add_drawing(chain, job, "pdf", number="MR-1001")
    second = add_drawing(chain, job, "png", number="MR-1001")
    first.refresh_from_db()
    assert second.label == "B" and second.is_current
    assert not first.is_current and first.superseded_at == second.created_at
    assert second.drawing_id == first.drawing_id
    event = job.events.order_by("-seq").first()
    assert event.kind == "drawing.revised"
    assert (event.data["label"], event.data["superseded"]) == ("B", "A")
    # Still readable: the old file is kept.
    assert first.file.storage.exists(first.file.name)


def test_it_continues_the_shops_own_revision_scheme(chain, routed_job):
    job, _steps, _orders = routed_job
    add_drawing(chain, job, "png", number="K-7", label="01")
    assert add_drawing(chain, job, "png", number="K-7").label == "02"
    assert services.next_label(["Z"]) == "AA"
    assert services.next_label(["AZ"]) == "BA"
    assert services.next_label(["9"]) == "10"
    assert services.next_label([]) == "A"


def test_it_refuses_a_revision_that_already_exists_and_keeps_the_first(chain, routed_job):
    job, _steps, _orders = routed_job
    first = add_drawing(chain, job, "pdf", number="MR-1001", label="B")
    with refused("revision b", "already exists"):
        add_drawing(chain, job, "png", number="MR-1001", label="b")
    first.refresh_from_db()
    assert first.is_current


@pytest.mark.parametrize(
    "number", ["../etc/passwd", "MR/1001", "MR\\1001", "..", "a..b", "MR\x001001", "  "]
)
def test_it_refuses_a_drawing_number_that_could_be_a_path(chain, routed_job, number):
    job, _steps, _orders = routed_job
    with refused():
        add_drawing(chain, job, "png", number=number)


@pytest.mark.parametrize("label", ["A/B", "..", "A B", "x" * 21])
def test_it_refuses_a_bad_revision_mark(chain, routed_job, label):
    job, _steps, _orders = routed_job
    with refused("revision"):
        add_drawing(chain, job, "png", number="MR-1", label=label)


# --- what is refused ----------------------------------------------------------------------------

REFUSED_HOSTILE = {
    "svg": "svg",
    "svg_as_png": "svg",
    "html_as_pdf": "html",
    "pixel_bomb": "pixels",
    "zip_bomb": "archives",
    "executable": "programs",
    "eps": "postscript",
    "eps_as_pdf": "postscript",
    "truncated_pdf": "damaged",
    "corrupt_png": "damaged",
    "empty": "empty",
    "text": "not accepted",
}


@pytest.mark.parametrize("name", list(REFUSED_HOSTILE))
def test_it_refuses_hostile_and_broken_files_and_writes_nothing(chain, routed_job, name):
    job, _steps, _orders = routed_job
    add_drawing(chain, job, "pdf", number="MR-1001")  # what is there stays there
    filename, make = HOSTILE[name]
    with refused(REFUSED_HOSTILE[name]):
        services.drawing_upload(
            job=job, actor=chain.hub_owner, upload=upload(filename, make(), "application/pdf")
        )


def test_a_png_that_is_also_html_is_kept_as_a_png(chain, routed_job):
    job, _steps, _orders = routed_job
    filename, make = HOSTILE["polyglot_png_html"]
    revision = services.drawing_upload(
        job=job, actor=chain.hub_owner, upload=upload(filename, make(), "text/html")
    )
    assert revision.kind == "png" and revision.content_type == "image/png"


def test_it_refuses_a_file_over_the_size_limit_without_storing_it(chain, routed_job, settings):
    job, _steps, _orders = routed_job
    settings.DRAWINGS_MAX_UPLOAD_BYTES = 10_000
    with refused("too large", "limit"):
        add_drawing(chain, job, "pdf")


@pytest.mark.parametrize("who", ["turner_owner", "grinder_floor", "hub_floor", "stranger_owner"])
def test_only_the_hubs_managers_upload(chain, routed_job, who):
    job, _steps, _orders = routed_job
    with refused("only an owner or manager"):
        services.drawing_upload(
            job=job, actor=getattr(chain, who), upload=upload("MR-1.png", VALID["png"][1]())
        )


def test_a_failed_write_removes_the_stored_file(chain, routed_job, monkeypatch):
    job, _steps, _orders = routed_job

    def broken(job, kind, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "append_event", broken)
    before = db_state()
    with pytest.raises(RuntimeError):
        add_drawing(chain, job, "png")
    assert db_state() == before


# --- the steps a drawing is for, and sharing ------------------------------------------------


def test_an_order_shows_its_supplier_the_drawings_its_steps_reference(chain, routed_job):
    job, steps, orders = routed_job
    turning = add_drawing(chain, job, "pdf", number="MR-1001", steps=[steps["L"]]).drawing
    plating = add_drawing(chain, job, "png", number="MR-PLT", steps=[steps["PLT"]]).drawing
    loose = add_drawing(chain, job, "dxf", number="MR-ASM").drawing
    sharing = job_sharing(job)
    assert sharing.shown(orders["top"].pk) == {turning.pk}
    assert sharing.shown(orders["plating"].pk) == {plating.pk}
    # A sub-order sees nothing until the supplier passes drawings on, where the hub allows it.
    assert sharing.shown(orders["sub"].pk) == set()
    assert loose.pk not in set().union(*(sharing.shown(o) for o in sharing.orders))


def test_the_hub_chooses_drawings_and_permissions_per_order(chain, routed_job):
    job, steps, orders = routed_job
    turning = add_drawing(chain, job, "pdf", number="MR-1001", steps=[steps["L"]]).drawing
    other = add_drawing(chain, job, "png", number="MR-2").drawing
    services.order_drawings_set(
        order=orders["top"], actor=chain.hub_owner, drawings=[other], download=True, reshare=True
    )
    sharing = job_sharing(job)
    assert sharing.shown(orders["top"].pk) == {other.pk}
    assert sharing.downloadable(orders["top"].pk) == {other.pk}
    assert turning.pk not in sharing.shown(orders["top"].pk)
    event = job.events.order_by("-seq").first()
    assert (event.kind, event.order_id) == ("drawing.shared", orders["top"].pk)
    assert event.data == {"drawings": 1, "download": True, "reshare": True}


def test_a_supplier_passes_drawings_on_only_where_the_hub_allowed(chain, routed_job):
    job, steps, orders = routed_job
    turning = add_drawing(chain, job, "pdf", number="MR-1001", steps=[steps["L"]]).drawing
    secret = add_drawing(chain, job, "png", number="MR-SECRET").drawing
    with refused("not allowed passing drawings on"):
        services.order_drawings_set(
            order=orders["sub"], actor=chain.turner_owner, drawings=[turning]
        )
    services.order_drawings_set(
        order=orders["top"], actor=chain.hub_owner, drawings=[turning], reshare=True
    )
    with refused("only drawings shared with your own order"):
        services.order_drawings_set(
            order=orders["sub"], actor=chain.turner_owner, drawings=[secret]
        )
    with refused("only the hub decides"):
        services.order_drawings_set(
            order=orders["sub"], actor=chain.turner_owner, drawings=[turning], download=True
        )
    services.order_drawings_set(order=orders["sub"], actor=chain.turner_owner, drawings=[turning])
    assert job_sharing(job).shown(orders["sub"].pk) == {turning.pk}
    # The hub takes re-sharing back: the sub-supplier sees nothing any more.
    services.order_drawings_set(
        order=orders["top"], actor=chain.hub_owner, drawings=[turning], reshare=False
    )
    assert job_sharing(job).shown(orders["sub"].pk) == set()


@pytest.mark.parametrize("who", ["grinder_owner", "plater_owner", "turner_floor", "stranger_owner"])
def test_others_cannot_choose_an_orders_drawings(chain, routed_job, who):
    job, steps, orders = routed_job
    drawing = add_drawing(chain, job, "pdf", steps=[steps["L"]]).drawing
    with refused():
        services.order_drawings_set(
            order=orders["top"], actor=getattr(chain, who), drawings=[drawing]
        )


def test_a_withdrawn_order_shows_no_drawings(chain, routed_job):
    from tests.orders.conftest import add, terms

    job, _steps, _orders = routed_job
    extra = add(job, chain, "L", 1, title="追加工")
    drawing = add_drawing(chain, job, "pdf", steps=[extra]).drawing
    request = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.stranger, steps=[extra], terms=terms()
    )
    assert job_sharing(job).shown(request.pk) == {drawing.pk}
    order_withdraw(order=request, actor=chain.hub_owner)
    request.refresh_from_db()
    assert drawing_access(chain.stranger_owner, job).full_ids == set()
    with refused("withdrawn"):
        services.order_drawings_set(order=request, actor=chain.hub_owner, drawings=[drawing])


def test_linking_steps_changes_what_an_unchosen_order_shows(chain, routed_job):
    job, steps, orders = routed_job
    drawing = add_drawing(chain, job, "pdf").drawing
    assert job_sharing(job).shown(orders["plating"].pk) == set()
    services.drawing_set_steps(drawing=drawing, actor=chain.hub_owner, steps=[steps["PLT"]])
    assert job_sharing(job).shown(orders["plating"].pk) == {drawing.pk}
    assert job.events.order_by("-seq").first().kind == "drawing.linked"
    with refused():
        services.drawing_set_steps(drawing=drawing, actor=chain.turner_owner, steps=[])


# --- the access log ------------------------------------------------------------------------


def test_views_are_logged_once_per_window_and_every_download(chain, routed_job):
    job, _steps, _orders = routed_job
    revision = add_drawing(chain, job, "png")
    for _ in range(3):
        services.access_log_add(
            revision=revision, actor=chain.turner_owner, workshop=chain.turner, action="view"
        )
        services.access_log_add(
            revision=revision, actor=chain.turner_owner, workshop=chain.turner, action="download"
        )
    log = list(DrawingAccessLog.objects.values_list("action", "user_name", "workshop_id"))
    assert sorted(log) == sorted(
        [("view", "田中旋盤 社長", chain.turner.pk)]
        + [("download", "田中旋盤 社長", chain.turner.pk)] * 3
    )
