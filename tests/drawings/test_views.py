"""The drawings pages and API: uploads with their limits, what is served and how, the marks on
previews, sharing, the log, and the query counts of the drawing lists."""

from __future__ import annotations

import io
import json

import pytest
from django.test import RequestFactory
from django.utils import translation
from PIL import Image

from drawings import services, views
from drawings.models import Drawing, DrawingAccessLog, DrawingRevision
from tests.conftest import client_for
from tests.drawings.conftest import add_drawing
from tests.drawings.files import HOSTILE, VALID, upload


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def english(user):
    client = client_for(user)
    client.cookies["shopnet_language"] = "en"
    return client


def upload_url(job) -> str:
    return f"/jobs/{job.uuid}/drawings/upload/"


def files(*kinds: str) -> list:
    return [upload(VALID[k][0], VALID[k][1]()) for k in kinds]


@pytest.fixture
def shared(chain, routed_job):
    """MR-1001 for the turning step, revisions A (PDF) then B (PNG); shared with the turner's
    order by default (its step uses it), downloads granted."""
    job, steps, orders = routed_job
    old = add_drawing(chain, job, "pdf", number="MR-1001", steps=[steps["L"]])
    rev = add_drawing(chain, job, "png", number="MR-1001")
    return job, steps, orders, old, rev


# --- uploading -----------------------------------------------------------------------------------


def test_the_plain_form_uploads_several_files_at_once(chain, routed_job):
    job, steps, _orders = routed_job
    response = english(chain.hub_owner).post(
        upload_url(job), {"files": files("pdf", "tiff", "dxf", "step"), "steps": [steps["L"].pk]}
    )
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.uuid}/drawings/"
    numbers = set(Drawing.objects.filter(job=job).values_list("number", flat=True))
    assert numbers == {"MR-1001", "scan-MR-3003", "MR-4004", "MR-5005"}
    assert all(set(d.steps.all()) == {steps["L"]} for d in Drawing.objects.filter(job=job))
    page = english(chain.hub_owner).get(f"/jobs/{job.uuid}/drawings/").content.decode()
    assert "MR-1001" in page and "シャフト" in page  # the STEP product name is shown
    assert 'capture="environment"' in page and "multiple" in page


