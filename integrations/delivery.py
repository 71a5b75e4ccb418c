"""Sending one webhook request: to the address that was checked, with a short timeout, no
redirects followed, nothing of the answer kept but its status."""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass

from django.conf import settings

from . import addresses

# The error codes a delivery records (shown on the delivery log).
ERRORS = {
    "timeout",
    "connection",
    "tls",
    "status",
    "private_address",
    "unresolvable",
    "not_https",
    "invalid_url",
    "disabled",
}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str = ""


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to `host` (its certificate checked for that name, SNI set) at a fixed address."""

    def __init__(self, target: addresses.Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: addresses.Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST `body` to `url`; 2xx is delivered, anything else (a redirect included) failed."""
    try:
        target = addresses.check(url)  # again, now: DNS may have changed since registration
    except addresses.UnsafeURL as refused:
        return Outcome(False, error=refused.code)
    timeout = settings.WEBHOOKS_TIMEOUT
    connection_class = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)  # a little of the answer, so the connection ends cleanly
    except TimeoutError:
        return Outcome(False, error="timeout")
    except ssl.SSLError:
        return Outcome(False, error="tls")
    except (OSError, http.client.HTTPException):
        return Outcome(False, error="connection")
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return Outcome(True, status=response.status)
    return Outcome(False, status=response.status, error="status")
