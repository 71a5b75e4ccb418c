"""English pages name a shop by its English name when it gave one (Workshop.display_name);
Japanese pages, and shops without an English name, keep the registered name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for
from workshops.models import Workshop

pytestmark = pytest.mark.django_db

TURNER_EN = "Tanaka Lathe Works"
HUB_EN = "Maruyama Seisakusho"


@pytest.fixture
def named(chain, scene):
    Workshop.objects.filter(pk=chain.turner.pk).update(name_en=TURNER_EN)
    Workshop.objects.filter(pk=chain.hub.pk).update(name_en=HUB_EN)
    return scene


def get(user, url: str, language: str):
    client = client_for(user)
    client.cookies["shopnet_language"] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def pages(chain, scene):
    return [
        (chain.hub_owner, reverse("job_detail", args=[scene["job"].uuid]), "田中旋盤"),
        (chain.hub_owner, reverse("order_detail", args=[scene["order"].uuid]), "田中旋盤"),
        (chain.hub_owner, reverse("order_list"), "田中旋盤"),
        (chain.hub_owner, reverse("posting_detail", args=[scene["posting"].uuid]), "田中旋盤"),
        (chain.turner_owner, reverse("board"), "丸山製作所"),
        (chain.turner_owner, reverse("order_list"), "丸山製作所"),
        (chain.turner_floor, reverse("floor"), "田中旋盤"),
        (chain.hub_owner, reverse("workshop_detail", args=[chain.turner.uuid]), "田中旋盤"),
    ]


def test_english_pages_use_the_english_names(chain, named):
    english = {"田中旋盤": TURNER_EN, "丸山製作所": HUB_EN}
    for user, url, japanese in pages(chain, named):
        html = get(user, url, "en").content.decode()
        assert english[japanese] in html, url


def test_japanese_pages_keep_the_registered_names(chain, named):
    for user, url, japanese in pages(chain, named):
        html = get(user, url, "ja").content.decode()
        assert japanese in html, url
        if "workshops/" not in url:  # the profile shows both names on purpose
            assert TURNER_EN not in html and HUB_EN not in html, url


def test_a_shop_without_an_english_name_keeps_its_name_in_english(chain, scene):
    html = get(chain.hub_owner, reverse("job_detail", args=[scene["job"].uuid]), "en")
    assert "田中旋盤" in html.content.decode()


def test_the_api_gives_the_name_in_the_callers_language(chain, named):
    url = f"/api/v1/jobs/{named['job'].uuid}/"
    client = client_for(chain.hub_owner)
    client.cookies["shopnet_language"] = "en"
    data = client.get(url).json()["job"]
    assert data["owner"] == {
        "id": str(chain.hub.uuid),
        "name": "丸山製作所",
        "display_name": HUB_EN,
    }
    client.cookies["shopnet_language"] = "ja"
    data = client.get(url).json()["job"]
    assert data["owner"]["display_name"] == "丸山製作所"


def test_the_profile_heads_with_the_english_name_and_shows_the_registered_one(chain, named):
    html = get(chain.hub_owner, reverse("workshop_detail", args=[chain.turner.uuid]), "en")
    body = html.content.decode()
    assert f'<h1 class="m-0">{TURNER_EN}</h1>' in body
    assert '<div class="muted">田中旋盤</div>' in body
