"""HTTP/2 request fields are checked by us (h2's own outbound validation is off for speed):
RFC 9113 §8.2 — lower-case token names, no CR/LF/NUL in values, no connection-specific
fields."""

from __future__ import annotations

import pytest

from fasthttpx import LocalProtocolError
from fasthttpx._http2_state import HTTP2State


def _state() -> HTTP2State:
    state = HTTP2State()
    state.initiate()
    state.data_to_send()
    return state


@pytest.mark.parametrize(
    "fields",
    [
        [(b"x-a", b"ok\r\nx-injected: 1")],
        [(b"x-a", b"nul\0")],
        [(b"Bad Name", b"v")],
        [(b"x:colon", b"v")],
    ],
)
def test_bad_fields_are_refused(fields: list[tuple[bytes, bytes]]) -> None:
    with pytest.raises(LocalProtocolError):
        _state().open_stream(b"GET", b"https", b"example.test", b"/", fields, True)


def test_connection_specific_fields_are_dropped_and_names_lowered() -> None:
    state = _state()
    stream = state.open_stream(
        b"GET", b"https", b"example.test", b"/",
        [(b"Connection", b"keep-alive"), (b"X-Trace", b"1"), (b"Host", b"other.test")], True,
    )
    assert stream.stream_id == 1
    assert state.data_to_send()  # a HEADERS frame was queued
