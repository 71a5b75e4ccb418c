"""The API docs page renders in Chromium from our own files under the site's CSP, and the
integration pages (tokens, webhooks) log no violation either."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import test_csp
from tests.browser.test_csp import visit
from tests.browser.test_job_flow import sign_in_as

watched = test_csp.watched  # the fixture: a page that records CSP violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_without_a_csp_violation(asgi_live_server, watched, chain):
    page, console = watched
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    base = asgi_live_server.url
    visit(page, console, f"{base}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("shopnet API")
    expect(page.locator(".swagger-ui .info")).to_contain_text("Idempotency-Key")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.evaluate("window.__cspViolations") == [] and console == []
    assert requested and all(url.startswith(base) or url.startswith("data:") for url in requested)


def test_the_integration_pages_show_no_csp_violation(asgi_live_server, watched, chain):
    page, console = watched
    sign_in_as(page, asgi_live_server, chain.hub_owner)
    base = asgi_live_server.url
    visit(page, console, f"{base}/workshops/{chain.hub.uuid}/tokens/")
    visit(page, console, f"{base}/workshops/{chain.hub.uuid}/webhooks/")
