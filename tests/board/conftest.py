"""The 仲間まわし chain of tests/orders, and a job whose steps are still the hub's to post."""

from __future__ import annotations

import pytest

from tests.orders.conftest import add, chain, post_job, routed_job  # noqa: F401
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
