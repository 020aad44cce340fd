"""The compiled HTTP/2 core and its twin over ``h2`` give equivalent results for the same bytes:
streams recorded from hypercorn, generated well-formed server streams (interleaved, padded,
split into CONTINUATIONs, with trailers, resets, control frames, GOAWAY), and those streams
mutated. See ``differential.py`` for what "equivalent" means. Bounded here; longer under
``make fuzz`` (``fuzz/fuzz_h2core.py``)."""

from __future__ import annotations

import socket
from typing import Any

import hpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.h2core.differential import compare, drive, request, split
from tests.h2core.twins import module
from tests.http2 import frames as f
from tests.http2.fixtures import h2c_server  # noqa: F401


def _cores() -> tuple[Any, Any]:
    return module("cython", "h2core").H2Core, module("python", "h2core").H2Core


_token = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_value = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ;=/",
                 max_size=30).map(str.strip)
_fields = st.lists(st.tuples(_token.filter(lambda n: n not in {
    "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
    "content-length"}), _value), max_size=6)


@st.composite
def server_streams(draw: Any) -> tuple[int, bytes]:
    """(streams opened by the client, a well-formed server byte stream answering them)."""
    streams = draw(st.integers(1, 4))
    encoder = hpack.Encoder()
    out = [f.settings((3, draw(st.sampled_from([10, 100]))), (4, 65535)), f.settings(ack=True)]
    per_stream: list[list[Any]] = []
    for index in range(streams):
        stream_id = 2 * index + 1
        steps: list[Any] = []
        status = draw(st.sampled_from([b"200", b"404", b"500", b"201"]))
        fields = [(b":status", status)] + [(n.encode(), v.encode()) for n, v in draw(_fields)]
        if draw(st.booleans()):
            steps.append(("headers", stream_id, [(b":status", b"103")], False, 1, None, False))
        body = draw(st.lists(st.binary(max_size=300), max_size=4))
        trailers = draw(st.booleans())
        reset = draw(st.integers(0, 9)) == 0
        steps.append(("headers", stream_id, fields, not body and not trailers,
                      draw(st.integers(1, 3)), draw(st.one_of(st.none(), st.integers(0, 20))),
                      draw(st.booleans())))
        for position, piece in enumerate(body):
            last = position == len(body) - 1 and not trailers
            steps.append(("data", stream_id, piece, last,
                          draw(st.one_of(st.none(), st.integers(0, 30)))))
        if trailers and body:
            steps.append(("headers", stream_id, [(b"x-checksum", b"abc")], True, 1, None, False))
        elif trailers:
            steps.append(("data", stream_id, b"", True, None))
        if reset:
            cut = draw(st.integers(1, len(steps)))
            code = draw(st.sampled_from([0, 2, 8]))
            steps = steps[:cut] + [("raw", f.rst_stream(stream_id, code))]
        per_stream.append(steps)
    extras = draw(st.lists(st.sampled_from([
        f.ping(), f.window_update(0, 1000), f.frame(f.PRIORITY, 0, 1, b"\0\0\0\0\x10"),
        f.frame(0xB, 0, 0, b"unknown"), f.settings((1, 256)), f.ping(b"abcdefgh", ack=True),
    ]), max_size=4))
    queue = [list(steps) for steps in per_stream] + [[("raw", extra)] for extra in extras]
    while any(queue):
        choices = [steps for steps in queue if steps]
        step = draw(st.sampled_from(choices)).pop(0)
        if step[0] == "headers":
            _, stream_id, fields, end, pieces, pad, priority = step
            out.append(f.headers(encoder, stream_id, fields, end, pieces, pad, priority))
        elif step[0] == "data":
            _, stream_id, piece, end, pad = step
            out.append(f.data(stream_id, piece, end, pad))
        else:
            out.append(step[1])
    if draw(st.booleans()):
        out.append(f.goaway(2 * streams - 1, 0, b"bye"))
    return streams, b"".join(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=server_streams(), cuts=st.lists(st.integers(0, 4000), max_size=6))
def test_generated_streams(case: tuple[int, bytes], cuts: list[int]) -> None:
    streams, raw = case
    compiled, twin = _cores()
    pieces = split(raw, cuts)
    ours, _ = drive(compiled, streams, pieces)
    theirs, _ = drive(twin, streams, pieces)
    assert ours["error"] is None, ours
    compare(ours, theirs, codes=True)


_mutations = st.lists(
    st.tuples(st.sampled_from(["flip", "delete", "insert", "duplicate"]),
              st.integers(0, 10_000), st.integers(0, 255), st.integers(1, 12)),
    min_size=1, max_size=3,
)