def test_a_script_sends_one_file_with_its_number_and_gets_json(chain, routed_job):
    job, _steps, _orders = routed_job
    response = english(chain.hub_owner).post(
        upload_url(job),
        {"files": files("png"), "number": "ＭＲ－77", "revision": "C"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == []
    assert (body["uploaded"][0]["number"], body["uploaded"][0]["revision"]) == ("MR-77", "C")


def test_one_bad_file_does_not_stop_the_others_nor_leave_anything(chain, routed_job):
    job, _steps, _orders = routed_job
    bad = upload("evil.png", HOSTILE["svg"][1]())
    response = english(chain.hub_owner).post(
        upload_url(job), {"files": [*files("png"), bad]}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert [u["number"] for u in body["uploaded"]] == ["MR-2002"]
    assert body["errors"][0]["file"] == "evil.png" and "SVG" in body["errors"][0]["message"]
    assert DrawingRevision.objects.count() == 1


def test_an_existing_revision_is_refused_with_a_message_and_the_form_kept(chain, routed_job):
    job, _steps, _orders = routed_job
    add_drawing(chain, job, "png", number="MR-1", label="A")
    response = english(chain.hub_owner).post(
        upload_url(job), {"files": files("png"), "number": "MR-1", "revision": "A"}
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert DrawingRevision.objects.count() == 1


def test_a_file_over_the_limit_is_stopped_while_it_streams_in(chain, routed_job, settings):
    job, _steps, _orders = routed_job
    settings.DRAWINGS_MAX_UPLOAD_BYTES = 60_000  # the DXF is about 55 kB
    big = upload("big.png", VALID["png"][1]() + b"\0" * 70_000)
    response = english(chain.hub_owner).post(
        upload_url(job), {"files": [big, *files("dxf")]}, HTTP_ACCEPT="application/json"
    )
    body = response.json()
    assert response.status_code == 400
    assert body["errors"] == [
        {"file": "big.png", "message": "The file is too large. The limit is 0 MB per file."}
    ]
    assert [u["number"] for u in body["uploaded"]] == ["MR-4004"]


def test_too_many_files_in_one_request_are_refused(chain, routed_job, settings):
    job, _steps, _orders = routed_job
    settings.DRAWINGS_MAX_FILES_PER_REQUEST = 2
    response = english(chain.hub_owner).post(
        upload_url(job), {"files": files("png", "png", "png")}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert "Too many files" in response.json()["errors"][0]["message"]
    assert not DrawingRevision.objects.exists()


def test_a_2_gb_upload_is_refused_before_its_body_is_read(chain, routed_job):
    job, _steps, _orders = routed_job

    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body must not be read")

    request = RequestFactory().post(upload_url(job), data=b"", content_type="multipart/form-data")
    request.META["CONTENT_LENGTH"] = str(2 * 1024**3)
    request.META["wsgi.input"] = Unreadable()
    request._stream = Unreadable()
    request.user = chain.hub_owner
    request._dont_enforce_csrf_checks = True
    from django.contrib.messages.storage.fallback import FallbackStorage

    request.session = {}
    request._messages = FallbackStorage(request)
    response = views.drawing_upload(request, job_uuid=job.uuid)
    assert response.status_code == 413
    assert not DrawingRevision.objects.exists()


def test_an_empty_upload_and_a_get_are_refused(chain, routed_job):
    job, _steps, _orders = routed_job
    client = english(chain.hub_owner)
    assert client.post(upload_url(job), {}).status_code == 400
    assert client.get(upload_url(job)).status_code == 405


def test_nobody_but_the_hub_uploads(chain, routed_job):
    job, _steps, _orders = routed_job
    response = english(chain.turner_owner).post(upload_url(job), {"files": files("png")})
    assert response.status_code == 404
    assert not DrawingRevision.objects.exists()


# --- what is served and how ----------------------------------------------------------------------


def test_an_original_is_an_attachment_with_its_proven_type_and_nosniff(chain, routed_job):
    job, _steps, _orders = routed_job
    _filename, make = HOSTILE["polyglot_png_html"]
    revision = services.drawing_upload(
        job=job, actor=chain.hub_owner, upload=upload("page.html", make(), "text/html")
    )
    response = client_for(chain.hub_owner).get(f"/drawings/revisions/{revision.uuid}/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"  # never text/html
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == make()


def test_the_proxy_serves_originals_after_the_check(chain, shared, settings):
    _job, _steps, _orders, _old, rev = shared
    settings.PROTECTED_MEDIA_REDIRECT_PREFIX = "/_protected/"
    response = client_for(chain.turner_owner).get(f"/drawings/revisions/{rev.uuid}/download")
    assert response.status_code == 404  # not granted: no redirect either
    response = client_for(chain.hub_owner).get(f"/drawings/revisions/{rev.uuid}/download")
    assert response["X-Accel-Redirect"] == "/_protected/" + rev.file.name
    assert response.content == b""
    assert response["Content-Type"] == "image/png"


def test_a_polyglot_preview_is_a_re_encoded_image(chain, routed_job):
    job, _steps, _orders = routed_job
    revision = services.drawing_upload(
        job=job, actor=chain.hub_owner, upload=upload("x.png", HOSTILE["polyglot_png_html"][1]())
    )
    response = client_for(chain.hub_owner).get(f"/drawings/revisions/{revision.uuid}/pages/1")
    assert response["Content-Type"] == "image/png"
    assert b"<html" not in response.content and b"<script" not in response.content


def preview(client, revision, page=1) -> Image.Image:
    response = client.get(f"/drawings/revisions/{revision.uuid}/pages/{page}")
    assert response.status_code == 200, response.status_code
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def differing_quadrants(a: Image.Image, b: Image.Image) -> int:
    """In how many quadrants of the page the two images differ (a mark across the page: 4)."""
    a, b = a.convert("L"), b.convert("L")
    w, h = a.size
    count = 0
    for box in (
        (0, 0, w // 2, h // 2),
        (w // 2, 0, w, h // 2),
        (0, h // 2, w // 2, h),
        (w // 2, h // 2, w, h),
    ):
        diff = [
            abs(p - q) for p, q in zip(a.crop(box).tobytes(), b.crop(box).tobytes(), strict=True)
        ]
        if sum(1 for d in diff if d > 8) > 200:
            count += 1
    return count


def test_a_suppliers_preview_carries_its_workshop_and_the_date(chain, shared):
    _job, _steps, _orders, _old, rev = shared
    hub = preview(client_for(chain.hub_owner), rev)
    supplier = preview(client_for(chain.turner_owner), rev)
    assert hub.size == supplier.size
    assert "shopnet-viewer" not in hub.info
    from django.utils import timezone

    assert supplier.info["shopnet-viewer"] == f"田中旋盤  {timezone.localdate().isoformat()}"
    # Across the whole page, not in a corner that can be cropped away.
    assert differing_quadrants(hub, supplier) == 4


def test_floor_staff_previews_carry_their_shops_name(chain, shared):
    _job, _steps, orders, _old, rev = shared
    services.order_drawings_set(
        order=orders["top"], actor=chain.hub_owner, drawings=[rev.drawing], reshare=True
    )
    services.order_drawings_set(
        order=orders["sub"], actor=chain.turner_owner, drawings=[rev.drawing]
    )
    image = preview(client_for(chain.grinder_floor), rev)
    assert image.info["shopnet-viewer"].startswith("松本研削")


def test_a_superseded_revision_is_marked_on_every_preview(chain, shared):
    _job, _steps, _orders, old, rev = shared
    client = client_for(chain.hub_owner)
    old_page = preview(client, old)
    assert old_page.info.get("shopnet-status") == "superseded"
    assert "shopnet-status" not in preview(client, rev).info
    # A red stamp in the top-left corner.
    red = old_page.convert("RGB").getpixel((old_page.width // 100, old_page.height // 100))
    assert red[0] > 150 and red[1] < 80 and red[2] < 80
    thumb = client.get(f"/drawings/revisions/{old.uuid}/thumbnail")
    assert Image.open(io.BytesIO(thumb.content)).info.get("shopnet-status") == "superseded"
    viewer = english(chain.turner_owner).get(f"/drawings/revisions/{old.uuid}/").content.decode()
    assert "旧版 / SUPERSEDED" in viewer and "current revision is B" in viewer


def test_a_dxf_preview_is_our_own_svg_marked_for_the_viewer(chain, routed_job):
    job, steps, _orders = routed_job
    revision = add_drawing(chain, job, "dxf", steps=[steps["L"]])
    response = client_for(chain.turner_owner).get(f"/drawings/revisions/{revision.uuid}/pages/1")
    assert response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]
    body = response.content.decode()
    assert "<script" not in body and "shopnet-watermark" in body and "田中旋盤" in body
    hub = client_for(chain.hub_owner).get(f"/drawings/revisions/{revision.uuid}/pages/1")
    assert "shopnet-watermark" not in hub.content.decode()


def test_a_repeated_preview_request_is_answered_from_the_tablets_cache(chain, shared):
    _job, _steps, _orders, _old, rev = shared
    client = client_for(chain.turner_owner)
    first = client.get(f"/drawings/revisions/{rev.uuid}/pages/1")
    again = client.get(f"/drawings/revisions/{rev.uuid}/pages/1", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    # The hub's copy is another picture: another tag.
    assert (
        client_for(chain.hub_owner).get(f"/drawings/revisions/{rev.uuid}/pages/1")["ETag"]
        != first["ETag"]
    )


def test_a_page_past_the_last_is_not_found(chain, shared):
    _job, _steps, _orders, old, _rev = shared
    client = client_for(chain.hub_owner)
    assert client.get(f"/drawings/revisions/{old.uuid}/pages/2").status_code == 200
    assert client.get(f"/drawings/revisions/{old.uuid}/pages/3").status_code == 404
    assert client.get(f"/drawings/revisions/{old.uuid}/pages/0").status_code == 404


def test_the_viewer_has_big_controls_and_pages(chain, shared):
    _job, _steps, _orders, old, _rev = shared
    page = english(chain.turner_owner).get(f"/drawings/revisions/{old.uuid}/").content.decode()
    for control in ("data-viewer-prev", "data-viewer-next", "data-viewer-in", "data-viewer-out"):
        assert control in page
    assert f"/drawings/revisions/{old.uuid}/pages/2" in page
    assert "Marked with your workshop" in page
    assert english(chain.turner_owner).post(f"/drawings/revisions/{old.uuid}/").status_code == 405


# --- the log and sharing -------------------------------------------------------------------------


def test_views_and_downloads_are_in_the_hubs_log(chain, shared):
    job, _steps, orders, _old, rev = shared
    services.order_drawings_set(
        order=orders["top"], actor=chain.hub_owner, drawings=[rev.drawing], download=True
    )
    client = client_for(chain.turner_owner)
    client.get(f"/drawings/revisions/{rev.uuid}/")
    client.get(f"/drawings/revisions/{rev.uuid}/pages/1")
    client.get(f"/drawings/revisions/{rev.uuid}/download")
    log = list(DrawingAccessLog.objects.values_list("action", "workshop__name", "revision_id"))
    assert sorted(log) == [("download", "田中旋盤", rev.pk), ("view", "田中旋盤", rev.pk)]
    page = english(chain.hub_owner).get(f"/jobs/{job.uuid}/drawings/log/").content.decode()
    assert "田中旋盤 社長" in page and "Downloaded" in page
    assert english(chain.turner_owner).get(f"/jobs/{job.uuid}/drawings/log/").status_code == 404


def test_the_hub_chooses_an_orders_drawings_on_its_page(chain, shared):
    job, _steps, orders, _old, rev = shared
    url = f"/orders/{orders['plating'].uuid}/drawings/"
    client = english(chain.hub_owner)
    assert "May download" in client.get(url).content.decode()
    response = client.post(url, {"drawings": [rev.drawing.pk], "download": "on"})
    assert response.status_code == 302
    assert (
        client_for(chain.plater_owner).get(f"/drawings/revisions/{rev.uuid}/download").status_code
        == 200
    )
    assert job.events.order_by("-seq").first().kind == "drawing.shared"


def test_a_supplier_passes_drawings_on_without_deciding_permissions(chain, shared):
    _job, _steps, orders, _old, rev = shared
    url = f"/orders/{orders['sub'].uuid}/drawings/"
    assert english(chain.turner_owner).get(url).status_code == 404  # not allowed yet
    services.order_drawings_set(
        order=orders["top"], actor=chain.hub_owner, drawings=[rev.drawing], reshare=True
    )
    page = english(chain.turner_owner).get(url).content.decode()
    assert "May download" not in page
    english(chain.turner_owner).post(url, {"drawings": [rev.drawing.pk], "download": "on"})
    assert (
        client_for(chain.grinder_owner).get(f"/drawings/revisions/{rev.uuid}/").status_code == 200
    )
    assert (
        client_for(chain.grinder_owner).get(f"/drawings/revisions/{rev.uuid}/download").status_code
        == 404
    )


def test_the_hub_links_a_drawing_to_steps(chain, shared):
    _job, steps, _orders, _old, rev = shared
    response = english(chain.hub_owner).post(
        f"/drawings/{rev.drawing.uuid}/steps/", {"steps": [steps["PLT"].pk]}
    )
    assert response.status_code == 302
    assert client_for(chain.plater_owner).get(f"/drawings/revisions/{rev.uuid}/").status_code == 200
    assert client_for(chain.turner_owner).get(f"/drawings/revisions/{rev.uuid}/").status_code == 404


# --- the API -------------------------------------------------------------------------------------


def test_the_api_lists_uploads_and_serves_like_the_pages(chain, routed_job):
    job, steps, _orders = routed_job
    client = client_for(chain.hub_owner)
    response = client.post(
        "/api/v1/drawings/",
        {
            "job": str(job.uuid),
            "file": upload("x.bin", VALID["tiff"][1]()),
            "number": "MR-9",
            "steps": [str(steps["L"].uuid)],
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["revision"], created["type"], created["pages"]) == ("A", "tiff", 3)
    listing = client_for(chain.turner_owner).get(f"/api/v1/drawings/?job={job.uuid}").json()
    assert [d["number"] for d in listing] == ["MR-9"]
    assert listing[0]["current"]["download"] is None
    preview = client_for(chain.turner_owner).get(listing[0]["current"]["preview"])
    assert preview["Content-Type"] == "image/png"
    assert "shopnet-viewer" in Image.open(io.BytesIO(preview.content)).info
    revisions = client.get(f"/api/v1/drawings/{listing[0]['uuid']}/revisions/").json()
    assert [r["revision"] for r in revisions] == ["A"]
    assert client.get(revisions[0]["download"])["Content-Disposition"].startswith("attachment")


def test_the_api_refuses_bad_files_with_a_message(chain, routed_job):
    job, _steps, _orders = routed_job
    client = english(chain.hub_owner)
    response = client.post(
        "/api/v1/drawings/", {"job": str(job.uuid), "file": upload("a.pdf", HOSTILE["eps"][1]())}
    )
    assert response.status_code == 400
    assert "PostScript" in json.dumps(response.json())
    assert client.get("/api/v1/drawings/").status_code == 400  # which job?
    assert not DrawingRevision.objects.exists()


# --- query counts --------------------------------------------------------------------------------


def many_drawings(chain, job, steps, n: int) -> None:
    for i in range(n):
        add_drawing(chain, job, "png", number=f"D-{i}", steps=[steps["L"]])
        add_drawing(chain, job, "png", number=f"D-{i}")


@pytest.mark.parametrize("n", [2, 8])
def test_the_drawing_list_takes_a_fixed_number_of_queries(
    chain, routed_job, django_assert_num_queries, n
):
    job, steps, _orders = routed_job
    many_drawings(chain, job, steps, n)
    hub, supplier = client_for(chain.hub_owner), client_for(chain.turner_owner)
    # session, user; the job; access to the job (memberships, orders, order steps, steps);
    # sharing (live orders, policies, shares, order steps, drawings' steps); the drawings; their
    # revisions; the navigation's memberships; the upload form's steps (exists, then the list).
    with django_assert_num_queries(17):
        assert hub.get(f"/jobs/{job.uuid}/drawings/").status_code == 200
    # The same without the upload form, and the supplier's invitations to open postings.
    with django_assert_num_queries(16):
        page = supplier.get(f"/jobs/{job.uuid}/drawings/")
    assert page.content.decode().count("drawing-card") == n
    # The API: no navigation, no form.
    with django_assert_num_queries(15):
        listing = supplier.get(f"/api/v1/drawings/?job={job.uuid}")
    assert len(listing.json()) == n
