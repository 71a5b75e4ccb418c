"""The tablet app: the web app manifest, the one service worker, and /favicon.ico.

The floor station is installed from the browser's menu to the home screen and opens full screen
(`display: standalone`) at /floor/. The service worker (served from the root, so that its scope
is the whole site) keeps the static files the floor station needs and the last copy of each
floor page the tablet opened, so that a tablet reloading with the Wi-Fi down still shows its
last queue and the taps waiting in its outbox; it also shows push notifications (the
notifications app's handlers, static/notifications/sw.js). See docs/TABLET_APP.md.
"""

from __future__ import annotations

import hashlib
import json
import os

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

TOP_BAR = "#0d2a47"

# What the floor station needs to draw itself without the network; fetched when the service
# worker installs. (A file missing here is fetched and kept the first time a page asks for it.)
SHELL = (
    "shopnet/app.css",
    "shopnet/styled.js",
    "shopnet/live.js",
    "shopnet/floor.js",
    "shopnet/offline.js",
    "shopnet/offline.css",
    "vendor/htmx.min.js",
    "notifications/notifications.css",
    "notifications/badge.js",
    "shopnet/icons/icon.svg",
    "shopnet/icons/icon-192.png",
)
WORKER_SOURCES = ("shopnet/sw.js", "notifications/sw.js")


def _read(name: str) -> bytes:
    path = finders.find(name)
    if path is None:
        raise Http404(name)
    with open(path, "rb") as f:
        return f.read()


def _version() -> str:
    """Changes whenever the worker or a shell file changes, so browsers install the new worker
    and drop the old copies (in production the static names carry their own hash as well)."""
    digest = hashlib.sha256()
    for name in (*WORKER_SOURCES, *SHELL):
        path = finders.find(name)
        if path is not None:
            stat = os.stat(path)
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The site's one service worker, served from the root so that it may control every page
    (a worker's scope is the folder it is served from)."""
    config = {
        "version": _version(),
        "shell": [static(name) for name in SHELL],
        "static": static(""),
        "pages": [reverse("floor")],
        "logout": reverse("logout"),
    }
    body = "self.SHOPNET = " + json.dumps(config) + ";\n"
    body += "\n".join(_read(name).decode() for name in WORKER_SOURCES)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, in the reader's language."""
    data = {
        "id": reverse("floor"),
        "name": _("shopnet floor station"),
        "short_name": "shopnet",
        "description": _("The queue of steps at your shop, next to the machine."),
        "lang": get_language(),
        "start_url": reverse("floor"),
        "scope": "/",
        # Standalone rather than fullscreen: the system bar keeps the clock and the Wi-Fi
        # signal in sight, which the floor needs to know whether its taps are going out.
        "display": "standalone",
        "orientation": "any",
        "background_color": "#f5f7f9",
        "theme_color": TOP_BAR,
        "icons": [
            {"src": static("shopnet/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("shopnet/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("shopnet/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("shopnet/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: answer with the icon, not a 404."""
    response = HttpResponse(_read("shopnet/icons/favicon.ico"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
