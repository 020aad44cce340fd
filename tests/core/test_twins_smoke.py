"""Smoke test of the parser twins: the compiled `_parser`/`_chunked` and `_parser_py`/`_chunked_py`.

A handful of cases run on both implementations (the full table lives in the other files of
this directory). The compiled case fails, not skips, when the extension cannot be imported,
unless the run opted out with ``FASTHTTPX_NO_EXTENSIONS``.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

import pytest

from fasthttpx._events import Data, EndOfMessage, InformationalResponse, ResponseHead
from fasthttpx._exceptions import RemoteProtocolError
from fasthttpx._implementation import extensions_disabled

IMPLS = ["cython", "python"]
_MODULES = {
    "cython": ("fasthttpx._parser", "fasthttpx._chunked"),
    "python": ("fasthttpx._parser_py", "fasthttpx._chunked_py"),
}


def _modules(impl: str) -> tuple[ModuleType, ModuleType]:
    parser_name, chunked_name = _MODULES[impl]
    if impl == "cython" and extensions_disabled(os.environ.get("FASTHTTPX_NO_EXTENSIONS")):
        pytest.skip("compiled core disabled by FASTHTTPX_NO_EXTENSIONS")
    # An ImportError here fails the test: a run must not silently lose the compiled core.
    return importlib.import_module(parser_name), importlib.import_module(chunked_name)


def _parser(impl: str, method: bytes = b"GET", **limits: int) -> Any:
    return _modules(impl)[0].ResponseParser(method, **limits)


def _feed_all(parser: Any, pieces: list[bytes]) -> list[Any]:
    events: list[Any] = []
    for piece in pieces:
        events += parser.feed(piece)
    return events


def _merged(events: list[Any]) -> list[Any]:
    """Events with consecutive Data joined (feeding split input gives more Data pieces)."""
    out: list[Any] = []
    for event in events:
        if type(event) is Data and out and type(out[-1]) is Data:
            out[-1] = Data(out[-1].data + event.data)
        else:
            out.append(event)
    return out


SIMPLE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;name=\"quoted \\\" value\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n"
)


@pytest.mark.parametrize("impl", IMPLS)
def test_simple_content_length(impl: str) -> None:
    p = _parser(impl)
    assert p.feed(SIMPLE) == [
        ResponseHead(200, b"OK", b"1.1", [(b"Content-Type", b"text/plain"),
                                          (b"Content-Length", b"5")]),
        Data(b"hello"),
        EndOfMessage(),
    ]
    assert p.finished and p.keep_alive and not p.failed
    assert p.bytes_received == len(SIMPLE)
    assert p.feed(b"stray") == [] and p.unused_data == b"stray"
    assert p.feed_eof() == []


@pytest.mark.parametrize("impl", IMPLS)
def test_chunked_with_trailers(impl: str) -> None:
    p = _parser(impl)
    assert p.feed(CHUNKED + b"NEXT") == [
        ResponseHead(200, b"OK", b"1.1", [(b"Transfer-Encoding", b"chunked")]),
        Data(b"hello world"),
        EndOfMessage([(b"X-Checksum", b"abc")]),
    ]
    assert p.unused_data == b"NEXT" and p.keep_alive


@pytest.mark.parametrize("impl", IMPLS)
def test_head_response_has_no_body(impl: str) -> None:
    p = _parser(impl, b"HEAD")
    events = p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    assert events == [ResponseHead(200, b"OK", b"1.1", [(b"Content-Length", b"1000")]),
                      EndOfMessage()]
    assert p.finished and p.keep_alive


@pytest.mark.parametrize("impl", IMPLS)
def test_204_has_no_body(impl: str) -> None:
    p = _parser(impl)
    events = p.feed(b"HTTP/1.1 204 No Content\r\n\r\nextra")
    assert events == [ResponseHead(204, b"No Content", b"1.1", []), EndOfMessage()]
    assert p.unused_data == b"extra"


@pytest.mark.parametrize("impl", IMPLS)
def test_informational_then_final(impl: str) -> None:
    p = _parser(impl)
    events = p.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                    b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")
    assert events == [
        InformationalResponse(100, b"Continue", b"1.1", []),
        InformationalResponse(103, b"Early Hints", b"1.1", [(b"Link", b"</a>")]),
        ResponseHead(200, b"", b"1.1", [(b"Content-Length", b"0")]),
        EndOfMessage(),
    ]


@pytest.mark.parametrize("impl", IMPLS)
def test_read_until_close(impl: str) -> None:
    p = _parser(impl)
    assert p.feed(b"HTTP/1.0 200 OK\r\n\r\nsome") == [ResponseHead(200, b"OK", b"1.0", []),
                                                       Data(b"some")]
    assert p.feed(b" body") == [Data(b" body")]
    assert not p.finished
    assert p.feed_eof() == [EndOfMessage()]
    assert p.finished and not p.keep_alive
    assert p.feed_eof() == []


@pytest.mark.parametrize("impl", IMPLS)
def test_body_bytes_are_not_copied(impl: str) -> None:
    p = _parser(impl)
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    piece = b"01234"
    assert p.feed(piece)[0].data is piece


@pytest.mark.parametrize(
    ("version_line", "connection", "expected"),
    [(b"HTTP/1.1 200 OK", b"", True), (b"HTTP/1.1 200 OK", b"Connection: foo, CLOSE\r\n", False),
     (b"HTTP/1.0 200 OK", b"", False), (b"HTTP/1.0 200 OK", b"Connection: Keep-Alive\r\n", True)],
)
@pytest.mark.parametrize("impl", IMPLS)
def test_keep_alive(impl: str, version_line: bytes, connection: bytes, expected: bool) -> None:
    p = _parser(impl)
    p.feed(version_line + b"\r\n" + connection + b"Content-Length: 0\r\n\r\n")
    assert p.finished and p.keep_alive is expected


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
         "conflicting Content-Length"),
        (b"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "bare CR in response head"),
        (b"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
         "obs-fold (line folding) in field section is not allowed"),
        (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "unexpected 101 Switching Protocols"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n", "invalid chunk size"),
        (b"\r\nHTTP/1.1 200 OK\r\n\r\n", "invalid status line"),
    ],
)
@pytest.mark.parametrize("impl", IMPLS)
def test_errors_are_sticky(impl: str, response: bytes, message: str) -> None:
    p = _parser(impl)
    with pytest.raises(RemoteProtocolError) as info:
        p.feed(response)
    assert str(info.value) == message and p.failed
    with pytest.raises(RemoteProtocolError, match="^" + message.replace("(", r"\(")
                       .replace(")", r"\)") + "$"):
        p.feed(b"more")
    with pytest.raises(RemoteProtocolError):
        p.feed_eof()


@pytest.mark.parametrize("impl", IMPLS)
def test_truncated_body_names_what_was_cut(impl: str) -> None:
    p = _parser(impl)
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    with pytest.raises(RemoteProtocolError,
                       match="^connection closed before the end of the body: received 3 of 10"):
        p.feed_eof()
    with pytest.raises(RemoteProtocolError, match="without sending a response"):
        _parser(impl).feed_eof()


@pytest.mark.parametrize("impl", IMPLS)
def test_endless_header_line_fails_at_the_limit(impl: str) -> None:
    p = _parser(impl, max_line_size=100)
    p.feed(b"HTTP/1.1 200 OK\r\nX-Drip: ")
    with pytest.raises(RemoteProtocolError, match="header line too long"):
        for _ in range(200):  # fails once the line passes 100 bytes, not at the end
            p.feed(b"a")
    assert p.bytes_received < len(b"HTTP/1.1 200 OK\r\nX-Drip: ") + 110


@pytest.mark.parametrize("response", [SIMPLE, CHUNKED, b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok"])
@pytest.mark.parametrize("impl", IMPLS)
def test_byte_by_byte_gives_the_same_events(impl: str, response: bytes) -> None:
    whole = _parser(impl).feed(response)
    p = _parser(impl)
    dripped = _feed_all(p, [response[i:i + 1] for i in range(len(response))])
    assert _merged(dripped) == whole
    assert all(type(e) is not Data or e.data for e in dripped)  # never an empty Data
    assert p.finished


@pytest.mark.parametrize("impl", IMPLS)
def test_chunked_decoder_on_its_own(impl: str) -> None:
    decoder = _modules(impl)[1].ChunkedDecoder()
    body = b"3\r\nabc\r\n00004;x=y\r\nd\r\nf\r\n0\r\n\r\n"
    out = b"".join(decoder.feed(body[i:i + 2]) for i in range(0, len(body), 2))
    assert out == b"abcd\r\nf" and decoder.finished and decoder.trailers == []
    decoder.feed_eof()
    overflow = _modules(impl)[1].ChunkedDecoder()
    with pytest.raises(RemoteProtocolError, match="^chunk size overflow$"):
        overflow.feed(b"10000000000000000\r\n")
    assert overflow.failed


def test_twins_agree_on_a_sample() -> None:
    if extensions_disabled(os.environ.get("FASTHTTPX_NO_EXTENSIONS")):
        pytest.skip("compiled core disabled by FASTHTTPX_NO_EXTENSIONS")
    samples = [SIMPLE, CHUNKED, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
               b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", b"HTTP/2.0 200 OK\r\n\r\n"]
    for sample in samples:
        outcomes = []
        for impl in IMPLS:
            try:
                outcomes.append(("ok", _parser(impl).feed(sample)))
            except RemoteProtocolError as exc:
                outcomes.append(("error", str(exc)))
        assert outcomes[0] == outcomes[1], sample


UPGRADE_101 = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
)


@pytest.mark.parametrize("impl", IMPLS)
def test_upgrade_101_is_final_and_keeps_what_follows(impl: str) -> None:
    """After ``allow_upgrade()`` a 101 ends the exchange; the bytes after its head (the new
    protocol's, here a WebSocket frame) are kept whole, however the input is split."""
    wire = b"HTTP/1.1 100 Continue\r\n\r\n" + UPGRADE_101 + b"\x81\x02hi"
    for split in range(len(wire) + 1):
        p = _modules(impl)[0].ResponseParser(b"GET")
        p.allow_upgrade()
        events = _feed_all(p, [wire[:split], wire[split:]])
        assert [type(e) for e in events] == [InformationalResponse, ResponseHead, EndOfMessage]
        assert events[1].status_code == 101
        assert events[1].headers == [(b"Upgrade", b"websocket"), (b"Connection", b"Upgrade")]
        assert p.finished and not p.keep_alive
        assert p.unused_data == b"\x81\x02hi"
    assert p.feed(b"more") == [] and p.unused_data == b"\x81\x02himore"


@pytest.mark.parametrize("impl", IMPLS)
def test_upgrade_request_answered_otherwise_is_an_ordinary_response(impl: str) -> None:
    p = _modules(impl)[0].ResponseParser(b"GET")
    p.allow_upgrade()
    events = p.feed(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno")
    assert events[0].status_code == 403 and events[1] == Data(b"no") and p.keep_alive
