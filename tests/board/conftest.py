"""The 仲間まわし chain of tests/orders, and a job whose steps are still the hub's to post."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from board import services as board_services
from tests.notifications.factories import notify
from tests.orders.conftest import add, chain, in_days, post_job, routed_job  # noqa: F401
from workshops.models import District, Material


@pytest.fixture
def board(chain, district):  # noqa: F811  (chain: the fixture imported above)
    """The chain's shops in the Ota district, except the stranger (Kawasaki), which can turn
    too. The job: turning → grinding → assembly, all still the hub's."""
    kawasaki = District.objects.create(slug="kawasaki", name_ja="川崎", name_en="Kawasaki")
    for shop in (chain.hub, chain.turner, chain.grinder, chain.plater):
        shop.districts.add(district)
    chain.stranger.districts.add(kawasaki)
    job = post_job(chain, material=Material.objects.get(code="SUS304"))
    turn = add(job, chain, "L", 6)
    grind = add(job, chain, "G", 3, after=[turn])
    add(job, chain, "ASM", 2, after=[grind])
    return {"job": job, "turn": turn, "grind": grind, "ota": district, "kawasaki": kawasaki}


@pytest.fixture
def scene(chain, board, routed_job):  # noqa: F811
    """The routed job of tests/orders, a posting of the board's job with an offer from the
    turner, and two notifications for the hub's owner."""
    job, _steps, orders = routed_job
    posting = board_services.posting_create(
        job=board["job"],
        actor=chain.hub_owner,
        steps=[board["grind"]],
        districts=[board["ota"]],
        answer_by=timezone.now() + dt.timedelta(hours=48),
        description="外径研削",
    )
    board_services.offer_submit(
        posting=posting,
        workshop=chain.turner,
        actor=chain.turner_owner,
        price=30000,
        promised_date=in_days(12),
        valid_until=in_days(20),
    )
    notify(chain.hub_owner, 2)
    return {"job": job, "order": orders["top"], "posting": posting}
