"""The tablet app's files: the web app manifest, the one service worker, the icons and
/favicon.ico, each with the content type a browser installs or uses it by."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_manifest_opens_the_floor_station_standalone_in_japanese(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/floor/" and manifest["scope"] == "/"
    assert manifest["display"] in ("standalone", "fullscreen")
    assert manifest["lang"] == "ja"
    assert "現場" in manifest["name"]
    sizes = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert {"any", "192x192", "512x512"} <= set(sizes)
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_the_manifest_speaks_english_by_switch():
    client = Client()
    client.cookies["shopnet_language"] = "en"
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    assert manifest["lang"] == "en"
    assert manifest["name"] == "shopnet floor station"


def test_every_icon_the_manifest_names_is_served_at_its_size(client):
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    for icon in manifest["icons"]:
        name = icon["src"].removeprefix("/static/")
        path = finders.find(name)
        assert path, icon["src"]
        if icon["type"] == "image/png":
            width, height = (int(n) for n in icon["sizes"].split("x"))
            with Image.open(path) as image:
                assert (image.format, image.size) == ("PNG", (width, height))
        else:
            with open(path, encoding="utf-8") as f:
                assert f.read().startswith("<svg")


def test_favicon_ico_is_an_icon_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    with Image.open(io.BytesIO(response.content)) as icon:
        assert icon.format == "ICO"
        assert (32, 32) in icon.info["sizes"]


def test_the_one_service_worker_keeps_the_floor_and_shows_push_notifications(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    config = json.loads(body.split("\n", 1)[0].removeprefix("self.SHOPNET = ").rstrip(";"))
    assert config["pages"] == ["/floor/"]
    assert "/static/shopnet/floor.js" in config["shell"]
    assert "/static/shopnet/app.css" in config["shell"]
    # The notifications' push handlers are part of the same worker.
    assert "showNotification" in body and "caches.open" in body


def test_every_page_names_the_manifest_the_icons_and_the_worker(chain):
    page = client_for(chain.turner_floor).get("/floor/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="shopnet-sw" content="/sw.js">' in page
    assert "shopnet/icons/icon.svg" in page and "shopnet/icons/icon-180.png" in page
    # The floor station carries its offline notice, hidden until the network is down.
    assert 'data-offline-notice data-served="network"' in page


def test_the_worker_and_manifest_refuse_writes(client):
    assert client.post("/sw.js").status_code == 405
    assert client.post("/manifest.webmanifest").status_code == 405
    assert client.post("/favicon.ico").status_code == 405
