"""What the fuzz harnesses share: the input layout, the runs, and the checks.

Why: ``fuzz_parser.py``, ``fuzz_chunked.py``, ``fuzz_differential.py``, ``fuzz_sse.py`` and
``fuzz_sse_differential.py`` hold the compiled cores and their twins to the contracts in
``fasthttpx/_parser.pyi`` / ``_chunked.pyi`` / ``_sse.pyi`` on inputs that libFuzzer (through
atheris) grows from a seed corpus (``fuzz/corpus/``, made from our own case tables by
``fuzz/make_corpus.py``).

How: an input is three control bytes, then the bytes a server would send. Control byte 0
picks the options (the request method, or for the event-stream parser its ``last_event_id=``;
the small limits of the case tables; a ``feed_eof()`` at the end); bytes 1-2 pick a split
point (modulo the length + 1). The runs reuse ``tests/core/runner.py`` and
``tests/core/sse_cases.py``, which check the per-call rules of the contracts as they feed (at
most one ``Data`` per feed, no empty ``Data``, only our event types) and return comparable
outcomes. Coverage: gcc cannot give libFuzzer coverage counters for the compiled modules (that
needs clang's ``-fsanitize=fuzzer-no-link``), so the harnesses instrument the pure-Python twins
and run them on every input: the twins have the same functions and branches in the same order
as the compiled code, so the paths the twin reaches are the paths the compiled code is driven
through.
"""

from __future__ import annotations

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
