"""Where a webhook may be sent: no server-side request forgery.

An endpoint must be `https://` and every address its host resolves to must be a public one
(not loopback, private, link-local, shared, reserved or multicast). The check runs when the
endpoint is registered and again before every attempt, and the attempt connects to the very
address that was checked (`delivery.post`): a name that resolves to a public address at
registration and to 127.0.0.1 or 169.254.169.254 later (DNS rebinding) is refused, never
reached. Redirects are not followed.

`WEBHOOKS_ALLOW_LOCAL` (development and tests only, off by default) also allows `http://` and
loopback addresses, for a receiver on the same machine; never the other private ranges.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _


class UnsafeURL(Exception):
    def __init__(self, message, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query, as sent on the request line
    address: str  # the checked address the request connects to


def _allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    if settings.WEBHOOKS_ALLOW_LOCAL and ip.is_loopback:
        return True
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (a literal address is itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeURL(_("This host name does not resolve."), "unresolvable") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def check(url: str) -> Target:
    """The target to connect to, or UnsafeURL saying why not."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL(_("Enter a valid URL."), "invalid_url") from None
    allowed_schemes = ("https", "http") if settings.WEBHOOKS_ALLOW_LOCAL else ("https",)
    if parts.scheme not in allowed_schemes:
        raise UnsafeURL(_("The address must start with https://."), "not_https")
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeURL(_("Enter a valid URL."), "invalid_url")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(parts.hostname, port)
    if not addresses:
        raise UnsafeURL(_("This host name does not resolve."), "unresolvable")
    for address in addresses:
        if not _allowed(ipaddress.ip_address(address.split("%")[0])):
            raise UnsafeURL(
                _("This address is not on the public internet (loopback, private or local)."),
                "private_address",
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])
