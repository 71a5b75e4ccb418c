"""Browser tests: Playwright driving Debian's Chromium (nothing downloads a browser here).

Skipped, with a message, where no Chromium is installed; CI sets SHOPNET_REQUIRE_BROWSER so
that a missing browser fails there instead of passing silently.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

# The 仲間まわし chain and its routed job, shared with the orders tests.
from tests.orders.conftest import chain, routed_job  # noqa: F401

# Playwright's sync API keeps an event loop on this thread; the ORM calls in the test body
# (fixtures, assertions on rows) are plain sync code between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
TABLET_PORTRAIT = {"width": 800, "height": 1280}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    if os.environ.get("SHOPNET_REQUIRE_BROWSER"):
        raise pytest.UsageError(
            "SHOPNET_REQUIRE_BROWSER is set but no Chromium was found (apt-get install chromium)."
        )
    skip = pytest.mark.skip(
        reason="no Chromium installed: browser tests skipped (apt-get install chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


# Per module, not per session: Playwright's sync API keeps an event loop running on this thread
# while it is open, and the asyncio tests that follow need the thread to themselves.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield PollingBrowser(browser)
        browser.close()


class PollingBrowser:
    """The browser, whose contexts bypass the Content-Security-Policy unless told otherwise:
    Playwright polls `wait_for_function` with eval() inside the page, which the policy (no
    'unsafe-eval') refuses. tests/browser/test_csp.py opens its contexts with bypass_csp=False
    and waits on locators instead."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("bypass_csp", True)
        return self._browser.new_context(**options)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport=TABLET_LANDSCAPE, has_touch=True, locale="ja-JP")
    yield context
    context.close()


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    tap_and_wait(page, page.locator("main form button[type=submit]"))


def tap_and_wait(page, locator) -> None:
    """Tap something that submits or navigates, and wait for the next page to load."""
    with page.expect_navigation():
        locator.tap()


class RequestsInFlight:
    """The HTTP side of the live server, counting the requests it has not finished answering.

    Closing a browser context does not stop the server: a request the page sent just before
    (a live refresh, a replayed tap) is still being answered in daphne's thread. Flushing the
    database under it fails on SQLite ("database table is locked") and leaves the rows to the
    next test; on PostgreSQL the request is answered during the next test. So each test waits
    for it first. Django's handler returns only once the view's thread is done, even when the
    client has gone."""

    def __init__(self, app) -> None:
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    async def __call__(self, scope, receive, send):
        with self.changed:
            self.count += 1
        try:
            await self.app(scope, receive, send)
        finally:
            with self.changed:
                self.count -= 1
                self.changed.notify_all()

    def wait_until_idle(self, timeout: float = 15.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count == 0, timeout=timeout)


REQUEST_LOG = os.environ.get("SHOPNET_REQUEST_LOG")
LOGGED_HEADERS = (
    b"idempotency-key",
    b"sec-fetch-mode",
    b"sec-fetch-site",
    b"sec-fetch-dest",
    b"service-worker",
    b"user-agent",
    b"referer",
)


def log_line(text: str) -> None:
    """One line, with the wall-clock time, in the request log (SHOPNET_REQUEST_LOG), if set."""
    if REQUEST_LOG:
        with open(REQUEST_LOG, "a") as log:
            log.write(f"{time.time():.3f} [{threading.current_thread().name}] {text}\n")


class RequestLog:
    """Every HTTP request the live server receives, as it arrives and as it is answered,
    written to SHOPNET_REQUEST_LOG: to find which request reached the server and from whom
    when a test expected none. Tests write their own markers with log_line()."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers") or [])
        shown = " ".join(
            f"{name.decode()}={headers[name].decode(errors='replace')!r}"
            for name in LOGGED_HEADERS
            if name in headers
        )
        path = scope["path"] + (
            f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
        )
        log_line(f"-> {scope['method']} {path} {shown}")
        status = []

        async def send_logged(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            log_line(f"<- {scope['method']} {path} {status[0] if status else '-'}")


class Unplugged:
    """The live server's side of a Wi-Fi outage: while unplugged, every HTTP request is refused
    (503) before the application sees it, and recorded in `refused`.

    A test that takes the tablet offline (context.set_offline and every request routed to
    abort) unplugs the server too, because Chromium does not hold back every request: now and
    then the first fetch a page makes right after the service worker answered its reload from
    the kept copy goes out on the wire although both the offline mode and the route are on.
    Playwright reports it as routed and aborted, and the browser drops it (the page sees a
    failed fetch), but the server has already received it; under load its view ran to the end
    before the disconnect was noticed (issue 18). A real outage reaches no server at all."""

    def __init__(self, app) -> None:
        self.app = app
        self.unplugged = False
        self.refused: list[tuple[str, str]] = []

    def unplug(self) -> None:
        self.unplugged = True

    def plug_in(self) -> None:
        self.unplugged = False

    async def __call__(self, scope, receive, send):
        if not self.unplugged:
            await self.app(scope, receive, send)
            return
        self.refused.append((scope["method"], scope["path"]))
        log_line(f"unplugged: refused {scope['method']} {scope['path']}")
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture(autouse=True)
def _request_log_markers(request):
    log_line(f"TEST START {request.node.nodeid}")
    yield
    log_line(f"TEST END {request.node.nodeid}")


@pytest.fixture(autouse=True)
def _server_done_before_flush(request):
    """After a test that drove the live server, and before its database is flushed: the
    server has answered every request the browser sent (see RequestsInFlight)."""
    yield
    if "asgi_live_server" in request.fixturenames:
        server = request.getfixturevalue("asgi_live_server")
        server.network.plug_in()
        assert server.requests.wait_until_idle(), "the live server is still answering requests"


@pytest.fixture(scope="session")
def asgi_live_server(django_db_setup):
    """daphne serving the whole ASGI application (HTTP and WebSockets) from a thread of this
    process, so it shares the test database (in-memory SQLite included) and the channel layer.
    Twisted's reactor runs once per process, hence one server for the session."""
    from types import SimpleNamespace

    from channels.routing import ProtocolTypeRouter
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application
    from twisted.internet import reactor

    from shopnet.asgi import application

    http = ASGIStaticFilesHandler(get_asgi_application())
    network = Unplugged(RequestLog(http) if REQUEST_LOG else http)
    requests = RequestsInFlight(network)
    app = ProtocolTypeRouter(
        {"http": requests, "websocket": application.application_mapping["websocket"]}
    )
    server = Server(
        app,
        endpoints=["tcp:port=0:interface=127.0.0.1"],
        signal_handlers=False,
        verbosity=0,
    )
    thread = threading.Thread(target=server.run, name="daphne", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.listening_addresses:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("daphne did not start")
        time.sleep(0.05)
    host, port = server.listening_addresses[0]
    yield SimpleNamespace(url=f"http://{host}:{port}", requests=requests, network=network)
    reactor.callFromThread(reactor.stop)
    thread.join(timeout=10)
