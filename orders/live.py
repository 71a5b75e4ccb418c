"""What a page tells `static/shopnet/live.js`: which streams to open and how often they beat."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from .models import StepStatus

# A person is rarely a member of more than a handful of shops; a list page opens at most this
# many workshop streams.
MAX_WORKSHOP_STREAMS = 5


def job_stream(job) -> dict[str, Any]:
    """A job's stream, resuming after the seq the page was drawn at."""
    return {
        "url": f"/ws/jobs/{job.uuid}/",
        "seq": int(job.last_seq),
        "events": reverse("api_job_events", args=[job.uuid]),
    }


def workshop_stream(workshop) -> dict[str, Any]:
    return {"url": f"/ws/workshops/{workshop.uuid}/floor/"}


def live_config(*streams: dict[str, Any]) -> dict[str, Any]:

    return {
        "heartbeat": settings.WEBSOCKET_HEARTBEAT,
        "streams": list(streams),
        # A step's new state shows from the event itself, before the page is re-read.
        "stepStates": {value: str(label) for value, label in StepStatus.choices},
    }


def workshops_config(memberships) -> dict[str, Any]:
    """For list pages: the streams of the user's shops (new requests, steps changing state)."""
    shops = [m.workshop for m in memberships][:MAX_WORKSHOP_STREAMS]
    return live_config(*(workshop_stream(w) for w in shops))
