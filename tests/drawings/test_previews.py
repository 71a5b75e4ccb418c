"""Previews: made once per revision in a child process with limits, for every supported type."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from drawings import previews, services
from drawings.models import DrawingRevision, PreviewStatus
from tests.drawings.conftest import add_drawing
from tests.drawings.files import VALID, upload

EXPECTED = {
    "pdf": ("image/png", 2),
    "png": ("image/png", 1),
    "jpeg": ("image/jpeg", 1),
    "tiff": ("image/png", 3),
    "dxf": ("image/svg+xml", 1),
    "step": ("image/png", 1),
}


@pytest.fixture
def isolated(settings):
    settings.DRAWINGS_PREVIEW_ISOLATED = True
    settings.DRAWINGS_PREVIEW_TIMEOUT = 120  # a slow test machine must not fail the test


@pytest.mark.parametrize("kind", list(VALID))
def test_the_worker_makes_a_thumbnail_and_every_page(chain, routed_job, isolated, kind):
    job, _steps, _orders = routed_job
    revision = previews.make_previews(add_drawing(chain, job, kind))
    media, pages = EXPECTED[kind]
    assert revision.preview_status == PreviewStatus.READY, revision.preview_error
    assert revision.previews["media"] == media
    assert len(revision.previews["pages"]) == pages
    for name in [*revision.previews["pages"], revision.previews["thumbnail"]]:
        assert default_storage.exists(name)
    if media != "image/svg+xml":
        with default_storage.open(revision.previews["thumbnail"]) as handle:
            thumb = Image.open(io.BytesIO(handle.read()))
        assert max(thumb.size) <= 480
        with default_storage.open(revision.previews["pages"][0]) as handle:
            page = Image.open(io.BytesIO(handle.read()))
        assert max(page.size) <= 2400


def test_a_dxf_preview_draws_its_japanese_text_with_the_bundled_font(chain, routed_job):
    job, _steps, _orders = routed_job
    revision = previews.make_previews(add_drawing(chain, job, "dxf"))
    with default_storage.open(revision.previews["pages"][0]) as handle:
        svg = handle.read().decode()
    # White paper; the text drawn as filled outlines (no <text>, no font needed on the tablet).
    assert '<rect fill="#ffffff"' in svg
    assert "<text" not in svg and "<script" not in svg and "href" not in svg
    outlines = [part for part in svg.split("<path") if 'class="C' in part]
    assert max(len(p) for p in outlines) > 5000  # the glyphs of a line of Japanese


def test_a_pdf_page_shows_its_text(chain, routed_job):
    job, _steps, _orders = routed_job
    revision = previews.make_previews(add_drawing(chain, job, "pdf"))
    with default_storage.open(revision.previews["pages"][0]) as handle:
        page = Image.open(io.BytesIO(handle.read())).convert("L")
    # The title line near the top-left is drawn (dark pixels), the middle of the sheet is white.
    title = page.crop(
        (
            int(page.width * 0.06),
            int(page.height * 0.08),
            int(page.width * 0.5),
            int(page.height * 0.16),
        )
    )
    assert min(title.tobytes()) < 80
    assert page.getpixel((page.width // 4, page.height * 3 // 4)) > 240


def test_previews_are_made_once(chain, routed_job, monkeypatch):
    job, _steps, _orders = routed_job
    revision = previews.make_previews(add_drawing(chain, job, "png"))
    monkeypatch.setattr(previews, "_run_in_process", lambda job: pytest.fail("rendered again"))
    assert previews.make_previews(revision).previews == revision.previews
    assert previews.ensure_previews(revision).previews == revision.previews


def test_a_file_too_big_for_the_memory_limit_gets_no_preview(chain, routed_job, isolated, settings):
    """144 million pixels decode to 144 MB: more than a 100 MB address space allows. The child
    dies; the request that asked, and the server, do not."""
    job, _steps, _orders = routed_job
    image = Image.new("L", (12_000, 12_000), 255)
    out = io.BytesIO()
    image.save(out, "PNG")
    revision = services.drawing_upload(
        job=job, actor=chain.hub_owner, upload=upload("big.png", out.getvalue())
    )
    settings.DRAWINGS_PREVIEW_MEMORY_MB = 100
    revision = previews.make_previews(revision)
    assert revision.preview_status == PreviewStatus.FAILED
    assert revision.previews == {}
    assert revision.preview_error


def test_a_render_past_its_time_gets_no_preview(chain, routed_job, isolated, monkeypatch):
    job, _steps, _orders = routed_job
    revision = add_drawing(chain, job, "png")

    def too_slow(*args, **kwargs):
        raise subprocess.TimeoutExpired(args[0], kwargs["timeout"])

    monkeypatch.setattr(previews.subprocess, "run", too_slow)
    revision = previews.make_previews(revision)
    assert (revision.preview_status, revision.preview_error) == (PreviewStatus.FAILED, "timeout")


def test_the_viewer_offers_the_original_when_there_is_no_preview(chain, routed_job, monkeypatch):
    from tests.conftest import client_for

    job, _steps, _orders = routed_job
    revision = add_drawing(chain, job, "png")
    monkeypatch.setattr(previews, "_run_in_process", lambda job: {"error": "broken"})
    client = client_for(chain.hub_owner)
    client.cookies["shopnet_language"] = "en"
    page = client.get(f"/drawings/revisions/{revision.uuid}/").content.decode()
    assert "No preview can be shown" in page and "/download" in page
    assert client.get(f"/drawings/revisions/{revision.uuid}/pages/1").status_code == 404


def test_the_command_makes_every_pending_preview(chain, routed_job, capsys):
    job, _steps, _orders = routed_job
    for kind in ("png", "pdf", "step"):
        add_drawing(chain, job, kind)
    call_command("make_previews")
    assert "3 made, 0 without preview" in capsys.readouterr().out
    assert set(DrawingRevision.objects.values_list("preview_status", flat=True)) == {"ready"}
    call_command("make_previews")
    assert "0 made" in capsys.readouterr().out


def test_the_command_tries_failed_ones_again_when_asked(chain, routed_job, capsys):
    job, _steps, _orders = routed_job
    revision = add_drawing(chain, job, "png")
    DrawingRevision.objects.filter(pk=revision.pk).update(preview_status=PreviewStatus.FAILED)
    call_command("make_previews")
    assert "0 made" in capsys.readouterr().out
    call_command("make_previews", "--retry-failed")
    assert "1 made" in capsys.readouterr().out
