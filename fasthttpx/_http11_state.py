"""Sans-I/O rules of one HTTP/1.1 exchange: request serialisation, reuse, retry, expiry.

Nothing here awaits or touches a socket; the I/O shell (``_async/http11.py`` and its
generated sync twin) asks these functions what to send and whether a connection may be
reused or a request retried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._exceptions import LocalProtocolError

if TYPE_CHECKING:
    from ._models import Headers, Request

__all__ = [
    "IDEMPOTENT_METHODS", "request_head", "serialize_request_head",
    "build_request_head", "fields_ask_close", "frame_chunk",
    "LAST_CHUNK", "keep_alive_timeout", "has_close_token", "expiry_delay",
    "STATUS_LINE_START", "could_start_status_line",
]

# RFC 9110 §9.2.2: methods whose repetition has the same effect as one request; these may
# be retried automatically when a reused connection turns out to have been closed.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})

LAST_CHUNK = b"0\r\n\r\n"  # RFC 9112 §7.1: last-chunk and an empty trailer section

#: Bytes that decide whether a response can begin here: ``HTTP/1.x`` and the SP after it.
STATUS_LINE_START = 9
_VERSION_PREFIX = b"HTTP/1."


def could_start_status_line(data: bytes) -> bool:
    """True if the first bytes of ``data`` (up to ``STATUS_LINE_START``) can begin a status
    line the parser accepts: a prefix of ``HTTP/1.`` DIGIT SP (status-line = HTTP-version SP
    status-code SP [reason-phrase], RFC 9112 §4; HTTP-version = "HTTP/" DIGIT "." DIGIT, §2.3;
    major version 1). Anything else (a stray ``EXTRA``, an empty line, ``HTTP/2``) means the
    bytes are not a response: on a reused connection, leftovers the server sent after the
    previous response (see ``_async/http11.py``)."""
    head = data[:STATUS_LINE_START]
    n = len(head)
    if head[:7] != _VERSION_PREFIX[:n]:
        return False
    if n > 7 and not 0x30 <= head[7] <= 0x39:
        return False
    return n < 9 or head[8] == 0x20


def request_head(request: Request, method: bytes) -> tuple[bytes, bool]:
    """The origin-form head of ``request`` (RFC 9112 §3.2.1) and whether it asks the server
    to close the connection after the response (a ``Connection: close`` option, §9.6).

    A request from its client's seam carries the head prepared for it (``request.prepared``),
    valid while the request still has the method, URL and headers it was prepared with (the
    request drops it when its headers are handed out); any other request is formatted here."""
    prepared = request.prepared
    if (
        prepared is not None
        and prepared.head is not None
        and prepared.url is request.url
        and prepared.method == request.method
    ):
        return prepared.head, prepared.asks_close
    return serialize_request_head(method, request.url.raw_path, request.headers)


def serialize_request_head(
    method: bytes, target: bytes, headers: Headers,
    extra: tuple[bytes, int] | None = None,
) -> tuple[bytes, bool]:
    """``build_request_head`` for ``headers`` (and ``extra`` fields: a forward proxy's, as
    rendered bytes and their count), with whether the head asks the server to close."""
    fields = headers.render() if extra is None else headers.render() + extra[0]
    count = len(headers) if extra is None else len(headers) + extra[1]
    return build_request_head(method, target, fields, count), fields_ask_close(fields)


def fields_ask_close(fields: bytes) -> bool:
    """True if a rendered header block (``Name: value`` CRLF lines) has a Connection field
    listing ``close``. A block without the letters ``close`` in any case (the usual one)
    is answered by one scan, without splitting it into lines."""
    if b"close" not in fields.lower():
        return False
    for line in fields.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"connection" and has_close_token(value):
            return True
    return False


def build_request_head(method: bytes, target: bytes, fields: bytes, count: int) -> bytes:
    """The request line and header section (RFC 9112 §3, §5), ending in the empty line.

    ``fields`` is the header block already formatted as ``count`` lines of ``Name: value``
    CRLF (``Headers.render()``). Refuses CR, LF or NUL anywhere
    else, which would let a caller's value split the request (header injection): every
    legitimate CR and LF is one of the CRLF pairs, so counting them is enough."""
    head = b"%s %s HTTP/1.1\r\n%s\r\n" % (method, target, fields)
    lines = count + 2
    if (
        head.count(b"\n") != lines
        or head.count(b"\r") != lines
        or b"\0" in head
        or b" " in method
        or b" " in target
    ):
        raise LocalProtocolError(_describe_bad_head(method, target, fields, count))
    return head


def _describe_bad_head(method: bytes, target: bytes, fields: bytes, count: int) -> str:
    for part in (method, target):
        if any(char in part for char in (b"\r", b"\n", b"\0", b" ")):
            return f"invalid character in the request line: {part!r}"
    lines = fields.split(b"\r\n")[:-1]
    if len(lines) != count:
        return "a request header name or value contains CR or LF"
    for line in lines:
        if b"\r" in line or b"\n" in line or b"\0" in line:
            name = line.partition(b":")[0].decode("latin-1")
            return f"invalid character (CR, LF or NUL) in request header {name!r}"
    return "invalid request head"


def frame_chunk(data: bytes) -> bytes:
    """One chunk of a chunked request body (RFC 9112 §7.1)."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def has_close_token(value: bytes | str | None) -> bool:
    """True if a Connection field value lists the ``close`` option (RFC 9112 §9.6)."""
    if not value:
        return False
    if isinstance(value, str):
        value = value.encode("latin-1")
    return any(token.strip().lower() == b"close" for token in value.split(b","))


def keep_alive_timeout(value: bytes | str | None) -> float | None:
    """The ``timeout=N`` parameter of a ``Keep-Alive`` response header, in seconds.

    Not in the current RFCs (RFC 2068 §19.7.1.1), but Apache, nginx and Node send it to say
    when they will close an idle connection."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    for param in value.split(","):
        key, _, number = param.partition("=")
        if key.strip().lower() == "timeout":
            try:
                seconds = float(number.strip())
            except ValueError:
                return None
            return seconds if seconds >= 0 else None
    return None


def expiry_delay(keepalive_expiry: float, server_timeout: float | None) -> float:
    """How long an idle connection may wait for reuse.

    The client's ``keepalive_expiry``, shortened to one second before the server's announced
    ``Keep-Alive: timeout`` so that we never send on a connection the server is closing."""
    if server_timeout is None:
        return keepalive_expiry
    return max(0.0, min(keepalive_expiry, server_timeout - 1.0))
