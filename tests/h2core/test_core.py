"""Stream errors and the server's header list limit, on both HTTP/2 cores.

A malformed response (RFC 9113 §8.1.1) and a WINDOW_UPDATE overflowing a stream's window
(§6.9.1) are *stream* errors: that stream gets RST_STREAM and a ``STREAM_ERROR`` event, what
still arrives on it is ignored, and a concurrent stream completes on the same connection.
A request whose header list exceeds the server's SETTINGS_MAX_HEADER_LIST_SIZE (§6.5.2) is
refused before anything is queued.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import h2.config
import h2.connection
import h2.events
import hpack
import pytest

from fasthttpx import LocalProtocolError
from fasthttpx._h2_interface import (
    CONN_ERROR,
    DATA,
    RESPONSE,
    SETTINGS,
    STREAM_ENDED,
    STREAM_ERROR,
    TRAILERS,
)
from tests.h2core.differential import OPTIONS, request
from tests.h2core.twins import IMPLS, module
from tests.http2 import frames as f

PROTOCOL_ERROR, FLOW_CONTROL_ERROR = 0x1, 0x3
BAD, GOOD = 1, 3  # the two streams each case opens


def _core(impl: str) -> Any:
    core = module(impl, "h2core").H2Core(**OPTIONS)
    core.initiate()
    return core


def _head(encoder: hpack.Encoder, stream_id: int, fields: list[tuple[bytes, bytes]],
          end_stream: bool = False) -> bytes:
    return f.headers(encoder, stream_id, fields, end_stream)


def _ok(encoder: hpack.Encoder, stream_id: int) -> bytes:
    return _head(encoder, stream_id, [(b":status", b"200"), (b"content-length", b"2")]) + \
        f.data(stream_id, b"ok", True)


_STATUS = (b":status", b"200")

#: name -> what the server sends on stream BAD (one hpack encoder per connection).
MALFORMED: dict[str, Callable[[hpack.Encoder], bytes]] = {
    "status-not-digits": lambda e: _head(e, BAD, [(b":status", b"2x0")], True),
    "status-missing": lambda e: _head(e, BAD, [(b"x-a", b"1")], True),
    "status-twice": lambda e: _head(e, BAD, [_STATUS, _STATUS], True),
    "request-pseudo-field": lambda e: _head(e, BAD, [_STATUS, (b":path", b"/")], True),
    "pseudo-after-regular": lambda e: _head(e, BAD, [(b"x-a", b"1"), _STATUS], True),
    "uppercase-name": lambda e: _head(e, BAD, [_STATUS, (b"X-Upper", b"1")], True),
    "space-in-name": lambda e: _head(e, BAD, [_STATUS, (b"x a", b"1")], True),
    "cr-in-value": lambda e: _head(e, BAD, [_STATUS, (b"x-a", b"1\r2")], True),
    "value-padded": lambda e: _head(e, BAD, [_STATUS, (b"x-a", b" 1")], True),
    "connection-field": lambda e: _head(e, BAD, [_STATUS, (b"connection", b"close")], True),
    "transfer-encoding": lambda e: _head(e, BAD, [_STATUS, (b"transfer-encoding", b"chunked")],
                                         True),
    "te-not-trailers": lambda e: _head(e, BAD, [_STATUS, (b"te", b"gzip")], True),
    "content-length-invalid": lambda e: _head(e, BAD, [_STATUS, (b"content-length", b"1x")]),
    "content-length-conflict": lambda e: _head(
        e, BAD, [_STATUS, (b"content-length", b"1"), (b"content-length", b"2")]),
    "content-length-no-body": lambda e: _head(e, BAD, [_STATUS, (b"content-length", b"5")],
                                              True),
    "body-shorter": lambda e: _head(e, BAD, [_STATUS, (b"content-length", b"5")])
    + f.data(BAD, b"ab") + f.data(BAD, b"c", True),
    "body-longer": lambda e: _head(e, BAD, [_STATUS, (b"content-length", b"2")])
    + f.data(BAD, b"ab") + f.data(BAD, b"c", True),
    "data-before-head": lambda e: f.data(BAD, b"early"),
    "informational-ends-stream": lambda e: _head(e, BAD, [(b":status", b"103")], True),
    "trailers-without-end-stream": lambda e: _head(e, BAD, [_STATUS]) + f.data(BAD, b"ab")
    + _head(e, BAD, [(b"x-t", b"1")]),
    "pseudo-field-in-trailers": lambda e: _head(e, BAD, [_STATUS])
    + _head(e, BAD, [_STATUS], True),
}


def _events_by_stream(events: list[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for event in events:
        out.setdefault(event[1], []).append(event)
    return out


def _frames_sent(core: Any) -> list[tuple[int, int, int, bytes]]:
    return f.parse_frames(core.data_to_send())


def _exchange(name: str) -> tuple[bytes, hpack.Encoder]:
    """The server's bytes for case ``name``: the bad stream's frames, then, interleaved with
    the good stream's response, frames that still arrive on the bad one (to be ignored)."""
    encoder = hpack.Encoder()
    raw = f.settings() + MALFORMED[name](encoder) + _head(encoder, GOOD, [_STATUS]) \
        + f.data(BAD, b"late") + f.data(GOOD, b"fine", True) \
        + _head(encoder, BAD, [(b"x-late", b"1")], True)
    return raw, encoder


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("split", [False, True], ids=["one-read", "two-reads"])
@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_response_is_a_stream_error(impl: str, name: str, split: bool) -> None:
    core = _core(impl)
    assert core.send_headers(request(0), True) == BAD
    assert core.send_headers(request(1), True) == GOOD
    core.data_to_send()
    raw, encoder = _exchange(name)
    cut = len(raw) // 2 if split else len(raw)
    events = core.receive_data(raw[:cut]) + core.receive_data(raw[cut:])
    assert not [e for e in events if e[0] == CONN_ERROR], events
    by_stream = _events_by_stream(events)
    bad = [e for e in by_stream[BAD] if e[0] not in (DATA, RESPONSE)]  # a head may come first
    assert [e[:3] for e in bad] == [(STREAM_ERROR, BAD, PROTOCOL_ERROR)], events
    assert by_stream[BAD][-1] == bad[0]  # nothing after the error
    assert isinstance(bad[0][3], str) and bad[0][3]
    good = by_stream[GOOD]
    assert [e[0] for e in good if e[0] != DATA] == [RESPONSE, STREAM_ENDED]
    assert b"".join(e[2] for e in good if e[0] == DATA) == b"fine"
    sent = _frames_sent(core)
    assert (f.RST_STREAM, 0, BAD, struct.pack(">I", PROTOCOL_ERROR)) in sent
    assert not [frame for frame in sent if frame[0] == f.GOAWAY]
    assert core.open_outbound_streams == 0
    # The connection goes on: a new stream gets its response.
    third = core.send_headers(request(2), True)
    more = core.receive_data(_ok(encoder, third))
    assert [e[0] for e in more if e[1] == third] == [RESPONSE, DATA, STREAM_ENDED]


