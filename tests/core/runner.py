"""Feed a parser (or chunked decoder) in given pieces and record everything observable.

Shared by the table tests and the Hypothesis differential test. ``Outcome`` is a plain
dataclass so two runs compare with ``==``: the events (with ``Data`` pieces coalesced), the
error message if any and where it was raised, and the parser's final properties. While
feeding, the per-call rules of the contract are checked: at most one ``Data`` per ``feed``,
no empty ``Data``, only event types from ``fasthttpx._events``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fasthttpx._events import Data, EndOfMessage, InformationalResponse, ResponseHead
from fasthttpx._exceptions import RemoteProtocolError

EVENT_TYPES = (InformationalResponse, ResponseHead, Data, EndOfMessage)


@dataclass
class Outcome:
    events: list[Any] = field(default_factory=list)
    error: str | None = None
    error_phase: str | None = None  # "feed" or "eof"
    finished: bool = False
    failed: bool = False
    keep_alive: bool | None = None  # only read when finished
    unused: bytes = b""


def coalesce(events: Iterable[Any]) -> list[Any]:
    """Merge consecutive Data events into one."""
    out: list[Any] = []
    for ev in events:
        if type(ev) is Data and out and type(out[-1]) is Data:
            out[-1] = Data(out[-1].data + ev.data)
        else:
            out.append(ev)
    return out


def check_feed_result(result: Any) -> None:
    assert type(result) is list, f"feed() returned {type(result).__name__}, not list"
    n_data = 0
    for ev in result:
        assert type(ev) in EVENT_TYPES, f"unexpected event {ev!r}"
        if type(ev) is Data:
            n_data += 1
            assert type(ev.data) is bytes, f"Data.data is {type(ev.data).__name__}"
            assert ev.data, "an empty Data event was emitted"
    assert n_data <= 1, f"{n_data} Data events from one feed(): {result!r}"


def run_parser(parser_cls: Any, pieces: Iterable[bytes], *, method: bytes = b"GET",
               limits: Mapping[str, int] | None = None, eof: bool = False) -> Outcome:
    parser = parser_cls(method, **(limits or {}))
    out = Outcome()
    events: list[Any] = []
    phase = "feed"
    try:
        for piece in pieces:
            result = parser.feed(piece)
            check_feed_result(result)
            events.extend(result)
        if eof:
            phase = "eof"
            result = parser.feed_eof()
            check_feed_result(result)
            events.extend(result)
    except RemoteProtocolError as exc:
        out.error = str(exc)
        out.error_phase = phase
    out.events = coalesce(events)
    out.failed = parser.failed
    out.finished = parser.finished
    if out.finished:
        out.keep_alive = parser.keep_alive
    out.unused = parser.unused_data
    return out


@dataclass
class DecoderOutcome:
    data: bytes = b""
    error: str | None = None
    error_phase: str | None = None
    finished: bool = False
    failed: bool = False
    trailers: list[tuple[bytes, bytes]] = field(default_factory=list)
    unused: bytes = b""


def run_decoder(decoder_cls: Any, pieces: Iterable[bytes], *,
                limits: Mapping[str, int] | None = None, eof: bool = False) -> DecoderOutcome:
    decoder = decoder_cls(**(limits or {}))
    out = DecoderOutcome()
    chunks: list[bytes] = []
    phase = "feed"
    try:
        for piece in pieces:
            result = decoder.feed(piece)
            assert type(result) is bytes, f"feed() returned {type(result).__name__}"
            chunks.append(result)
        if eof:
            phase = "eof"
            assert decoder.feed_eof() is None
    except RemoteProtocolError as exc:
        out.error = str(exc)
        out.error_phase = phase
    out.data = b"".join(chunks)
    out.finished = decoder.finished
    out.failed = decoder.failed
    out.trailers = list(decoder.trailers) if out.finished else []
    out.unused = decoder.unused_data
    return out


def split_points(n: int) -> Sequence[int]:
    """Every split point of an n-byte input; for big inputs, the ends densely, the middle
    sparsely (every point would be quadratic)."""
    if n <= 4000:
        return range(1, n)
    return sorted({*range(1, 1500), *range(n - 1500, n), *range(1500, n - 1500, 97)})


def byte_pieces(data: bytes) -> Iterator[bytes]:
    return (data[i:i + 1] for i in range(len(data)))
