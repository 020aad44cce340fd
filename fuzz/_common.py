"""What the fuzz harnesses share: the input layout, the runs, and the checks.

Why: ``fuzz_parser.py``, ``fuzz_chunked.py``, ``fuzz_differential.py``, ``fuzz_sse.py``,
``fuzz_sse_differential.py`` and ``fuzz_websocket_differential.py`` hold the compiled cores and
their twins to the contracts in ``fasthttpx/_parser.pyi`` / ``_chunked.pyi`` / ``_sse.pyi`` /
``_websocket.pyi`` on inputs that libFuzzer (through atheris) grows from a seed corpus
(``fuzz/corpus/``, made from our own case tables by ``fuzz/make_corpus.py``).

How: an input is three control bytes, then the bytes a server would send. Control byte 0
picks the options (the request method, or for the event-stream parser its ``last_event_id=``;
the small limits of the case tables; a ``feed_eof()`` at the end); bytes 1-2 pick a split
point (modulo the length + 1). The WebSocket frame codec's target has a longer prefix of its
own (``WSInput``: reader options, cut points, which reads are parsed, and the arguments of a
``FrameWriter`` call). The runs reuse ``tests/core/runner.py`` and
``tests/core/sse_cases.py``, which check the per-call rules of the contracts as they feed (at
most one ``Data`` per feed, no empty ``Data``, only our event types) and return comparable
outcomes. Coverage: gcc cannot give libFuzzer coverage counters for the compiled modules (that
needs clang's ``-fsanitize=fuzzer-no-link``), so the harnesses instrument the pure-Python twins
and run them on every input: the twins have the same functions and branches in the same order
as the compiled code, so the paths the twin reaches are the paths the compiled code is driven
through.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from tests.core.runner import DecoderOutcome, Outcome, run_decoder, run_parser
from tests.core.sse_cases import SSEOutcome, run_sse

#: The small limits used by the case tables (``tests/core/cases.py``), so that limit errors
#: are reachable within short inputs.
SMALL_LIMITS: dict[str, int] = {
    "max_line_size": 64,
    "max_header_count": 3,
    "max_headers_size": 128,
    "max_chunk_line_size": 16,
}
SMALL_DECODER_LIMITS: dict[str, int] = {
    "max_line_size": 16,
    "max_trailer_line_size": 64,
    "max_trailer_count": 3,
    "max_trailers_size": 128,
}
#: The event-stream parser's small limit (the flag picks it over no limit), as in its table.
SMALL_MAX_EVENT_SIZE = 32
#: The parser's ``last_event_id=``, picked by the method bits for the event-stream targets.
INITIAL_IDS = ("", "7", "\u2713", "resume")
METHODS = (b"GET", b"HEAD", b"CONNECT", b"POST")
CONTROL = 3  # control bytes before the payload

FLAG_SMALL_LIMITS = 0x04
FLAG_EOF = 0x08


def control_bytes(method: bytes = b"GET", small: bool = False, eof: bool = False,
                  split: int = 0) -> bytes:
    """The control prefix of a corpus input (the inverse of ``decode``)."""
    flags = METHODS.index(method) | (FLAG_SMALL_LIMITS if small else 0) | (FLAG_EOF if eof else 0)
    return bytes([flags]) + split.to_bytes(2, "big")


class Input:
    """One fuzz input decoded: options, split point, payload."""

    __slots__ = ("method", "small", "eof", "split", "data")

    def __init__(self, raw: bytes) -> None:
        head = raw[:CONTROL].ljust(CONTROL, b"\0")
        flags = head[0]
        self.method = METHODS[flags & 0x03]
        self.small = bool(flags & FLAG_SMALL_LIMITS)
        self.eof = bool(flags & FLAG_EOF)
        self.data = raw[CONTROL:]
        self.split = int.from_bytes(head[1:3], "big") % (len(self.data) + 1)

    def pieces(self, split: bool) -> list[bytes]:
        if not split:
            return [self.data]
        return [self.data[:self.split], self.data[self.split:]]


def parse(parser_cls: Any, item: Input, split: bool) -> Outcome:
    limits: Mapping[str, int] | None = SMALL_LIMITS if item.small else None
    return run_parser(parser_cls, item.pieces(split), method=item.method, limits=limits,
                      eof=item.eof)


def decode(decoder_cls: Any, item: Input, split: bool) -> DecoderOutcome:
    limits: Mapping[str, int] | None = SMALL_DECODER_LIMITS if item.small else None
    return run_decoder(decoder_cls, item.pieces(split), limits=limits, eof=item.eof)


def parse_events(parser_cls: Any, item: Input, split: bool) -> SSEOutcome:
    """The event-stream parser on ``item`` (the method bits pick its ``last_event_id=``)."""
    return run_sse(parser_cls, item.pieces(split),
                   max_event_size=SMALL_MAX_EVENT_SIZE if item.small else None,
                   initial_id=INITIAL_IDS[METHODS.index(item.method)], eof=item.eof)


def check_parser_outcome(out: Outcome) -> None:
    """The event grammar of the contract: 1xx heads, one head, body, one end; an error
    leaves the parser failed; a finished parser is never failed."""
    kinds = [type(ev).__name__ for ev in out.events]
    grammar = "".join({"InformationalResponse": "i", "ResponseHead": "h", "Data": "d",
                       "EndOfMessage": "e"}[k] for k in kinds)
    import re

    assert re.fullmatch(r"i*(hd?e?)?", grammar), f"events out of order: {kinds}"
    assert (out.error is not None) == out.failed, (out.error, out.failed)
    assert not (out.finished and out.failed)
    assert out.finished == grammar.endswith("e"), (grammar, out.finished)
    if not out.finished:
        assert out.unused == b""


def assert_split_invariant(whole: Any, split: Any, what: str) -> None:
    """A split never changes the outcome (the contracts), except that what a ``feed`` had
    completed before it raised is not returned: with an error, only the error must match."""
    if whole.error is None and split.error is None:
        assert_same(whole, split, what)
    else:
        assert_same((whole.error, whole.error_phase, whole.failed),
                    (split.error, split.error_phase, split.failed), what)


def assert_same(first: Any, second: Any, what: str) -> None:
    if first != second:
        raise AssertionError(f"{what} differ:\n  {first!r}\n  {second!r}")


# The WebSocket frame codec (``fuzz_websocket_differential.py``). An input is ``WS_CONTROL``
# control bytes, then the bytes a server would send (which are also the payload of the
# ``FrameWriter`` call):
#
#   0      reader flags: ``allow_rsv1`` (bit 0), ``take_messages`` rather than ``feed`` +
#          ``next_frame`` (bit 1), no size limit (``1 << 64``, bit 2), the number of cut points
#          (bits 3-5, at most ``WS_MAX_CUTS``)
#   1      which reads are only fed, queued without parsing (bit i: read i; the last read is
#          always parsed, so every byte is)
#   2-3    ``max_message_size`` (modulo ``WS_MAX_SMALL_SIZE`` + 1) unless unlimited
#   4-11   ``WS_MAX_CUTS`` cut points, two bytes each (modulo the length + 1, then sorted)
#   12     writer: opcode (bits 0-3, plus 16 with bit 7: refused), FIN (bit 4), RSV1 (bit 5),
#          the payload as a str (bit 6: the bytes decoded with ``surrogateescape``, so lone
#          surrogates, which cannot be encoded, are reachable)
#   13     writer: ``piece_size`` = 4 * (1 + byte)
#   14-17  writer: the masking key
WS_CONTROL = 18
WS_MAX_CUTS = 4
WS_MAX_SMALL_SIZE = 300
WS_UNLIMITED = 1 << 64

WS_FLAG_RSV1 = 0x01
WS_FLAG_MESSAGES = 0x02
WS_FLAG_UNLIMITED = 0x04
WS_WRITER_FIN = 0x10
WS_WRITER_RSV1 = 0x20
WS_WRITER_TEXT = 0x40
WS_WRITER_BAD_OPCODE = 0x80


def ws_control_bytes(max_size: int | None = None, allow_rsv1: bool = False,
                     messages: bool = False, cuts: tuple[int, ...] = (),
                     held: tuple[int, ...] = (), writer: int = WS_WRITER_FIN | 0x2,
                     piece_size: int = 4, key: bytes = b"\x37\xfa\x21\x3d") -> bytes:
    """The control prefix of a WebSocket corpus input (the inverse of ``WSInput``):
    ``max_size`` None is no limit; ``cuts`` are offsets into the stream; ``held`` the reads
    only fed (queued)."""
    assert len(cuts) <= WS_MAX_CUTS and piece_size % 4 == 0 and 4 <= piece_size <= 1024
    assert max_size is None or 0 <= max_size <= WS_MAX_SMALL_SIZE
    flags = ((WS_FLAG_RSV1 if allow_rsv1 else 0) | (WS_FLAG_MESSAGES if messages else 0)
             | (WS_FLAG_UNLIMITED if max_size is None else 0) | (len(cuts) << 3))
    hold = sum(1 << read for read in held)
    padded = [*cuts, *([0] * (WS_MAX_CUTS - len(cuts)))]
    return (bytes((flags, hold)) + (max_size or 0).to_bytes(2, "big")
            + b"".join(cut.to_bytes(2, "big") for cut in padded)
            + bytes((writer, piece_size // 4 - 1)) + key)


class WSInput:
    """One WebSocket fuzz input decoded: reader options, reads, writer arguments."""

    __slots__ = ("allow_rsv1", "messages_api", "max_size", "cuts", "held", "opcode", "fin",
                 "rsv1", "text", "piece_size", "key", "data")

    def __init__(self, raw: bytes) -> None:
        head = raw[:WS_CONTROL].ljust(WS_CONTROL, b"\0")
        self.data = raw[WS_CONTROL:]
        flags = head[0]
        self.allow_rsv1 = bool(flags & WS_FLAG_RSV1)
        self.messages_api = bool(flags & WS_FLAG_MESSAGES)
        self.max_size = (WS_UNLIMITED if flags & WS_FLAG_UNLIMITED
                         else int.from_bytes(head[2:4], "big") % (WS_MAX_SMALL_SIZE + 1))
        count = min((flags >> 3) & 7, WS_MAX_CUTS)
        self.cuts = sorted(int.from_bytes(head[4 + 2 * i:6 + 2 * i], "big") % (len(self.data) + 1)
                           for i in range(count))
        self.held = head[1]
        writer = head[12]
        self.opcode = (writer & 0x0F) + (16 if writer & WS_WRITER_BAD_OPCODE else 0)
        self.fin = bool(writer & WS_WRITER_FIN)
        self.rsv1 = bool(writer & WS_WRITER_RSV1)
        self.text = bool(writer & WS_WRITER_TEXT)
        self.piece_size = 4 * (1 + head[13])
        self.key = bytes(head[14:18])

    def reads(self) -> list[tuple[bytes, bool]]:
        """The reads (some may be empty) and whether each is parsed after it is fed."""
        bounds = [0, *self.cuts, len(self.data)]
        last = len(bounds) - 2
        return [(self.data[start:end], index == last or not self.held & (1 << index))
                for index, (start, end) in enumerate(zip(bounds, bounds[1:]))]


class WSOutcome:
    """What a frame reader did with a stream: the frames (and, through ``take_messages``,
    messages) in order, the error ``(code, reason)``, and ``pending`` / ``in_message`` at the
    end."""

    __slots__ = ("out", "error", "pending", "in_message")

    def __init__(self, out: list[Any], error: tuple[int, str] | None, pending: bool,
                 in_message: bool) -> None:
        self.out = out
        self.error = error
        self.pending = pending
        self.in_message = in_message

    def _key(self) -> tuple[Any, ...]:
        return (self.out, self.error, self.pending, self.in_message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WSOutcome) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(repr(self._key()))

    def __repr__(self) -> str:
        return (f"WSOutcome(out={self.out!r}, error={self.error!r}, pending={self.pending}, "
                f"in_message={self.in_message})")

    def messages(self) -> list[Any]:
        """``out`` as ``take_messages`` gives it: a final, uncompressed text frame of valid
        UTF-8 is ``(1, str)``, a final uncompressed binary frame ``(2, bytes)``."""
        result: list[Any] = []
        for item in self.out:
            if len(item) == 4:
                opcode, fin, rsv1, payload = item
                if fin and not rsv1 and opcode == 2:
                    item = (2, payload)
                elif fin and not rsv1 and opcode == 1:
                    try:
                        item = (1, payload.decode("utf-8"))
                    except UnicodeDecodeError:
                        pass
            result.append(item)
        return result


def run_frames(reader_cls: Any, reads: list[tuple[bytes, bool]], max_size: int,
               allow_rsv1: bool, messages_api: bool) -> WSOutcome:
    """Feed ``reads`` to a ``FrameReader``, parsing after those marked so (the others are
    queued), through ``take_messages`` or ``feed`` + ``next_frame``; messages a raising
    ``take_messages`` had appended are kept (they are the caller's). After an error the reader
    must raise the same error again."""
    from fasthttpx._exceptions import WebSocketProtocolError

    reader = reader_cls(max_size, allow_rsv1)
    out: list[Any] = []
    queue: deque[Any] = deque()
    error: tuple[int, str] | None = None
    try:
        for chunk, parse in reads:
            if not parse:
                reader.feed(chunk)
            elif messages_api:
                frame = reader.take_messages(chunk, queue)
                while True:
                    out.extend(queue)
                    queue.clear()
                    if frame is None:
                        break
                    out.append(frame)
                    frame = reader.take_messages(b"", queue)
            else:
                reader.feed(chunk)
                while (frame := reader.next_frame()) is not None:
                    out.append(frame)
    except WebSocketProtocolError as exc:
        out.extend(queue)
        error = (exc.code, exc.reason)
        for again in (reader.next_frame, lambda: reader.take_messages(b"", deque())):
            try:
                again()
            except WebSocketProtocolError as repeat:
                assert (repeat.code, repeat.reason) == error, (error, repeat)
            else:
                raise AssertionError(f"a failed reader parsed again after {error}")
    for item in out:
        assert type(item) is tuple, item
        if len(item) == 4:
            assert type(item[3]) is bytes and type(item[1]) is bool and type(item[2]) is bool
        else:
            assert (item[0], type(item[1])) in ((1, str), (2, bytes)), item
    return WSOutcome(out, error, bool(reader.pending), bool(reader.in_message))
