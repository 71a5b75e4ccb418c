"""Who is on the other end of a WebSocket.

Two ways in, never mixed:
- a browser: it always sends an Origin, which must be one of ALLOWED_HOSTS (else the handshake
  is refused with HTTP 403), and it is signed in by its session cookie;
- an integration: it sends `Authorization: Token <key>` (the API token), and its cookies are
  ignored.
A connection with no Origin and no token is anonymous (cross-site WebSocket hijacking needs a
browser, and browsers send an Origin), so the consumer refuses it.

Nothing here touches the database: the stream looks the credential up after it has accepted the
handshake, in the same call that authorizes the object (orders/consumers.py), so a storm of
reconnects waits on the database with its handshakes done instead of timing out in them.
"""

from __future__ import annotations

from importlib import import_module
from urllib.parse import urlparse

from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value
    return None


def token_from_headers(scope) -> str | None:
    value = _header(scope, b"authorization")
    if not value:
        return None
    scheme, _, key = value.decode("latin1").partition(" ")
    if scheme.lower() != "token":
        return None
    return key.strip() or None


def connection_scheme(scope) -> str:
    """ "https" or "http": how the browser reached us. Behind the proxy (SECURE_PROXY_SSL_HEADER)
    its X-Forwarded-Proto says; otherwise the server's scope does (daphne serves plain ws)."""

    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name, secure = proxy
        header = name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin1")
        forwarded = _header(scope, header)
        if forwarded is not None:
            first = forwarded.decode("latin1").split(",")[0].strip()
            return "https" if first == secure else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def session_of(scope):
    """The browser's session store, not yet read: it reads the database only when the stream
    asks who this is. Streams never change a session, so nothing is saved back."""

    cookies = parse_cookie((_header(scope, b"cookie") or b"").decode("latin1"))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return store(session_key=cookies.get(settings.SESSION_COOKIE_NAME) or None)


class WebsocketAuth:
    def __init__(self, inner):
        self.inner = inner
        # Reuse Channels' own matching of an Origin against ALLOWED_HOSTS.
        self.origins = AllowedHostsOriginValidator(inner)

    def same_site(self, origin: bytes, scope) -> bool:
        """The Origin's host is one of ALLOWED_HOSTS and, as Django's CSRF check asks, it is
        the scheme, host and port the browser connected to, or one of CSRF_TRUSTED_ORIGINS:
        another application on the same machine at another port (or the same host over plain
        HTTP when the site is served over HTTPS) is not us."""

        text = origin.decode("latin1")
        try:
            parsed = urlparse(text)
            parsed.port  # noqa: B018 (raises on a malformed port)
        except ValueError:
            return False
        if parsed.scheme not in ("http", "https") or not self.origins.valid_origin(parsed):
            return False
        if text in settings.CSRF_TRUSTED_ORIGINS:
            return True
        if parsed.scheme != connection_scheme(scope):
            return False
        host = _header(scope, b"host")
        return host is None or parsed.netloc.lower() == host.decode("latin1").lower()

    async def __call__(self, scope, receive, send):
        origin = _header(scope, b"origin")
        key = token_from_headers(scope)
        if origin is not None and not self.same_site(origin, scope):
            return await WebsocketDenier()(scope, receive, send)
        if key is not None:
            scope = dict(scope, user=AnonymousUser(), auth="token", token=key)
            return await self.inner(scope, receive, send)
        if origin is not None:
            scope = dict(scope, user=AnonymousUser(), auth="session", session=session_of(scope))
            return await self.inner(scope, receive, send)
        return await self.inner(dict(scope, user=AnonymousUser(), auth=None), receive, send)
