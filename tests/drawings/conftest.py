"""The 仲間まわし chain of tests/orders (hub → turner → grinder, plater, stranger), a routed job,
and drawings on it."""

from __future__ import annotations

import pytest

from drawings import services
from tests.drawings.files import VALID, upload
from tests.orders.conftest import chain, routed_job  # noqa: F401


@pytest.fixture(autouse=True)
def _previews_in_process(settings):
    """Previews are rendered in the test process (the same code the worker runs); the tests
    of the worker's limits switch isolation back on."""
    settings.DRAWINGS_PREVIEW_ISOLATED = False


def add_drawing(people, job, kind="pdf", *, number="", label="", steps=None, name=None):
    filename, make = VALID[kind]
    return services.drawing_upload(
        job=job,
        actor=people.hub_owner,
        upload=upload(name or filename, make()),
        number=number,
        label=label,
        steps=steps,
    )
