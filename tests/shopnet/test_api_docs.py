"""`/api/v1/docs/`: Swagger UI from our own static files, under the site's CSP, with the
error shape, idempotency keys and the event cursor explained in the schema it renders."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.test_csp import INLINE, policy


@pytest.mark.django_db
def test_the_docs_page_is_vendored_and_inline_free():
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for source in sources:
        assert source.startswith("/"), f"{source} is not served by us"
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source
    assert any("swagger-ui-bundle.js" in s for s in sources)
    assert [what for pattern, what in INLINE if pattern.search(html)] == []
    directives = policy(response)
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"


@pytest.mark.django_db
def test_its_start_up_script_is_a_file_that_loads_our_schema():
    response = Client().get("/api/v1/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in response.content.decode()


@pytest.mark.django_db
def test_the_schema_explains_errors_idempotency_the_cursor_and_token_scopes():
    description = Client().get("/api/v1/schema/?format=json").json()["info"]["description"]
    for needle in ('"code"', "Idempotency-Key", "key_reused", "?after=<seq>", "token_scope"):
        assert needle in description
