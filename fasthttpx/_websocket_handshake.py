"""The WebSocket opening handshake, client side (RFC 6455 §4.1, RFC 7692 §5). No I/O.

The handshake is an ordinary ``GET`` sent through the client (so auth, cookies, headers,
proxies and TLS apply as to any request): this module gives the fields to add to it and
judges the answer. A 101 is accepted only when it is what the RFC requires: ``Upgrade:
websocket``, ``Connection: upgrade``, the ``Sec-WebSocket-Accept`` that our key implies, at
most one subprotocol and only one we offered, and extensions we offered with parameters we
understand. Anything else fails the connection (``WebSocketUpgradeError``): nothing is sent,
and the caller closes the stream.

permessage-deflate (RFC 7692) is offered as ``permessage-deflate; client_max_window_bits``
(the server may then bound our window); the server's answer becomes a ``DeflateParameters``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from typing import Any

from ._exceptions import WebSocketUpgradeError

__all__ = [
    "WEBSOCKET_GUID", "DEFLATE_OFFER", "DeflateParameters", "new_key", "accept_token",
    "handshake_headers", "validate_response", "parse_extensions",
]

#: RFC 6455 §1.3: appended to the key before hashing.
WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
DEFLATE = "permessage-deflate"
DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"

_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


class DeflateParameters:
    """What the server agreed to for permessage-deflate (RFC 7692 §7.1).

    ``server_no_context_takeover``: each message from the server starts a fresh
    decompression context; ``client_no_context_takeover``: ours must too;
    ``client_max_window_bits``: the largest LZ77 window we may compress with (None: 15)."""

    __slots__ = ("server_no_context_takeover", "client_no_context_takeover",
                 "server_max_window_bits", "client_max_window_bits")

    def __init__(
        self,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: int | None = None,
        client_max_window_bits: int | None = None,
    ) -> None:
        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeflateParameters) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"DeflateParameters({fields})"


def new_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: 16 random bytes, base64 (RFC 6455 §4.1)."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def accept_token(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer ``key`` with (RFC 6455 §4.2.2)."""
    digest = hashlib.sha1(key.encode("ascii") + WEBSOCKET_GUID).digest()
    return base64.b64encode(digest).decode("ascii")


def handshake_headers(
    key: str, subprotocols: Sequence[str] | None, compression: bool
) -> dict[str, str]:
    """The fields that make a ``GET`` a WebSocket handshake (RFC 6455 §4.1)."""
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
    }
    if subprotocols:
        for protocol in subprotocols:
            if not protocol or not set(protocol) <= _TOKEN_CHARS:
                raise ValueError(f"a subprotocol must be an HTTP token, not {protocol!r}")
        headers["Sec-WebSocket-Protocol"] = ", ".join(subprotocols)
    if compression:
        headers["Sec-WebSocket-Extensions"] = DEFLATE_OFFER
    return headers


def _tokens(values: list[str]) -> list[str]:
    """Lower-cased elements of comma-separated header values (RFC 9110 §5.6.1)."""
    return [item.strip().lower() for value in values for item in value.split(",")
            if item.strip()]


def validate_response(
    response: Any, key: str, subprotocols: Sequence[str] | None, compression: bool
) -> tuple[str | None, DeflateParameters | None]:
    """Check a 101 answer to our handshake (RFC 6455 §4.1, client requirements 1-6); returns
    the subprotocol the server chose and the permessage-deflate parameters it agreed to.
    Raises ``WebSocketUpgradeError`` naming the first thing that is wrong."""
    headers = response.headers

    def fail(reason: str) -> WebSocketUpgradeError:
        return WebSocketUpgradeError(response, f"invalid WebSocket handshake answer: {reason}")

    if "websocket" not in _tokens(headers.get_list("upgrade")):
        raise fail("no 'Upgrade: websocket'")
    if "upgrade" not in _tokens(headers.get_list("connection")):
        raise fail("no 'Connection: upgrade'")
    accepts = headers.get_list("sec-websocket-accept")
    expected = accept_token(key)
    if len(accepts) != 1 or accepts[0].strip() != expected:
        raise fail(f"Sec-WebSocket-Accept is {', '.join(accepts) or 'missing'!s}, "
                   f"expected {expected}")
    chosen: str | None = None
    protocols = [p.strip() for v in headers.get_list("sec-websocket-protocol")
                 for p in v.split(",") if p.strip()]
    if protocols:
        if len(protocols) > 1:
            raise fail(f"more than one subprotocol chosen: {', '.join(protocols)}")
        if not subprotocols or protocols[0] not in subprotocols:
            raise fail(f"subprotocol {protocols[0]!r} was not offered")
        chosen = protocols[0]
    deflate: DeflateParameters | None = None
    extensions = headers.get_list("sec-websocket-extensions")
    if extensions:
        try:
            deflate = parse_extensions(extensions, offered=compression)
        except ValueError as exc:
            raise fail(str(exc)) from None
    return chosen, deflate


def parse_extensions(values: list[str], offered: bool) -> DeflateParameters | None:
    """The server's ``Sec-WebSocket-Extensions`` answer: permessage-deflate with its
    parameters (RFC 7692 §7.1), when offered; anything else raises ``ValueError``."""
    result: DeflateParameters | None = None
    for value in values:
        for extension in _split_outside_quotes(value, ","):
            parts = [part.strip() for part in _split_outside_quotes(extension, ";")]
            name = parts[0].lower()
            if not name:
                continue
            if name != DEFLATE or not offered:
                raise ValueError(f"extension {name!r} was not offered")
            if result is not None:
                raise ValueError("permessage-deflate accepted twice")
            result = _deflate_parameters(parts[1:])
    return result


def _deflate_parameters(params: list[str]) -> DeflateParameters:
    result = DeflateParameters()
    seen: set[str] = set()
    for param in params:
        name, has_value, raw = param.partition("=")
        name = name.strip().lower()
        value = raw.strip().strip('"') if has_value else None
        if name in seen:
            raise ValueError(f"permessage-deflate parameter {name!r} given twice")
        seen.add(name)
        if name in ("server_no_context_takeover", "client_no_context_takeover"):
            if value is not None:
                raise ValueError(f"permessage-deflate parameter {name!r} takes no value")
            setattr(result, name, True)
        elif name in ("server_max_window_bits", "client_max_window_bits"):
            if value is None or not value.isdigit() or value.startswith("0") or \
                    not 8 <= int(value) <= 15:
                raise ValueError(
                    f"permessage-deflate parameter {name} must be 8 to 15, not {value!r}"
                )
            setattr(result, name, int(value))
        else:
            raise ValueError(f"unknown permessage-deflate parameter {name!r}")
    return result


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` where it is not inside a quoted-string."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts
