"""Every kind of drawing event, for the orders suite's every-kind scenario (the log, the wire
and the in-memory visibility check must agree on each kind)."""

from __future__ import annotations

from drawings import services
from tests.drawings.files import VALID, upload


def drawing_events(chain, job, order, step) -> None:
    """On `job` (whose hub is chain.hub): a drawing added for `step`, revised, linked to no
    step, and shared with `order`."""

    def put(kind: str) -> object:
        filename, make = VALID[kind]
        return services.drawing_upload(
            job=job,
            actor=chain.hub_owner,
            upload=upload(filename, make()),
            number="MR-EVERY",
            steps=[step],
        )

    first = put("png")
    put("jpeg")
    services.drawing_set_steps(drawing=first.drawing, actor=chain.hub_owner, steps=[])
    services.order_drawings_set(
        order=order, actor=chain.hub_owner, drawings=[first.drawing], download=True
    )
