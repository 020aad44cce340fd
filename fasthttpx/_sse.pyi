"""Interface of the ``text/event-stream`` parser (WHATWG HTML §9.2.6), shared by `_sse.pyx`
and `_sse_py.py`. The event sources of the clients use it; it is usable on its own.

Contract (both twins, event for event and error for error):

* ``feed(data)`` takes ``bytes`` and returns the ``ServerSentEvent`` objects this input
  completed, in order (``[]`` when none). However the stream is split into feeds, the same
  events come out (a CR ending one feed and an LF starting the next are one line end; a BOM
  may arrive split too).
* Lines end at CRLF, LF or CR. One leading UTF-8 BOM is dropped. Lines starting with ``:`` are
  comments. ``name: value`` loses one space after the colon; a line without a colon is a name
  with an empty value. ``data`` lines are joined with LF; ``event`` sets the type (empty:
  ``"message"``); ``id`` without NUL sets the last event ID, taken at the next blank line and
  carried by every later event (``ServerSentEvent.id``); ``retry`` of ASCII digits only sets
  ``retry`` (the reconnection time, milliseconds) and the event's ``retry``. A blank line
  dispatches the event when at least one ``data`` line came. Text is UTF-8 with invalid
  sequences replaced by U+FFFD.
* ``feed_eof()`` discards an unfinished line and event; the parser then takes a new stream
  (BOM and all), keeping ``last_event_id`` and ``retry``.
* ``max_event_size`` (None: no limit) bounds one event's bytes: its non-comment lines, line
  ends not counted, plus its unfinished line. Past it ``fasthttpx.SSEError``; the parser then
  stays failed (every later ``feed`` raises the same error). What a ``feed`` had completed
  before it raised is not returned.
"""

from ._sse_event import ServerSentEvent

class EventStreamParser:
    def __init__(self, *, max_event_size: int | None = ..., last_event_id: str = "") -> None: ...
    def feed(self, data: bytes) -> list[ServerSentEvent]: ...
    def feed_eof(self) -> None: ...
    @property
    def last_event_id(self) -> str: ...
    @property
    def retry(self) -> int | None: ...
    @property
    def failed(self) -> bool: ...
