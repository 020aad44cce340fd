"""Pure-Python twin of `_sse.pyx`: the ``text/event-stream`` parser (WHATWG HTML §9.2.6).

Why: token streams of LLM APIs are many small events, so splitting lines and reading fields
is the hot part of a server-sent events client; the compiled twin does it in C. This twin runs
where no compiler was available (or with ``FASTHTTPX_NO_EXTENSIONS=1``) and is the readable
specification the differential tests hold the compiled one to: both have the same functions,
in the same order, with the same branches.

How, per "Interpreting an event stream":

* Bytes in, events out: ``feed(chunk)`` returns the events the chunk completed, in order. Lines
  end at CRLF, a lone LF or a lone CR; a CR that ends one chunk and an LF that starts the next
  are one line end (``_after_cr``). One UTF-8 BOM at the start of the stream is dropped, even
  when it arrives split across chunks (``_bom_held``).
* Only the unfinished last line of a chunk is kept (``_line``, a list of pieces, so a long line
  arriving in many chunks is joined once). A comment line (``:`` first) is never kept: once
  its start is seen, the rest of it is skipped (``_skipping``).
* Fields are read on bytes, text is decoded once per event (UTF-8, invalid sequences replaced,
  as the spec's decoder does): splitting on CR, LF and ``:`` before decoding gives the same
  text, since none of those bytes occurs inside a UTF-8 sequence.
* ``data`` lines are joined with LF; ``event`` names the type (``"message"`` when empty);
  ``id`` (without NUL) becomes the stream's last event ID at the next blank line, which every
  later event carries until another ``id`` arrives; ``retry`` (ASCII digits only) sets the
  reconnection time at once. A blank line dispatches the event, unless no ``data`` line came
  (then nothing is dispatched, but the ID is still taken). Other fields are ignored. At the end
  of the stream (``feed_eof``) an unfinished line or event is discarded.
* ``max_event_size`` bounds the bytes held for one event: its non-comment lines (line ends not
  counted) and its unfinished line. Past it ``SSEError``; the parser then stays failed. The
  check runs on each completed line and at the end of each feed, so the same input fails the
  same way however it is split into chunks.
"""

from __future__ import annotations

import re

from ._exceptions import SSEError
from ._sse_event import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent

__all__ = ["EventStreamParser"]

_CR = 0x0D
_LF = 0x0A
_COLON = 0x3A
_BOM = b"\xef\xbb\xbf"
_line_end = re.compile(rb"[\r\n]").search


def _too_large(max_event_size: int) -> str:
    return f"Server-sent event exceeded the {max_event_size} byte limit (max_event_size)"


