"""Hypothesis differential test of the parser twins.

Generated responses (status line, fields, 1xx interim responses, bodies framed by
Content-Length, by chunked coding with random chunking, extensions and trailers, or by the
close) are fed in random pieces and must give exactly the events the generator expects.
Mutations of them (byte flips, inserted CR/LF/NUL/space, deletions, repeated field lines)
have no expected result: there the ``cython`` run must agree with the pure-Python twin fed
the same pieces (events, properties, error message), and the ``python`` run must agree with
itself fed the input whole (same result however the input is cut).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fasthttpx._events import Data, EndOfMessage, InformationalResponse, ResponseHead

from .runner import Outcome, coalesce, run_parser

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

TCHAR = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
VALUE_CHARS = bytes(range(0x21, 0x7F)) + b"\x80\xa0\xe9\xff"
RESERVED = {b"content-length", b"transfer-encoding", b"connection"}


@dataclass
class Generated:
    data: bytes
    method: bytes
    events: list[Any]
    keep_alive: bool | None
    until_close: bool


def _token(draw: st.DrawFn) -> bytes:
    return bytes(draw(st.lists(st.sampled_from(TCHAR), min_size=1, max_size=12)))


def _value(draw: st.DrawFn) -> bytes:
    inner = bytes(draw(st.lists(st.sampled_from(VALUE_CHARS + b" \t"), max_size=20)))
    return inner.strip(b" \t")


def _eol(draw: st.DrawFn) -> bytes:
    return draw(st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n"]))


def _ows(draw: st.DrawFn) -> bytes:
    return draw(st.sampled_from([b"", b" ", b"  ", b"\t", b" \t "]))


def _fields(draw: st.DrawFn, max_size: int) -> list[tuple[bytes, bytes]]:
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        name = _token(draw)
        if name.lower() in RESERVED:
            name = b"X-" + name
        out.append((name, _value(draw)))
    return out


def _field_lines(draw: st.DrawFn, fields: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(n + b":" + _ows(draw) + v + _ows(draw) + _eol(draw) for n, v in fields)


def _reason(draw: st.DrawFn) -> bytes:
    chars = bytes(range(0x21, 0x7F)) + b" \t\x80\xe9\xff"
    reason = bytes(draw(st.lists(st.sampled_from(chars), max_size=16)))
    return reason.rstrip(b" \t")


def _status_line(draw: st.DrawFn, version: bytes, code: int, reason: bytes) -> bytes:
    if not reason and draw(st.booleans()):
        return b"HTTP/%s %d" % (version, code) + _eol(draw)  # no SP, no reason
    return b"HTTP/%s %d %s" % (version, code, reason) + _eol(draw)


def _chunked_body(draw: st.DrawFn, body: bytes, trailers: list[tuple[bytes, bytes]]) -> bytes:
    out = []
    pos = 0
    while pos < len(body):
        n = draw(st.integers(1, len(body) - pos))
        size = draw(st.sampled_from([b"%x", b"%X", b"00%x"])) % n
        ext = draw(st.sampled_from([b"", b";a", b";a=b", b';q="x y"', b"; n = v"]))
        out.append(size + ext + _eol(draw) + body[pos:pos + n] + b"\r\n")
        pos += n
    last = draw(st.sampled_from([b"0", b"000", b"0;done"]))
    out.append(last + _eol(draw) + _field_lines(draw, trailers) + _eol(draw))
    return b"".join(out)


@st.composite
def responses(draw: st.DrawFn) -> Generated:
    method = draw(st.sampled_from([b"GET", b"GET", b"POST", b"HEAD"]))
    version = draw(st.sampled_from([b"1.1", b"1.1", b"1.0"]))
    data = b""
    events: list[Any] = []
    for _ in range(draw(st.integers(0, 2))):
        code = draw(st.sampled_from([100, 102, 103, 150, 199]))
        reason = _reason(draw)
        fields = _fields(draw, 3)
        data += _status_line(draw, version, code, reason) + _field_lines(draw, fields) + _eol(draw)
        events.append(InformationalResponse(code, reason, version, fields))
    code = draw(st.one_of(st.sampled_from([200, 204, 304, 404]), st.integers(200, 599)))
    reason = _reason(draw)
    fields = _fields(draw, 5)
    no_body = method == b"HEAD" or code in (204, 304)
    framing = draw(st.sampled_from(["cl", "chunked", "close"] if version == b"1.1"
                                   else ["cl", "close"]))
    conn = draw(st.sampled_from([None, b"close", b"keep-alive", b"Keep-Alive", b"foo, close"]))
    body = draw(st.binary(max_size=200))
    trailers = _fields(draw, 3)
    head_fields = list(fields)
    if conn is not None:
        head_fields.insert(draw(st.integers(0, len(head_fields))), (b"Connection", conn))
    if framing == "cl":
        head_fields.append((b"Content-Length", b"%d" % len(body)))
    elif framing == "chunked":
        head_fields.append((b"Transfer-Encoding", b"chunked"))
    data += _status_line(draw, version, code, reason) + _field_lines(draw, head_fields)
    data += _eol(draw)
    events.append(ResponseHead(code, reason, version, head_fields))
    until_close = False
    if no_body:
        events.append(EndOfMessage())
    elif framing == "cl":
        data += body
        events += [Data(body)] if body else []
        events.append(EndOfMessage())
    elif framing == "chunked":
        data += _chunked_body(draw, body, trailers)
        events += [Data(body)] if body else []
        events.append(EndOfMessage(trailers))
    else:
        data += body
        events += [Data(body)] if body else []
        events.append(EndOfMessage())
        until_close = True
    tokens = [t.strip().lower() for t in (conn or b"").split(b",")]
    if until_close or b"close" in tokens:
        keep_alive = False
    elif version == b"1.0":
        keep_alive = b"keep-alive" in tokens
    else:
        keep_alive = True
    return Generated(data, method, events, keep_alive, until_close)


@st.composite
def cuts(draw: st.DrawFn, data: bytes) -> list[bytes]:
    points = sorted(draw(st.lists(st.integers(0, len(data)), max_size=6)))
    pieces = []
    last = 0
    for p in [*points, len(data)]:
        pieces.append(data[last:p])
        last = p
    return pieces


def _python_parser() -> Any:
    from fasthttpx._parser_py import ResponseParser

    return ResponseParser


@SETTINGS
@given(gen=responses(), data=st.data())
def test_generated_responses(impl: Any, gen: Generated, data: st.DataObject) -> None:
    pieces = data.draw(cuts(gen.data))
    out = run_parser(impl.ResponseParser, pieces, method=gen.method, eof=gen.until_close)
    assert out.error is None, (out.error, gen.data)
    assert out.events == coalesce(gen.events), gen.data
    assert out.finished and out.keep_alive == gen.keep_alive
    assert out.unused == b""


@st.composite
def mutations(draw: st.DrawFn, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "dup-line"]))
        low = draw(st.sampled_from([0, len(data) // 2]))  # half the time: body/chunks
        pos = draw(st.integers(low, max(len(data) - 1, low)))
        if kind == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif kind == "insert":
            ins = draw(st.sampled_from([b"\r", b"\n", b"\x00", b" ", b"\t", b":", b"0", b","]))
            data[pos:pos] = ins
        elif kind == "delete" and data:
            del data[pos:pos + draw(st.integers(1, 4))]
        elif kind == "dup-line":
            start = data.rfind(b"\n", 0, pos) + 1
            end = data.find(b"\n", pos)
            if end >= 0:
                data[start:start] = data[start:end + 1]
    return bytes(data)


def _comparable(out: Outcome) -> tuple[Any, ...]:
    """What must not depend on how the input was cut: events only count when no error."""
    if out.error is not None:
        return (out.error, out.error_phase, out.failed)
    return (out.events, out.finished, out.keep_alive, out.unused, out.failed)


@SETTINGS
@given(gen=responses(), data=st.data())
def test_mutated_responses(impl: Any, gen: Generated, data: st.DataObject) -> None:
    mutated = data.draw(mutations(gen.data))
    pieces = data.draw(cuts(mutated))
    eof = data.draw(st.booleans())
    out = run_parser(impl.ResponseParser, pieces, method=gen.method, eof=eof)
    if impl.name == "python":
        whole = run_parser(impl.ResponseParser, [mutated], method=gen.method, eof=eof)
        assert _comparable(out) == _comparable(whole), mutated
    else:
        ref = run_parser(_python_parser(), pieces, method=gen.method, eof=eof)
        assert out == ref, mutated