@pytest.mark.parametrize("impl", IMPLS)
def test_stream_window_overflow_is_a_stream_error(impl: str) -> None:
    core = _core(impl)
    bad = core.send_headers(request(0, b"POST"), False)
    good = core.send_headers(request(1, b"POST"), False)
    core.data_to_send()
    encoder = hpack.Encoder()
    events = core.receive_data(
        f.settings() + f.window_update(bad, 2**31 - 1) + f.window_update(good, 1000)
        + _ok(encoder, good) + f.data(bad, b"late")
    )
    assert not [e for e in events if e[0] == CONN_ERROR], events
    errors = [e for e in events if e[0] == STREAM_ERROR]
    assert [e[:3] for e in errors] == [(STREAM_ERROR, bad, FLOW_CONTROL_ERROR)]
    assert [e[0] for e in events if e[1] == good and e[0] in (RESPONSE, DATA, STREAM_ENDED)] \
        == [RESPONSE, DATA, STREAM_ENDED]
    sent = _frames_sent(core)
    assert (f.RST_STREAM, 0, bad, struct.pack(">I", FLOW_CONTROL_ERROR)) in sent
    assert not [frame for frame in sent if frame[0] == f.GOAWAY]
    assert core.send_window(bad) == 0  # nothing more may be sent on it
    assert core.send_window(good) > 0
    core.send_data(good, b"body", True)