class EventStreamParser:
    """Parse a ``text/event-stream`` body: ``feed(bytes) -> list[ServerSentEvent]`` (see
    `_sse.pyi`)."""

    __slots__ = (
        "_max_event_size", "_bom_held", "_started", "_after_cr", "_skipping", "_line",
        "_line_size", "_event_size", "_data", "_event_type", "_id_buffer", "_event_retry",
        "_last_event_id", "_retry", "_error", "_type_raw", "_type_text",
    )

    def __init__(
        self, *, max_event_size: int | None = DEFAULT_MAX_EVENT_SIZE, last_event_id: str = ""
    ) -> None:
        if max_event_size is not None and max_event_size < 0:
            raise ValueError("max_event_size must be None or at least 0")
        if type(last_event_id) is not str:
            raise TypeError("last_event_id must be a str")
        self._max_event_size = max_event_size
        self._last_event_id = last_event_id
        self._retry: int | None = None
        self._error: str | None = None
        self._type_raw = b""  # the last event type decoded, and its text
        self._type_text = "message"
        self._reset_stream()

    def _reset_stream(self) -> None:
        """The state of one stream (not the last event ID, not the reconnection time)."""
        self._bom_held = b""  # the start of a BOM, until three bytes say whether it is one
        self._started = False  # past the BOM check
        self._after_cr = False  # the last chunk ended with CR: an LF next is part of it
        self._skipping = False  # inside a comment line cut by the end of a chunk
        self._line: list[bytes] = []  # pieces of an unfinished line
        self._line_size = 0
        self._reset_event()
        self._id_buffer: bytes | None = None  # an ``id`` not yet taken (None: none came)

    def _reset_event(self) -> None:
        self._event_size = 0
        self._data: list[bytes] = []
        self._event_type = b""
        self._event_retry: int | None = None

    @property
    def last_event_id(self) -> str:
        """The stream's last event ID: what a reconnection sends as ``Last-Event-ID``."""
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The reconnection time (milliseconds) the server last set with ``retry``, or None."""
        return self._retry

    @property
    def failed(self) -> bool:
        return self._error is not None

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """The events completed by ``data``, in order."""
        if type(data) is not bytes:
            raise TypeError(
                f"Argument 'data' has incorrect type (expected bytes, got {type(data).__name__})"
            )
        if self._error is not None:
            raise SSEError(self._error)
        if not self._started:
            data = self._strip_bom(data)
            if not self._started:
                return []
        events: list[ServerSentEvent] = []
        end_of_data = len(data)
        pos = 0
        if self._after_cr and end_of_data:  # an empty feed leaves the CR pending
            self._after_cr = False
            if data[0] == _LF:
                pos = 1
        while pos < end_of_data:
            found = _line_end(data, pos)
            if found is None:
                self._hold(data, pos)
                break
            end = found.start()
            self._complete_line(data, pos, end, events)
            pos = end + 1
            if data[end] == _CR:
                if pos == end_of_data:
                    self._after_cr = True
                elif data[pos] == _LF:
                    pos += 1
        limit = self._max_event_size
        if limit is not None and self._event_size + self._line_size > limit:
            self._fail(limit)
        return events

    def feed_eof(self) -> None:
        """The stream ended: discard an unfinished line and event. The parser is then ready
        for a new stream (a reconnection), keeping the last event ID and reconnection time."""
        if self._error is None:
            self._reset_stream()

    def _strip_bom(self, data: bytes) -> bytes:
        held = self._bom_held + data
        if len(held) < 3 and _BOM.startswith(held):
            self._bom_held = held
            return held
        self._started = True
        self._bom_held = b""
        return held[3:] if held.startswith(_BOM) else held

    def _hold(self, data: bytes, pos: int) -> None:
        """Keep the unfinished line ``data[pos:]`` for the next feed (a comment: skip it)."""
        if self._skipping:
            return
        if not self._line and data[pos] == _COLON:
            self._skipping = True
            return
        piece = data[pos:]
        self._line.append(piece)
        self._line_size += len(piece)

    def _complete_line(self, data: bytes, start: int, end: int,
                       events: list[ServerSentEvent]) -> None:
        """The line ``data[start:end]``, after what was held of it."""
        if self._skipping:
            self._skipping = False
        elif self._line:
            self._line.append(data[start:end])
            line = b"".join(self._line)
            self._line = []
            self._line_size = 0
            self._process_line(line, events)
        else:
            self._process_line(data[start:end], events)

    def _process_line(self, line: bytes, events: list[ServerSentEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line[0] == _COLON:
            return  # a comment
        size = self._event_size + len(line)
        limit = self._max_event_size
        if limit is not None and size > limit:
            self._fail(limit)
        self._event_size = size
        colon = line.find(b":")
        if colon < 0:
            name = line
            value = b""
        else:
            name = line[:colon]
            value_start = colon + 1
            if value_start < len(line) and line[value_start] == 0x20:
                value_start += 1
            value = line[value_start:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event_type = value
        elif name == b"id":
            if b"\x00" not in value:
                self._id_buffer = value
        elif name == b"retry":
            if value and value.isdigit():  # bytes.isdigit: ASCII digits only
                self._retry = self._event_retry = int(value)

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        if self._id_buffer is not None:
            self._last_event_id = self._id_buffer.decode("utf-8", "replace")
            self._id_buffer = None
        data = self._data
        if data:
            events.append(ServerSentEvent(
                self._event_type_text(),
                (data[0] if len(data) == 1 else b"\n".join(data)).decode("utf-8", "replace"),
                self._last_event_id,
                self._event_retry,
            ))
        self._reset_event()

    def _event_type_text(self) -> str:
        """The event's type: ``"message"`` unless named; decoded once per distinct name."""
        raw = self._event_type
        if not raw:
            return "message"
        if raw == self._type_raw:
            return self._type_text
        self._type_raw = raw
        self._type_text = raw.decode("utf-8", "replace")
        return self._type_text

    def _fail(self, limit: int) -> None:
        self._error = _too_large(limit)
        raise SSEError(self._error)
