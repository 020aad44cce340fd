"""The sans-I/O HTTP/1.1 rules the connection asks per exchange: the request head and
whether it asks to close, the response fields read after every response (a scan both parser
twins provide), the Keep-Alive timeout and the idle expiry."""

from __future__ import annotations

from typing import Any

import pytest

from fasthttpx import Headers, LocalProtocolError
from fasthttpx._events import CONTENT_ENCODING_FIELD, KEEP_ALIVE_FIELD, SET_COOKIE_FIELD
from fasthttpx._http11_state import (
    could_start_status_line,
    expiry_delay,
    fields_ask_close,
    keep_alive_timeout,
    serialize_request_head,
)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ([], 0),
        ([(b"Content-Length", b"2"), (b"Server", b"x")], 0),
        ([(b"Keep-Alive", b"timeout=5")], KEEP_ALIVE_FIELD),
        ([(b"KEEP-ALIVE", b"timeout=5")], KEEP_ALIVE_FIELD),
        ([(b"content-encoding", b"gzip")], CONTENT_ENCODING_FIELD),
        ([(b"Content-Encoding", b"br"), (b"keep-alive", b"max=3")],
         KEEP_ALIVE_FIELD | CONTENT_ENCODING_FIELD),
        # Same lengths, other names: not these fields.
        ([(b"Keep-Alivf", b"x"), (b"Content-Encodinx", b"y"), (b"X-Something", b"z")], 0),
        ([(b"Transfer-Encoding", b"chunked")], 0),
        ([(b"Set-Cookie", b"a=1"), (b"SET-COOKIE", b"b=2")], SET_COOKIE_FIELD),
        ([(b"set-cookie", b"a=1"), (b"Content-encoding", b"gzip"), (b"Keep-alive", b"x")],
         SET_COOKIE_FIELD | CONTENT_ENCODING_FIELD | KEEP_ALIVE_FIELD),
        ([(b"Set-Cookie2", b"x"), (b"Set-Cooki", b"y")], 0),
        ([(b"", b""), (b"\xffeep-alive", b"x")], 0),
    ],
)
def test_response_fields(impl: Any, fields: list[tuple[bytes, bytes]], expected: int) -> None:
    assert impl.response_fields(fields) == expected


def test_response_fields_refuses_what_is_not_bytes(impl: Any) -> None:
    with pytest.raises(TypeError, match="^field names must be bytes, not str$"):
        impl.response_fields([("Keep-Alive", b"x")])


def test_serialized_head_says_whether_it_asks_to_close() -> None:
    keep = Headers({"Host": "a", "Connection": "keep-alive"})
    close = Headers({"Host": "a", "Connection": "Upgrade, Close"})
    head, asks_close = serialize_request_head(b"GET", b"/x", keep)
    assert head == b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n"
    assert asks_close is False
    assert serialize_request_head(b"GET", b"/x", keep) == (head, False)  # remembered
    assert serialize_request_head(b"GET", b"/x", close)[1] is True
    extra = (b"Proxy-Authorization: Basic eA==\r\n", 1)
    head, _ = serialize_request_head(b"GET", b"http://a/x", keep, extra)
    assert head.endswith(b"Connection: keep-alive\r\nProxy-Authorization: Basic eA==\r\n\r\n")


def test_fields_ask_close() -> None:
    assert fields_ask_close(b"Connection: close\r\n")
    assert fields_ask_close(b"Host: a\r\nconnection: keep-alive, CLOSE\r\n")
    assert not fields_ask_close(b"Host: a\r\nConnection: keep-alive\r\n")
    assert not fields_ask_close(b"X-Connection: close\r\n")


def test_injected_line_breaks_are_refused() -> None:
    with pytest.raises(LocalProtocolError):
        serialize_request_head(b"GET", b"/", Headers({"X-A": "1\r\nX-B: 2"}))


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(b"timeout=5, max=100", 5.0), ("max=3, Timeout = 2.5", 2.5), (b"max=3", None),
     (b"timeout=soon", None), (b"timeout=-1", None), (None, None)],
)
def test_keep_alive_timeout(value: bytes | str | None, seconds: float | None) -> None:
    assert keep_alive_timeout(value) == seconds


def test_expiry_delay_stops_a_second_before_the_server() -> None:
    assert expiry_delay(5.0, None) == 5.0
    assert expiry_delay(5.0, 3.0) == 2.0
    assert expiry_delay(5.0, 0.5) == 0.0
    assert expiry_delay(1.0, 30.0) == 1.0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", True), (b"H", True), (b"HTTP/1", True), (b"HTTP/1.", True), (b"HTTP/1.1", True),
        (b"HTTP/1.1 ", True), (b"HTTP/1.0 200 OK\r\n", True), (b"HTTP/1.9 2", True),
        (b"HTTP/1.1 2x0", True),  # a valid start: the rest is the parser's to judge
        (b"EXTRA", False), (b"\r\n", False), (b"\n", False), (b" HTTP/1.1", False),
        (b"http/1.1 200", False), (b"HTTP/2 200", False), (b"HTTP/2.0 200", False),
        (b"HTTP/1.x", False), (b"HTTP/1.1\t200", False), (b"HTTP/1.11 200", False),
        (b"HTTP/1.1200", False), (b"HTTP/1.1\r\n", False), (b"\x00HTTP", False),
    ],
)
def test_could_start_status_line(data: bytes, expected: bool) -> None:
    # Issue 17: on a reused connection, bytes for which this is False are stray bytes.
    assert could_start_status_line(data) is expected


def test_could_start_status_line_agrees_with_the_parser() -> None:
    """Every first line of the parser table that the parser accepts starts in a way
    ``could_start_status_line`` accepts; every start it refuses fails the parser's status
    line check once the line ends."""
    from fasthttpx._exceptions import RemoteProtocolError
    from fasthttpx._parser_py import ResponseParser
    from tests.core.cases import CASES

    accepted = 0
    for case in CASES:
        first_line = case.data.partition(b"\n")[0] + b"\n"
        try:
            ResponseParser(case.method).feed(first_line)
        except RemoteProtocolError:
            continue
        accepted += 1
        assert could_start_status_line(case.data), case.id
    assert accepted > 100
    for start in (b"EXTRA", b"HTTP/2 200 OK", b"HTTP/1.x 200 OK", b"HTTP/1.1\t200 OK"):
        assert not could_start_status_line(start)
        with pytest.raises(RemoteProtocolError, match="status line|HTTP version"):
            ResponseParser().feed(start + b"\r\n\r\n")
