"""Received HTTP/2 field sections checked as RFC 9113 §8.1.1-8.3 require, in pure Python.

The twin over ``h2`` (``_h2core_py``) uses these instead of h2's own inbound validation, so
both twins apply one set of rules; the compiled core has the same rules as C loops
(``_check_fields`` and ``_content_length`` in ``_h2core.pyx``), and the differential tests
hold the two to the same verdicts. A violation makes that response *malformed*: a stream
error (RST_STREAM PROTOCOL_ERROR, §8.1.1), not a connection error, so the other streams on
the connection carry on.
"""

from __future__ import annotations

import re

from ._h2_interface import Fields

__all__ = ["MalformedResponse", "check_fields", "content_length", "header_list_size"]

#: A received field name (§8.2.1): visible ASCII, no upper case, no colon; a pseudo-field's
#: name is a colon and then the same.
_NAME = re.compile(rb"[\x21-\x39\x3b-\x40\x5b-\x7e]+")
_PSEUDO_NAME = re.compile(rb":[\x21-\x39\x3b-\x40\x5b-\x7e]*")
_BAD_VALUE_CHAR = re.compile(rb"[\x00\r\n]")
_STATUS = re.compile(rb"[0-9]{3}")
_WHITESPACE = (0x20, 0x09)

#: Fields that only mean something to one HTTP/1.1 connection (§8.2.2).
CONNECTION_FIELDS = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"}
)


class MalformedResponse(Exception):
    """A received field section or body that breaks RFC 9113 §8.1.1-8.3."""


def check_fields(fields: Fields, trailers: bool) -> tuple[int, Fields]:
    """(status, regular fields) of a received head (``trailers`` false: ``:status`` -1
    never returned) or trailer section; raises ``MalformedResponse``."""
    status = -1
    regular_seen = False
    regular: Fields = []
    for field in fields:
        name, value = field
        if not name:
            raise MalformedResponse("an empty field name")
        pseudo = name[0] == 0x3A
        if not (_PSEUDO_NAME if pseudo else _NAME).fullmatch(name):
            raise MalformedResponse(f"invalid field name {name!r}")
        if _BAD_VALUE_CHAR.search(value):
            raise MalformedResponse(f"invalid character in field {name!r}")
        if value and (value[0] in _WHITESPACE or value[-1] in _WHITESPACE):
            raise MalformedResponse(f"whitespace around the value of {name!r}")
        if pseudo:
            if trailers or regular_seen or name != b":status" or status >= 0:
                raise MalformedResponse(f"pseudo-field {name!r} misplaced or not allowed")
            if not _STATUS.fullmatch(value):
                raise MalformedResponse(f"malformed :status {value!r}")
            status = int(value)
            continue
        regular_seen = True
        if name in CONNECTION_FIELDS:
            raise MalformedResponse(f"connection-specific field {name!r}")
        if name == b"te" and value.lower() != b"trailers":
            raise MalformedResponse(f"invalid te field {value!r}")
        regular.append(field)
    if not trailers and status < 0:
        raise MalformedResponse("a response without :status")
    return status, regular


def content_length(fields: Fields) -> int:
    """The response's content-length (-1 if absent); a malformed or conflicting value is a
    malformed response (§8.1.1)."""
    found = -1
    for name, value in fields:
        if name == b"content-length":
            if not value.isdigit() or len(value) > 18:
                raise MalformedResponse(f"invalid content-length {value!r}")
            parsed = int(value)
            if found >= 0 and parsed != found:
                raise MalformedResponse("conflicting content-length values")
            found = parsed
    return found


def header_list_size(fields: Fields) -> int:
    """A field list's size as SETTINGS_MAX_HEADER_LIST_SIZE counts it (§6.5.2: names and
    values, plus 32 bytes per field)."""
    return sum(len(name) + len(value) + 32 for name, value in fields)
