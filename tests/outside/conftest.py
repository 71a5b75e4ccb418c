"""The orders chain, a job whose turning step the hub routes to a shop outside shopnet, and
a second outside shop with an order of its own (the other-order link)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from outside import services
from outside.links import token_for
from tests.drawings.conftest import add_drawing
from tests.orders import conftest as orders
from tests.orders.conftest import (
    add,
    chain,  # noqa: F401  (fixture)
    post_job,
    terms,
)

OMORI = {
    "name": "大森研磨",
    "address": "東京都大田区大森南1-2-3",
    "contact_name": "大森 一郎",
    "email": "omori@example.jp",
    "fax": "",
}
HANEDA = {
    "name": "羽田ミーリング",
    "address": "東京都大田区羽田4-5-6",
    "contact_name": "",
    "email": "",
    "fax": "03-1234-5678",
}


@pytest.fixture(autouse=True)
def _previews_in_process(settings):
    settings.DRAWINGS_PREVIEW_ISOLATED = False
    settings.SITE_URL = "https://shopnet.example.jp"


def route_outside(people: orders.Chain, job, steps, shop=OMORI, **overrides):
    return services.outside_order_request(
        job=job, actor=people.hub_owner, steps=steps, terms=terms(**overrides), shop=dict(shop)
    )


@pytest.fixture
def outside(chain):  # noqa: F811  (the fixture above)
    job = post_job(chain)
    turn = add(job, chain, "L", 6)
    grind = add(job, chain, "G", 3, after=[turn])
    revision = add_drawing(chain, job, "dxf", steps=[turn])
    link = route_outside(chain, job, [turn])
    other_job = post_job(chain, part_name="フランジ", drawing_number="MR-2002")
    other_step = add(other_job, chain, "M", 2)
    other = route_outside(chain, other_job, [other_step], shop=HANEDA, price=99000)
    return SimpleNamespace(
        job=job,
        turn=turn,
        grind=grind,
        revision=revision,
        link=link,
        order=link.order,
        shop=link.shop,
        token=token_for(link),
        other=other,
        other_token=token_for(other),
        other_step=other_step,
    )


def phone() -> Client:
    return Client(REMOTE_ADDR="203.0.113.7")
