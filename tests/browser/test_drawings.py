"""On a tablet: the hub uploads two drawings with a progress bar each; a supplier opens the
viewer, zooms and turns the page with big buttons."""

from __future__ import annotations

import pytest

from drawings.models import DrawingRevision
from tests.browser.test_job_flow import sign_in_as
from tests.drawings.conftest import add_drawing
from tests.drawings.files import VALID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _previews_in_process(settings):
    settings.DRAWINGS_PREVIEW_ISOLATED = False


def test_the_hub_uploads_several_files_with_progress(
    live_server, tablet, chain, routed_job, tmp_path
):
    job, _steps, _orders = routed_job
    paths = []
    for kind in ("pdf", "dxf"):
        name, make = VALID[kind]
        path = tmp_path / name
        path.write_bytes(make())
        paths.append(str(path))
    page = tablet.new_page()
    sign_in_as(page, live_server, chain.hub_owner)
    page.goto(f"{live_server.url}/jobs/{job.uuid}/drawings/")
    page.set_input_files("input[data-file-input][multiple]", paths)
    rows = page.locator("[data-queue] li")
    assert rows.count() == 2
    assert rows.nth(0).locator("[data-number]").input_value() == "MR-1001"
    assert rows.nth(0).locator("[data-revision]").input_value() == "A"
    page.locator("[data-upload-submit]").click()
    page.wait_for_function(
        "document.querySelectorAll('[data-queue] .upload-state.done').length === 2", timeout=30000
    )
    assert [p.get_attribute("value") for p in page.locator("[data-queue] progress").all()] == [
        "100",
        "100",
    ]
    assert set(DrawingRevision.objects.values_list("drawing__number", flat=True)) == {
        "MR-1001",
        "MR-4004",
    }


def test_a_supplier_zooms_and_turns_pages_in_the_viewer(live_server, tablet, chain, routed_job):
    job, steps, _orders = routed_job
    revision = add_drawing(chain, job, "tiff", steps=[steps["L"]])
    page = tablet.new_page()
    sign_in_as(page, live_server, chain.turner_owner)
    page.goto(f"{live_server.url}/drawings/revisions/{revision.uuid}/")
    image = page.locator("[data-viewer-image]")
    page.wait_for_function("document.querySelector('[data-viewer-image]').naturalWidth > 0")
    before = image.bounding_box()["width"]
    page.locator("[data-viewer-in]").click()
    assert image.bounding_box()["width"] > before * 1.4
    page.locator("[data-viewer-next]").click()
    assert page.locator("[data-viewer-status]").inner_text() == "2 / 3"
    assert image.get_attribute("src").endswith("/pages/2")
    for button in page.locator(".viewer-tools button").all():
        box = button.bounding_box()
        assert box["width"] >= 48 and box["height"] >= 48
