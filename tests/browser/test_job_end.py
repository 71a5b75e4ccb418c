"""The hub cancels a job on a tablet: the button on the job page, the confirmation page that
says what will happen (reasons as large chips, the suppliers' agreement), every error at once,
then the cancelled job. Portrait and landscape, in Japanese."""

from __future__ import annotations

import pytest

from orders.models import JobStatus, OrderStatus
from tests.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, tap_and_wait
from tests.browser.test_floor_live import signed_in_page
from tests.browser.test_workshop_search import assert_touch_targets
from tests.orders.conftest import refreshed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "viewport", [TABLET_LANDSCAPE, TABLET_PORTRAIT], ids=["landscape", "portrait"]
)
def test_the_hub_cancels_a_job_after_confirming(live_server, browser, chain, routed_job, viewport):
    job, _steps, orders = routed_job
    context, page = signed_in_page(browser, live_server, chain.hub_owner, viewport)
    page.goto(f"{live_server.url}/jobs/{job.uuid}/")
    tap_and_wait(page, page.locator("a.button", has_text="案件を中止"))
    assert_touch_targets(page)
    form = page.locator("main form")
    assert "田中旋盤" in page.locator(".job-end").inner_text()

    # Nothing chosen: both problems are shown at once, nothing is written.
    tap_and_wait(page, form.locator("button[type=submit]"))
    assert "理由を選んでください。" in page.inner_text("main")
    assert "合意" in page.locator(".job-end-agree .errorlist").inner_text()
    assert refreshed(job).status == JobStatus.OPEN

    page.locator("label", has_text="顧客が注文を取り消した").tap()
    page.locator(".job-end-agree label").tap()
    page.fill("textarea[name=note]", "先方の計画変更")
    assert_touch_targets(page)
    tap_and_wait(page, form.locator("button[type=submit]"))

    assert page.url == f"{live_server.url}/jobs/{job.uuid}/"
    assert "案件を中止しました。" in page.inner_text("main")
    assert "顧客が注文を取り消した" in page.locator(".job-end-reason").inner_text()
    assert refreshed(job).status == JobStatus.CANCELLED
    assert refreshed(orders["top"]).status == OrderStatus.CANCELLED
    assert page.locator("a.button", has_text="案件を中止").count() == 0
    context.close()