@pytest.mark.parametrize("impl", IMPLS)
def test_connection_window_overflow_stays_a_connection_error(impl: str) -> None:
    core = _core(impl)
    core.send_headers(request(0), True)
    core.data_to_send()
    events = core.receive_data(f.settings() + f.window_update(0, 2**31 - 1))
    assert [e[:3] for e in events if e[0] == CONN_ERROR] == [(CONN_ERROR, 0, FLOW_CONTROL_ERROR)]


@pytest.mark.parametrize("impl", IMPLS)
def test_trailers_after_a_good_body(impl: str) -> None:
    """The checks let a well-formed response with trailers through."""
    core = _core(impl)
    stream_id = core.send_headers(request(0), True)
    encoder = hpack.Encoder()
    events = core.receive_data(
        f.settings() + _head(encoder, stream_id, [_STATUS, (b"content-length", b"3")])
        + f.data(stream_id, b"abc") + _head(encoder, stream_id, [(b"x-sum", b"1")], True))
    assert [e[0] for e in events if e[1] == stream_id] == [RESPONSE, DATA, TRAILERS,
                                                           STREAM_ENDED]


def _server_side(raw: bytes) -> list[Any]:
    server = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False,
                                                                  header_encoding=None))
    server.initiate_connection()
    return server.receive_data(raw)


@pytest.mark.parametrize("impl", IMPLS)
def test_header_list_over_the_servers_limit_is_refused_locally(impl: str) -> None:
    core = _core(impl)
    first = core.send_headers(request(0), True)
    core.receive_data(f.settings((6, 400)))  # SETTINGS_MAX_HEADER_LIST_SIZE
    sent_before = core.data_to_send()
    big = request(1) + [(b"x-big", b"v" * 400)]
    with pytest.raises(LocalProtocolError, match="SETTINGS_MAX_HEADER_LIST_SIZE"):
        core.send_headers(big, True)
    assert core.data_to_send() == b""  # nothing queued
    assert core.open_outbound_streams == 1
    # Just under the limit passes: (name + value + 32) per field, pseudo-fields included.
    fields = request(2)
    room = 400 - sum(len(n) + len(v) + 32 for n, v in fields) - len(b"x-fill") - 32
    second = core.send_headers(fields + [(b"x-fill", b"v" * room)], True)
    assert second == first + 2  # no stream id was used by the refused request
    # The server decodes both requests: the HPACK state did not move for the refused one.
    events = _server_side(sent_before + core.data_to_send())
    paths = [dict(e.headers)[b":path"] for e in events if isinstance(e, h2.events.RequestReceived)]
    assert paths == [b"/0", b"/2"]


@pytest.mark.parametrize("impl", IMPLS)
def test_no_header_list_limit_until_the_server_sets_one(impl: str) -> None:
    core = _core(impl)
    core.send_headers(request(0) + [(b"x-big", b"v" * 100_000)], True)
    core.receive_data(f.settings((3, 100)))
    core.send_headers(request(1) + [(b"x-big", b"v" * 100_000)], True)
    assert core.open_outbound_streams == 2


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("frame_size", [1000, 8192, 16384, 40000])
def test_body_split_anywhere_arrives_whole_in_bounded_pieces(impl: str, frame_size: int) -> None:
    """DATA frames cut at any point between reads arrive whole and in order; the compiled
    core joins a stream's frames of one read into events of at most 32 KiB (a bigger frame
    is one event of its own)."""
    body = bytes(range(256)) * 1024  # 256 KiB
    encoder = hpack.Encoder()
    raw = f.settings() + _head(encoder, 1, [_STATUS, (b"content-length", b"%d" % len(body))])
    raw += b"".join(f.data(1, body[i:i + frame_size], i + frame_size >= len(body))
                    for i in range(0, len(body), frame_size))
    for read_size in (7, 4096, 65536 + 3, len(raw)):
        core = _core(impl)
        core.send_headers(request(0), True)
        events = []
        for start in range(0, len(raw), read_size):
            events += core.receive_data(raw[start:start + read_size])
        pieces = [e[2] for e in events if e[0] == DATA]
        assert b"".join(pieces) == body
        assert [e[0] for e in events if e[0] not in (DATA, SETTINGS)] == [RESPONSE,
                                                                          STREAM_ENDED]
        if impl == "cython":
            assert max(len(piece) for piece in pieces) <= max(32768, frame_size)
