"""The chunked transfer-coding decoder (RFC 9112 §7.1) on its own, both twins.

A table of chunked bodies, each fed whole, byte by byte, split at every point and with
trailing bytes (which must end up in ``unused_data``). On the ``cython`` run every outcome is
compared with the pure-Python twin's for the same pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from fasthttpx._exceptions import RemoteProtocolError

from .runner import DecoderOutcome, byte_pieces, run_decoder, split_points

NEXT = b"HTTP/1.1 200 OK\r\n\r\n"
R = "RFC 9112 §7.1"
R_EXT = "RFC 9112 §7.1.1"
R_TR = "RFC 9112 §7.1.2"
R_LE = "RFC 9112 §2.2"


@dataclass(frozen=True)
class DCase:
    id: str
    rfc: str
    data: bytes
    body: bytes = b""
    trailers: list[tuple[bytes, bytes]] = field(default_factory=list)
    error: str | None = None
    finished: bool = True
    eof: bool = False
    limits: dict[str, int] = field(default_factory=dict)


D: list[DCase] = [
    DCase("single", R, b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
    DCase("empty", R, b"0\r\n\r\n"),
    DCase("many", R, b"".join(b"%x\r\n%s\r\n" % (n, bytes([65 + n]) * n) for n in range(1, 30))
          + b"0\r\n\r\n", b"".join(bytes([65 + n]) * n for n in range(1, 30))),
    DCase("uppercase-hex", R, b"A\r\n0123456789\r\nB\r\nabcdefghijk\r\n0\r\n\r\n",
          b"0123456789abcdefghijk"),
    DCase("lowercase-hex", R, b"a\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
    DCase("leading-zeros", R, b"00000000000000000000a\r\n0123456789\r\n0000\r\n\r\n",
          b"0123456789"),
    DCase("binary-data", R, b"7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n", b"\r\n0\r\n\r\n"),
    DCase("big-chunk", R, b"2800\r\n" + bytes(range(256)) * 40 + b"\r\n0\r\n\r\n",
          bytes(range(256)) * 40),
    DCase("ext-token", R_EXT, b"5;a=b\r\nhello\r\n0\r\n\r\n", b"hello"),
    DCase("ext-name", R_EXT, b"5;a\r\nhello\r\n0;z\r\n\r\n", b"hello"),
    DCase("ext-quoted", R_EXT, b'5;a="x y;z=\\"q\\""\r\nhello\r\n0\r\n\r\n', b"hello"),
    DCase("ext-several-bws", R_EXT, b"5 ;a=1 ; b = \"2\";c\r\nhello\r\n0\r\n\r\n", b"hello"),
    DCase("trailers", R_TR, b"0\r\nA: 1\r\nB:2\r\nC:  \t3 \r\n\r\n",
          trailers=[(b"A", b"1"), (b"B", b"2"), (b"C", b"3")]),
    DCase("trailer-obs-text", R_TR, b"0\r\nA: \xe9\xff\r\n\r\n", trailers=[(b"A", b"\xe9\xff")]),
    DCase("bare-lf", R_LE, b"5\nhello\n0\nA: 1\n\n", b"hello", [(b"A", b"1")]),
    DCase("max-size-unfinished", R, b"ffffffffffffffff\r\nabc", b"abc", finished=False),
    DCase("cut-in-data-unfinished", R, b"5\r\nhel", b"hel", finished=False),
    DCase("eof-after-end", R, b"5\r\nhello\r\n0\r\n\r\n", b"hello", eof=True),
    DCase("size-overflow", R, b"10000000000000000\r\n", error=r"chunk"),
    DCase("size-plus", R, b"+5\r\nhello\r\n0\r\n\r\n", error=r"chunk"),
    DCase("size-minus", R, b"-5\r\nhello\r\n0\r\n\r\n", error=r"chunk"),
    DCase("size-space-before", R, b" 5\r\nhello\r\n0\r\n\r\n", error=r"chunk"),
    DCase("size-space-after", R, b"5 \r\nhello\r\n0\r\n\r\n", error=r"chunk"),
    DCase("size-0x", R, b"0x5\r\nhello\r\n0\r\n\r\n", error=r"chunk"),
    DCase("size-non-hex", R, b"z\r\nhello\r\n0\r\n\r\n", error=r"chunk"),
    DCase("size-empty", R, b"\r\nhello\r\n0\r\n\r\n", error=r"chunk"),
    DCase("size-nul", R, b"5\x00\r\nhello\r\n0\r\n\r\n", error=r"chunk"),
    DCase("ext-bad-name", R_EXT, b"5;(\r\nhello\r\n0\r\n\r\n", error=r"chunk"),
    DCase("ext-open-quote", R_EXT, b'5;a="b\r\nhello\r\n0\r\n\r\n', error=r"chunk"),
    DCase("ext-empty-value", R_EXT, b"5;a=\r\nhello\r\n0\r\n\r\n", error=r"chunk"),
    DCase("data-no-crlf", R, b"5\r\nhelloX\r\n0\r\n\r\n", error=r"chunk|CRLF"),
    DCase("data-cr-junk", R, b"5\r\nhello\rX\r\n0\r\n\r\n", error=r"chunk|CRLF|CR"),
    DCase("bare-cr-size", R_LE, b"5\rhello\r\n0\r\n\r\n", error=r"bare CR"),
    DCase("bare-cr-trailer", R_LE, b"0\r\nA: 1\rB: 2\r\n\r\n", error=r"bare CR"),
    DCase("bare-cr-end", R_LE, b"0\r\n\r\r\n", error=r"bare CR"),
    DCase("trailer-fold", R_TR, b"0\r\nA: 1\r\n 2\r\n\r\n", error=r"fold"),
    DCase("trailer-no-colon", R_TR, b"0\r\nA\r\n\r\n", error=r"colon|field"),
    DCase("trailer-ws-colon", R_TR, b"0\r\nA : 1\r\n\r\n", error=r"whitespace|colon"),
    DCase("trailer-nul", R_TR, b"0\r\nA: \x00\r\n\r\n", error=r"value|field"),
    DCase("trailer-empty-name", R_TR, b"0\r\n: 1\r\n\r\n", error=r"name|field"),
    DCase("eof-nothing", R, b"", error=r"clos|chunk|incomplete", eof=True),
    DCase("eof-in-size", R, b"5", error=r"clos|chunk|incomplete", eof=True),
    DCase("eof-in-data", R, b"5\r\nhe", b"he", error=r"clos|chunk|incomplete", eof=True),
    DCase("eof-in-trailers", R, b"0\r\nA: 1\r\n", error=r"clos|chunk|incomplete", eof=True),
    DCase("limit-size-line", R, b"5;" + b"a" * 30 + b"\r\nhello\r\n0\r\n\r\n",
          error=r"too long", limits={"max_line_size": 16}),
    DCase("limit-size-line-unterminated", R, b"5;" + b"a" * 30, error=r"too long",
          limits={"max_line_size": 16}),
    DCase("limit-size-line-within", R, b"5;aaaaaa\r\nhello\r\n0\r\n\r\n", b"hello",
          limits={"max_line_size": 16}),
    DCase("limit-trailer-line", R_TR, b"0\r\nA: " + b"x" * 80 + b"\r\n\r\n", error=r"too long",
          limits={"max_trailer_line_size": 64}),
    DCase("limit-trailer-count", R_TR, b"0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", error=r"too many",
          limits={"max_trailer_count": 2}),
    DCase("limit-trailer-count-within", R_TR, b"0\r\nA: 1\r\nB: 2\r\n\r\n",
          trailers=[(b"A", b"1"), (b"B", b"2")], limits={"max_trailer_count": 2}),
    DCase("limit-trailers-size", R_TR, b"0\r\n" + b"A: 1234567890\r\n" * 10 + b"\r\n",
          error=r"too large", limits={"max_trailers_size": 64}),
]


def _check(case: DCase, out: DecoderOutcome, *, trailing: bool, how: str) -> None:
    where = f"[{case.id} {how}] {case.rfc}"
    if case.error is not None:
        assert out.error is not None, f"{where}: no error; got {out}"
        assert re.search(case.error, out.error, re.IGNORECASE), (
            f"{where}: {out.error!r} does not match /{case.error}/")
        assert out.error_phase == ("eof" if case.eof else "feed"), where
        assert out.failed and not out.finished, where
        if case.eof:
            assert out.data == case.body, where
        return
    assert out.error is None, f"{where}: unexpected error {out.error!r}"
    assert out.data == case.body, where
    assert out.finished == case.finished, where
    assert not out.failed
    assert out.trailers == case.trailers, where
    assert out.unused == (NEXT if trailing else b""), where


def _runs(case: DCase) -> list[tuple[str, list[bytes], bool]]:
    runs: list[tuple[str, list[bytes], bool]] = [
        ("whole", [case.data], False), ("bytewise", list(byte_pieces(case.data)), False)]
    runs += [(f"split@{i}", [case.data[:i], case.data[i:]], False)
             for i in split_points(len(case.data))]
    if case.finished and not (case.error and case.eof):
        full = case.data + NEXT
        runs.append(("trailing-whole", [full], True))
        runs += [(f"trailing-split@{i}", [full[:i], full[i:]], True)
                 for i in split_points(len(full))]
    return runs


def test_table_size() -> None:
    assert len(D) >= 40
    assert len({c.id for c in D}) == len(D)


@pytest.mark.parametrize("case", D, ids=[c.id for c in D])
def test_decoder_case(impl: Any, case: DCase) -> None:
    decoder_cls = impl.ChunkedDecoder
    reference: Any = None
    if impl.name != "python":
        from fasthttpx._chunked_py import ChunkedDecoder

        reference = ChunkedDecoder
    first_error: str | None = None
    for how, pieces, trailing in _runs(case):
        out = run_decoder(decoder_cls, pieces, limits=case.limits, eof=case.eof)
        _check(case, out, trailing=trailing, how=how)
        if case.error is not None:
            first_error = first_error or out.error
            assert out.error == first_error, f"[{case.id} {how}] message depends on the cut"
        if reference is not None:
            ref = run_decoder(reference, pieces, limits=case.limits, eof=case.eof)
            assert out == ref, f"[{case.id} {how}] the twins differ"


def test_cut_chunk_data_is_returned_at_once(impl: Any) -> None:
    dec = impl.ChunkedDecoder()
    assert dec.feed(b"a\r\n01234") == b"01234"
    assert dec.feed(b"56") == b"56"
    assert dec.feed(b"789\r") == b"789"
    assert dec.feed(b"\n") == b""
    assert not dec.finished
    assert dec.feed(b"0\r\n\r\nrest") == b""
    assert dec.finished and dec.unused_data == b"rest" and dec.trailers == []
    assert dec.feed(b"more") == b""
    assert dec.unused_data == b"restmore"
    dec.feed_eof()  # finished: no error


def test_fresh_decoder(impl: Any) -> None:
    dec = impl.ChunkedDecoder()
    assert not dec.finished and not dec.failed
    assert dec.trailers == [] and dec.unused_data == b""
    assert dec.feed(b"") == b""
    with pytest.raises(RemoteProtocolError):
        dec.feed_eof()


@pytest.mark.parametrize("case", [c for c in D if c.error], ids=[c.id for c in D if c.error])
def test_decoder_stays_failed(impl: Any, case: DCase) -> None:
    dec = impl.ChunkedDecoder(**case.limits)
    with pytest.raises(RemoteProtocolError) as first:
        dec.feed(case.data)
        if case.eof:
            dec.feed_eof()
    assert dec.failed and not dec.finished
    for again in (lambda: dec.feed(b""), lambda: dec.feed(b"0\r\n\r\n"), dec.feed_eof):
        with pytest.raises(RemoteProtocolError) as later:
            again()
        assert str(later.value) == str(first.value)


@pytest.mark.parametrize(("limit", "ok"), [("line", True), ("line", False), ("count", True),
                                           ("count", False), ("size", False)])
def test_decoder_default_limits(impl: Any, limit: str, ok: bool) -> None:
    """Defaults: 4 KiB size line, 64 KiB trailer line, 100 trailers, 256 KiB of trailers."""
    if limit == "line":
        data = b"5;" + b"e" * (4000 if ok else 5000) + b"\r\nhello\r\n0\r\n\r\n"
    elif limit == "count":
        data = b"0\r\n" + b"".join(b"T%d: v\r\n" % i for i in range(100 if ok else 101)) + b"\r\n"
    else:
        data = b"0\r\n" + b"".join(b"T%d: %s\r\n" % (i, b"v" * 60_000) for i in range(5)) + b"\r\n"
    dec = impl.ChunkedDecoder()
    if ok:
        dec.feed(data)
        assert dec.finished
    else:
        with pytest.raises(RemoteProtocolError, match=r"(?i)too (long|many|large)"):
            dec.feed(data)
