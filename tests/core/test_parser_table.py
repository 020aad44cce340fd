"""Run every case of ``cases.py`` against both parser twins, fed four ways.

Modes: ``whole`` (one feed), ``bytewise`` (one feed per byte), ``split`` (every split point
into two feeds) and ``trailing`` (whole and every split, with a further response appended:
it must land in ``unused_data``, or in the body when the body is delimited by the close).
Error messages must match the case's keyword pattern and be the same however the input was
cut. On the ``cython`` run every outcome is also compared with the pure-Python twin's for the
same pieces: identical events, properties and error messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from fasthttpx._events import Data, EndOfMessage
from fasthttpx._exceptions import RemoteProtocolError

from .cases import CASES, TRAILING, Case
from .runner import Outcome, byte_pieces, run_parser, split_points

MODES = ["whole", "bytewise", "split", "trailing"]


def _python_parser() -> Any:
    from fasthttpx._parser_py import ResponseParser

    return ResponseParser


def _expected_events(case: Case, trailing: bool) -> list[Any]:
    events: list[Any] = list(case.events)
    if trailing and case.until_close:
        # The appended bytes are body: they join the last Data (or make one) before the end.
        assert type(events[-1]) is EndOfMessage
        if len(events) >= 2 and type(events[-2]) is Data:
            events[-2] = Data(events[-2].data + TRAILING)
        else:
            events.insert(-1, Data(TRAILING))
    return events


def check_outcome(case: Case, out: Outcome, *, trailing: bool = False, how: str = "") -> None:
    where = f"[{case.id} {how}] {case.rfc}"
    if case.is_error:
        assert out.error is not None, f"{where}: no error; got {out}"
        assert case.error is not None
        assert re.search(case.error, out.error, re.IGNORECASE), (
            f"{where}: message {out.error!r} does not match /{case.error}/")
        expected_phase = "eof" if case.eof else "feed"
        assert out.error_phase == expected_phase, (
            f"{where}: error raised by {out.error_phase}(), expected {expected_phase}()")
        assert out.failed, f"{where}: .failed is false after an error"
        assert not out.finished, f"{where}: .finished is true after an error"
        return
    assert out.error is None, f"{where}: unexpected error {out.error!r}"
    assert out.events == _expected_events(case, trailing), f"{where}: events differ"
    assert out.finished == case.finished, f"{where}: finished={out.finished}"
    assert not out.failed
    if case.finished and case.keep_alive is not None:
        assert out.keep_alive == case.keep_alive, f"{where}: keep_alive={out.keep_alive}"
    expected_unused = TRAILING if trailing and not case.until_close else b""
    assert out.unused == expected_unused, f"{where}: unused_data={out.unused!r}"


def _runs(case: Case, mode: str) -> Iterable[tuple[str, Sequence[bytes], bool]]:
    data = case.data
    if mode == "whole":
        yield "whole", [data], False
    elif mode == "bytewise":
        yield "bytewise", list(byte_pieces(data)), False
    elif mode == "split":
        for i in split_points(len(data)):
            yield f"split@{i}", [data[:i], data[i:]], False
    else:
        full = data + TRAILING
        yield "trailing-whole", [full], True
        for i in split_points(len(full)):
            yield f"trailing-split@{i}", [full[:i], full[i:]], True


def _trailing_applies(case: Case) -> bool:
    if case.is_error:
        return not case.eof  # an error found at EOF would change with more bytes
    return case.finished or case.until_close


def test_table_size_and_rfc_references() -> None:
    assert len(CASES) >= 150
    assert sum(c.is_error for c in CASES) >= 60
    assert sum(not c.is_error for c in CASES) >= 60
    for case in CASES:
        assert re.search(r"RFC (9112|9110|8297) §?", case.rfc), case.id
        assert not (case.eof and not case.is_error and not case.finished), case.id


# (case, mode) pairs; "trailing" only where more bytes cannot change the outcome's nature.
RUNS = [(case, mode) for case in CASES for mode in MODES
        if mode != "trailing" or _trailing_applies(case)]


@pytest.mark.parametrize(("case", "mode"), RUNS, ids=[f"{c.id}-{m}" for c, m in RUNS])
def test_case(impl: Any, case: Case, mode: str) -> None:
    parser_cls = impl.ResponseParser
    reference = None if impl.name == "python" else _python_parser()
    first_error: str | None = None
    for how, pieces, trailing in _runs(case, mode):
        out = run_parser(parser_cls, pieces, method=case.method, limits=case.limits, eof=case.eof)
        check_outcome(case, out, trailing=trailing, how=how)
        if case.is_error:
            if first_error is None:
                first_error = out.error
            assert out.error == first_error, (
                f"[{case.id} {how}] message depends on how the input was cut: "
                f"{out.error!r} != {first_error!r}")
        if reference is not None:
            ref = run_parser(reference, pieces, method=case.method, limits=case.limits,
                             eof=case.eof)
            assert out == ref, f"[{case.id} {how}] the twins differ"


ERROR_CASES = [c for c in CASES if c.is_error]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.id for c in ERROR_CASES])
def test_stays_failed_after_error(impl: Any, case: Case) -> None:
    parser = impl.ResponseParser(case.method, **case.limits)
    with pytest.raises(RemoteProtocolError) as first:
        parser.feed(case.data)
        if case.eof:
            parser.feed_eof()
    message = str(first.value)
    assert parser.failed and not parser.finished
    for again in (lambda: parser.feed(b""), lambda: parser.feed(TRAILING),
                  parser.feed_eof, lambda: parser.feed(b"HTTP/1.1 200 OK\r\n\r\n")):
        with pytest.raises(RemoteProtocolError) as later:
            again()
        assert str(later.value) == message
    assert parser.failed and not parser.finished


# --- contract details not covered by the table ------------------------------------------

def test_fresh_parser_state(impl: Any) -> None:
    parser = impl.ResponseParser()
    assert not parser.finished and not parser.failed
    assert parser.unused_data == b""
    assert parser.feed(b"") == []
    assert parser.bytes_received == 0


def test_bytes_received_counts_input(impl: Any) -> None:
    parser = impl.ResponseParser()
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
    parser.feed(head[:10])
    parser.feed(head[10:])
    parser.feed(b"hel")
    assert parser.bytes_received in (len(head) + 3,)


def test_whole_body_feed_is_not_copied(impl: Any) -> None:
    parser = impl.ResponseParser()
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    assert parser.feed(head) == [_head_cl100()]
    piece = bytes(range(50))
    (event,) = parser.feed(piece)
    assert event.data is piece
    closing = impl.ResponseParser()
    closing.feed(b"HTTP/1.1 200 OK\r\n\r\n")
    piece2 = b"x" * 1000
    (event2,) = closing.feed(piece2)
    assert event2.data is piece2


def _head_cl100() -> Any:
    from fasthttpx._events import ResponseHead

    return ResponseHead(200, b"OK", b"1.1", [(b"Content-Length", b"100")])


def test_eof_after_end_and_unused_accumulates(impl: Any) -> None:
    parser = impl.ResponseParser()
    events = parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiXY")
    assert events[-1] == EndOfMessage()
    assert parser.unused_data == b"XY"
    assert parser.feed(b"Z") == []
    assert parser.feed(b"") == []
    assert parser.unused_data == b"XYZ"
    assert parser.feed_eof() == []
    assert parser.feed_eof() == []
    assert parser.finished and parser.keep_alive and not parser.failed


def test_chunked_body_of_one_feed_is_one_piece(impl: Any) -> None:
    parser = impl.ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    events = parser.feed(b"3\r\nabc\r\n3\r\ndef\r\n2\r\ngh")
    assert events == [Data(b"abcdefgh")]
    assert parser.feed(b"\r\n0\r\n\r\n") == [EndOfMessage()]


@pytest.mark.parametrize(("kind", "ok"), [("line", True), ("line", False), ("count", True),
                                          ("count", False), ("size", False),
                                          ("chunk", True), ("chunk", False)])
def test_default_limits(impl: Any, kind: str, ok: bool) -> None:
    """The defaults of the contract: 64 KiB lines, 100 fields, 256 KiB head, 4 KiB chunk line."""
    parser = impl.ResponseParser()
    if kind == "line":
        fields = [b"X-Long: " + b"a" * (60_000 if ok else 70_000)]
    elif kind == "count":
        fields = [b"X-%d: v" % i for i in range(99 if ok else 101)]
    elif kind == "size":
        fields = [b"X-%d: %s" % (i, b"a" * 60_000) for i in range(5)]
    else:
        fields = [b"Transfer-Encoding: chunked"]
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(f + b"\r\n" for f in fields)
    if kind == "chunk":
        head += b"\r\n5;" + b"e" * (3000 if ok else 5000) + b"\r\nhello\r\n0\r\n\r\n"
    else:
        head += b"Content-Length: 0\r\n\r\n"
    if ok:
        events = parser.feed(head)
        assert events[-1] == EndOfMessage() and parser.finished
    else:
        with pytest.raises(RemoteProtocolError, match=r"(?i)too long|too large|too many"):
            parser.feed(head)
