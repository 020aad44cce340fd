"""The one interface of an HTTP/2 client protocol core, met by both twins.

``fasthttpx._h2core`` (compiled, Cython: our own frame codec, HPACK and state machine) and
``fasthttpx._h2core_py`` (pure Python: an adapter over the ``h2`` library) each provide a
class ``H2Core`` with this shape; ``fasthttpx._implementation`` picks one. Above it,
``_http2_state.HTTP2State`` keeps the per-request view, and the I/O shells move bytes.

Contract (both twins):

* Sans-I/O. Send-side methods queue bytes; ``data_to_send()`` takes everything queued (the
  shells keep a single writer, so bytes are taken by whoever writes next).
* ``receive_data(data)`` takes ``bytes`` read from the socket and returns the list of events
  the bytes completed, batched per call. Every event is a 4-tuple ``(kind, a, b, c)``:

  ==================  =====================  ===================  =======================
  kind                a                      b                    c
  ==================  =====================  ===================  =======================
  ``RESPONSE``        stream id              status (int, >=200)  fields (no pseudo ones)
  ``INFORMATIONAL``   stream id              status (1xx)         fields
  ``TRAILERS``        stream id              fields               None
  ``DATA``            stream id              body bytes           None
  ``STREAM_ENDED``    stream id              None                 None
  ``STREAM_RESET``    stream id              error code           True if the peer reset
  ``WINDOW_UPDATED``  stream id (0: conn.)   None                 None
  ``SETTINGS``        0                      None                 None
  ``GOAWAY``          last stream id         error code           debug data (bytes)
  ``CONN_ERROR``      0                      error code           message (str)
  ==================  =====================  ===================  =======================

  Fields are ``(name, value)`` tuples of ``bytes``, validated as RFC 9113 §8.2-8.3 require
  for responses (lower-case names, no forbidden characters, no connection-specific fields,
  pseudo-fields first, only ``:status``); a malformed field section is a connection error.
  ``DATA`` carries only payload: padding is acknowledged by the core itself. The payload
  must be acknowledged with ``acknowledge()`` once consumed (the window reopens as the
  reader reads). The compiled core gives at most one ``DATA`` per stream per call (frames
  coalesced); the twin may give several, in order.
* A connection error (RFC 9113 §5.4.1) found in received bytes gives one ``CONN_ERROR``
  event (after the events of the frames before it) and queues a GOAWAY with that code; the
  core then ignores further input. ``PING`` and ``SETTINGS`` are acknowledged by the core.
* Flow control (§5.2, §6.9): ``send_window(stream_id)`` is what may be sent now (both
  windows and the peer's frame size); WINDOW_UPDATEs for received data are batched.
"""

from __future__ import annotations

from typing import Protocol

__all__ = [
    "H2CoreInterface", "Event", "Fields", "RESPONSE", "INFORMATIONAL", "TRAILERS", "DATA",
    "STREAM_ENDED", "STREAM_RESET", "WINDOW_UPDATED", "SETTINGS", "GOAWAY", "CONN_ERROR",
    "ERROR_NAMES",
]

RESPONSE = 1
INFORMATIONAL = 2
TRAILERS = 3
DATA = 4
STREAM_ENDED = 5
STREAM_RESET = 6
WINDOW_UPDATED = 7
SETTINGS = 8
GOAWAY = 9
CONN_ERROR = 10

Fields = list[tuple[bytes, bytes]]
Event = tuple[int, int, object, object]

#: RFC 9113 §7 error codes by value.
ERROR_NAMES = {
    0x0: "NO_ERROR", 0x1: "PROTOCOL_ERROR", 0x2: "INTERNAL_ERROR", 0x3: "FLOW_CONTROL_ERROR",
    0x4: "SETTINGS_TIMEOUT", 0x5: "STREAM_CLOSED", 0x6: "FRAME_SIZE_ERROR",
    0x7: "REFUSED_STREAM", 0x8: "CANCEL", 0x9: "COMPRESSION_ERROR", 0xA: "CONNECT_ERROR",
    0xB: "ENHANCE_YOUR_CALM", 0xC: "INADEQUATE_SECURITY", 0xD: "HTTP_1_1_REQUIRED",
}


class H2CoreInterface(Protocol):
    """What ``HTTP2State`` needs from a protocol core (see the module docstring)."""

    def initiate(self) -> None:
        """Queue the client preface, our SETTINGS and the connection window's widening."""

    def data_to_send(self) -> bytes:
        """Everything queued for the socket, emptied."""

    def receive_data(self, data: bytes) -> list[Event]:
        """Feed received bytes; the events they completed."""

    def send_headers(self, headers: Fields, end_stream: bool) -> int:
        """Open the next client stream with ``headers`` (pseudo-fields first, already checked
        by the caller); its stream id."""

    def send_data(self, stream_id: int, data: bytes | memoryview, end_stream: bool) -> None:
        """Queue DATA within ``send_window(stream_id)``."""

    def end_stream(self, stream_id: int) -> None:
        """Queue an empty DATA with END_STREAM."""

    def cancel_stream(self, stream_id: int) -> None:
        """RST_STREAM(CANCEL) if the stream is still open; nothing otherwise."""

    def acknowledge(self, stream_id: int, size: int) -> None:
        """``size`` bytes of ``DATA`` payload were consumed: credit them (batched)."""

    def send_window(self, stream_id: int) -> int:
        """Body bytes ``stream_id`` may send now; 0 if closed or out of window."""

    def close(self) -> None:
        """Queue a GOAWAY(NO_ERROR) (unless the connection already failed)."""

    @property
    def remote_max_concurrent_streams(self) -> int:
        """The server's SETTINGS_MAX_CONCURRENT_STREAMS (unbounded until it says)."""

    @property
    def open_outbound_streams(self) -> int:
        """Streams we opened that are not closed yet."""

    @property
    def highest_stream_id(self) -> int:
        """The last stream id we used (0 before the first)."""
