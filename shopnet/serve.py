"""daphne with request-body limits: `python -m shopnet.serve <daphne's arguments>`.

daphne has no body limit of its own. Twisted reads a whole request body before daphne sees
the request (in memory up to 100 kB, in a temporary file beyond), then daphne copies all of it
into the application's queue at once, in 8 kB pieces, before the application has read any:
16 concurrent 55 MB posts put some 880 MB of small objects on one process's heap, which the
allocator then keeps. Django reads the whole body too before any view runs, however small the
form it expects, and whoever sends it.

So the limit is applied here, from the request line and headers, before a byte of the body is
kept: a body over its limit gets 413 at once and the rest of it is read and thrown away (the
client sees the answer; nothing is stored). The limits (docs/DEPLOY.md, "Request bodies"):

- REQUEST_BODY_MAX_BYTES (60 MB, the proxy's `request_body max_size`) for a request that
  carries a session cookie or an Authorization header;
- ANONYMOUS_REQUEST_BODY_MAX_BYTES (1 MB) for one that carries neither: nothing an anonymous
  visitor may post (sign-in, password reset, joining by invitation) comes near it.

Whether the session is real is Django's to decide later; this only keeps bodies nobody could be
entitled to from reaching the process's memory. The proxy must still bound concurrency.

It also listens with a deeper queue than Twisted's 50 (`LISTEN_BACKLOG`, 1024): when a district's
tablets reconnect together, the connections the kernel could not queue were dropped, and each of
their clients waited a second before trying again (docs/BENCHMARKS.md, "The listen queue").
"""

from __future__ import annotations

import io
import re
import sys

from daphne import http_protocol, server
from daphne.cli import CommandLineInterface
from django.conf import settings

# The pieces daphne hands a body to the application in (its default is 8 kB). Pieces this large
# are allocated and freed whole (mmap, not the heap), so the memory of a large accepted body
# goes back to the system once the request is done (docs/BENCHMARKS.md, "Request bodies").
REQUEST_BUFFER_SIZE = 256 * 1024

TOO_LARGE = (
    "リクエストが大きすぎます。 / The request is too large.\n".encode(),
    "リクエストが大きすぎます。ログインしてからもう一度お試しください。 / "
    "The request is too large. Sign in and try again.\n".encode(),
)


def body_limit(headers) -> tuple[int, bool]:
    """(the largest body allowed, whether the request is anonymous) from its headers."""

    cookie_name = settings.SESSION_COOKIE_NAME.encode()
    cookies = b";".join(headers.getRawHeaders(b"cookie") or [])
    signed_in = headers.hasHeader(b"authorization") or any(
        part.strip().startswith(cookie_name + b"=") for part in cookies.split(b";")
    )
    if signed_in:
        return settings.REQUEST_BODY_MAX_BYTES, False
    return settings.ANONYMOUS_REQUEST_BODY_MAX_BYTES, True


class LimitedWebRequest(http_protocol.WebRequest):
    refused = False
    received = 0

    def gotLength(self, length):
        self.limit, self.anonymous = body_limit(self.requestHeaders)
        if length is not None and length > self.limit:
            self.refuse()
            return
        super().gotLength(length)

    def handleContentChunk(self, data):
        if self.refused:
            return  # read and dropped: the answer went out already
        self.received += len(data)
        if self.received > self.limit:  # a chunked body with no declared length
            self.refuse()
            self.content.close()
            return
        super().handleContentChunk(data)

    def requestReceived(self, command, path, version):
        if self.refused:  # the whole body was read and dropped; the answer is out
            self.channel.loseConnection()
            return
        super().requestReceived(command, path, version)

    def refuse(self) -> None:
        self.refused = True
        self.content = io.BytesIO()
        # No "100 Continue" for a body that will not be read.
        self.requestHeaders.removeHeader(b"expect")
        body = TOO_LARGE[self.anonymous]
        self.channel.transport.write(
            b"HTTP/1.1 413 Request Entity Too Large\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n"
            b"Connection: close\r\n\r\n" + body
        )


class HTTPFactory(http_protocol.HTTPFactory):
    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        if protocol is not None and protocol.requestFactory is http_protocol.WebRequest:
            protocol.requestFactory = LimitedWebRequest
        return protocol


# Twisted endpoints that listen and take a `backlog` (an `fd:` socket is listening already).
LISTENING_KINDS = ("tcp", "tcp6", "ssl", "unix")


def with_backlog(description: str, backlog: int) -> str:
    """A Twisted endpoint description with a listen backlog, unless it names one already."""
    kind = description.split(":", 1)[0]
    if kind not in LISTENING_KINDS or re.search(r"(?<!\\):backlog=", description):
        return description
    return f"{description}:backlog={backlog}"


class Server(server.Server):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("request_buffer_size", REQUEST_BUFFER_SIZE)
        super().__init__(*args, **kwargs)
        self.endpoints = [with_backlog(e, settings.LISTEN_BACKLOG) for e in self.endpoints]

    def run(self):
        # daphne builds its HTTP factory inside run(); have it build ours.
        original = server.HTTPFactory
        server.HTTPFactory = HTTPFactory
        try:
            super().run()
        finally:
            server.HTTPFactory = original


class LimitedCommandLineInterface(CommandLineInterface):
    server_class = Server


if __name__ == "__main__":
    LimitedCommandLineInterface().run(sys.argv[1:])