def mutate(raw: bytes, mutations: list[tuple[str, int, int, int]]) -> bytes:
    data = bytearray(raw)
    for kind, where, byte, size in mutations:
        if not data:
            break
        # Mutate after the first SETTINGS most of the time: the interesting parts are later.
        position = 15 + where % max(1, len(data) - 15) if len(data) > 15 else where % len(data)
        if kind == "flip":
            data[position % len(data)] ^= byte or 1
        elif kind == "delete":
            del data[position:position + size]
        elif kind == "insert":
            data[position:position] = bytes([byte]) * size
        else:
            data[position:position] = data[position:position + size]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=server_streams(), mutations=_mutations, cuts=st.lists(st.integers(0, 4000),
                                                                   max_size=3))
def test_mutated_streams(
    case: tuple[int, bytes], mutations: list[tuple[str, int, int, int]], cuts: list[int]
) -> None:
    streams, raw = case
    compiled, twin = _cores()
    pieces = split(mutate(raw, mutations), cuts)
    ours, _ = drive(compiled, streams, pieces)
    theirs, _ = drive(twin, streams, pieces)
    compare(ours, theirs)


def _record_from(port: int, streams: int, paths: list[bytes]) -> bytes:
    """What hypercorn sends for ``paths`` (h2c prior knowledge), until every stream ended."""
    compiled, _ = _cores()
    core = compiled(stream_window=65535, connection_window=65535, max_frame_size=16384,
                    max_streams=100, max_header_list_size=65536)
    core.initiate()
    for path in paths:
        core.send_headers([(b":method", b"GET"), (b":authority", b"127.0.0.1"),
                           (b":scheme", b"http"), (b":path", path),
                           (b"user-agent", b"differential")], True)
    recorded = bytearray()
    ended = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(core.data_to_send())
        while ended < len(paths):
            chunk = sock.recv(65536)
            if not chunk:
                break
            recorded += chunk
            for event in core.receive_data(chunk):
                if event[0] == 4:
                    core.acknowledge(event[1], len(event[2]))
                ended += event[0] == 5
                assert event[0] != 10, event
            sock.sendall(core.data_to_send())
    return bytes(recorded)


@pytest.mark.parametrize("paths", [
    [b"/"], [b"/", b"/json", b"/bytes/5000", b"/stream/5"], [b"/large/1"],
], ids=["one", "mixed", "large"])
def test_recorded_from_hypercorn(h2c_server: Any, paths: list[bytes]) -> None:  # noqa: F811
    raw = _record_from(h2c_server.port, len(paths), paths)
    compiled, twin = _cores()
    for cuts in ([], [1, 9, 10, 100], list(range(0, len(raw), 997))):
        pieces = split(raw, cuts)
        # Replayed with wider windows than recorded: the server kept to the narrower ones.
        ours, _ = drive(compiled, len(paths), pieces)
        theirs, _ = drive(twin, len(paths), pieces)
        assert ours["error"] is None, ours
        assert len(ours["bodies"]) == len(paths)
        compare(ours, theirs, codes=True)


def test_request_bytes_are_understood_by_h2() -> None:
    """What the compiled core sends (preface, SETTINGS, HEADERS, DATA, RST_STREAM, GOAWAY) is
    read by h2's server side as intended."""
    import h2.config
    import h2.connection
    import h2.events

    compiled, _ = _cores()
    core = compiled(stream_window=1 << 20, connection_window=1 << 24, max_frame_size=1 << 16,
                    max_streams=100, max_header_list_size=1 << 16)
    core.initiate()
    first = core.send_headers(request(0, b"POST"), False)
    core.send_data(first, b"x" * 100, False)
    core.end_stream(first)
    second = core.send_headers(request(1) + [(b"x-long", b"v" * 40000)], False)
    core.cancel_stream(second)
    core.close()
    server = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False,
                                                                  header_encoding=None))
    server.initiate_connection()
    events = server.receive_data(core.data_to_send())
    kinds = [type(event).__name__ for event in events]
    assert kinds[:2] == ["RemoteSettingsChanged", "WindowUpdated"]
    received = [event for event in events if isinstance(event, h2.events.RequestReceived)]
    assert [dict(event.headers)[b":path"] for event in received] == [b"/0", b"/1"]
    assert dict(received[1].headers)[b"x-long"] == b"v" * 40000  # split into CONTINUATIONs
    assert [e.data for e in events if isinstance(e, h2.events.DataReceived) and e.data] == [
        b"x" * 100]
    assert "StreamEnded" in kinds and "StreamReset" in kinds
    assert kinds[-1] == "ConnectionTerminated"
