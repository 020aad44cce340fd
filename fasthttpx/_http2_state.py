"""Sans-I/O bookkeeping of one HTTP/2 client connection, around a protocol core.

The core (``_h2_interface``: the compiled ``_h2core`` or its twin over ``h2``, picked by
``_implementation``) does the framing, HPACK and the protocol state machines; this module
decides what the client does with them: which request headers go out (pseudo-headers first, RFC
9113 §8.3.1; connection-specific fields dropped, §8.2.2), what each received event means for
each stream (``receive_data`` returns the streams it touched so the I/O shell can wake their
waiters), how much may be sent (both flow-control windows, §5.2 and §6.9), when received data is
acknowledged (only as the caller consumes it, so a slow reader holds the server back instead of
making us buffer a whole download), what a ``GOAWAY`` (§6.8: streams above its last stream id
fail as "not processed", no new streams) or a ``RST_STREAM`` (§6.4: that stream fails, the
others go on) does, and how the core's errors map to ours (``RemoteProtocolError`` for what the
peer sent, ``LocalProtocolError`` for what we were asked to send). PING and SETTINGS from the
server are acknowledged by the core itself; their acknowledgements leave through
``data_to_send()`` like every other byte. Nothing here awaits or touches a socket.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ._exceptions import LocalProtocolError, RemoteProtocolError, TransportError
from ._h2_interface import (
    CONN_ERROR,
    DATA,
    ERROR_NAMES,
    GOAWAY,
    RESPONSE,
    SETTINGS,
    STREAM_ENDED,
    STREAM_RESET,
    TRAILERS,
    WINDOW_UPDATED,
    Fields,
    H2CoreInterface,
)
from ._implementation import H2Core

__all__ = [
    "HTTP2State", "H2Stream", "renew", "Fields", "DEFAULT_STREAM_WINDOW",
    "DEFAULT_CONNECTION_WINDOW", "DEFAULT_MAX_FRAME_SIZE", "DEFAULT_MAX_STREAMS",
    "DEFAULT_MAX_HEADER_LIST_SIZE",
]

#: Receive window per stream (SETTINGS_INITIAL_WINDOW_SIZE, RFC 9113 §6.5.2). The RFC
#: default, 64 KiB, caps a download at one window per round trip; 2 MiB keeps a loopback or
#: LAN transfer from stalling while bounding what one unread response can make us buffer.
DEFAULT_STREAM_WINDOW = 2 * 1024 * 1024
#: Receive window of the whole connection (raised by WINDOW_UPDATE on stream 0, §6.9): room
#: for several streams at full speed at once.
DEFAULT_CONNECTION_WINDOW = 16 * 1024 * 1024
#: Largest DATA frame we accept (SETTINGS_MAX_FRAME_SIZE, §6.5.2; the RFC floor is 16 KiB):
#: bigger frames mean fewer frames, hence less work per byte, for big downloads.
DEFAULT_MAX_FRAME_SIZE = 64 * 1024
#: Streams we open at once on one connection when the server sets no lower limit (§6.5.2
#: recommends servers allow at least 100); more requests use another connection or wait.
DEFAULT_MAX_STREAMS = 100
#: Largest response header section we accept (SETTINGS_MAX_HEADER_LIST_SIZE), as HTTP/1.1's
#: 256 KiB header limit.
DEFAULT_MAX_HEADER_LIST_SIZE = 256 * 1024

#: Fields that only mean something to one HTTP/1.1 connection, forbidden in HTTP/2
#: (RFC 9113 §8.2.2); ``host`` becomes ``:authority`` (§8.3.1).
_DROPPED_FIELDS = frozenset(
    {b"host", b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding",
     b"upgrade"}
)

_EMPTY: list[bytes] = []


def _error_name(code: int) -> str:
    return ERROR_NAMES.get(code) or f"error code {code:#x}"


def renew(error: TransportError, request: Any = None) -> TransportError:
    """A fresh copy of a stored error to raise for one request (one exception object raised
    from several tasks would collect all their tracebacks); the cause stays chained."""
    fresh = type(error)(str(error), request=request)
    fresh.__cause__ = error.__cause__
    return fresh


class H2Stream:
    """What one request's stream has received so far."""

    __slots__ = ("stream_id", "status", "headers", "pieces", "unacked", "ended", "error",
                 "trailers", "unprocessed", "reset_code")

    def __init__(self, stream_id: int) -> None:
        self.stream_id = stream_id
        self.status = 0  # 0 until the final response head arrived
        self.headers: list[tuple[bytes, bytes]] = []
        self.pieces: list[bytes] = []
        self.unacked = 0  # flow-controlled bytes received and not yet acknowledged
        self.ended = False  # END_STREAM received (the body is complete in ``pieces``)
        self.error: TransportError | None = None
        self.trailers: list[tuple[bytes, bytes]] | None = None
        self.unprocessed = False  # GOAWAY said the server never processed it (§6.8)
        self.reset_code: int | None = None


_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9a-z]+")  # RFC 9110 §5.1, lower case (RFC 9113 §8.2)
_CHECKED_NAMES: set[bytes] = set()  # names already found valid (bounded below)


def _check_field_name(name: bytes) -> None:
    if not _TOKEN.fullmatch(name):
        raise LocalProtocolError(f"invalid request header name {name!r}")
    if len(_CHECKED_NAMES) < 1024:
        _CHECKED_NAMES.add(name)


class HTTP2State:
    """One client connection's HTTP/2 state: a protocol core plus our per-stream view."""

    #: The protocol core's class: the one ``_implementation`` picked (tests swap it).
    core_class: Callable[..., H2CoreInterface] = H2Core

    def __init__(
        self,
        *,
        stream_window: int = DEFAULT_STREAM_WINDOW,
        connection_window: int = DEFAULT_CONNECTION_WINDOW,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        max_streams: int = DEFAULT_MAX_STREAMS,
        max_header_list_size: int = DEFAULT_MAX_HEADER_LIST_SIZE,
    ) -> None:
        self.core: H2CoreInterface = self.core_class(
            stream_window=stream_window, connection_window=connection_window,
            max_frame_size=max_frame_size, max_streams=max_streams,
            max_header_list_size=max_header_list_size,
        )
        self.local_max_streams = max_streams
        self.streams: dict[int, H2Stream] = {}
        #: Last stream id of a received GOAWAY; no new stream may start once it is set.
        self.goaway_last_stream_id: int | None = None
        #: Set when the connection as a whole failed (protocol error, EOF, I/O error).
        self.error: TransportError | None = None

    # -- connection ------------------------------------------------------------------------

    def initiate(self) -> None:
        """Queue the connection preface and our SETTINGS (RFC 9113 §3.4), and widen the
        connection window (§6.9.2: only WINDOW_UPDATE can, SETTINGS cannot)."""
        self.core.initiate()

    def data_to_send(self) -> bytes:
        return self.core.data_to_send()

    @property
    def max_streams(self) -> int:
        """Streams that may be open at once: the server's limit, capped by ours."""
        return min(self.core.remote_max_concurrent_streams, self.local_max_streams)

    def accepts_new_streams(self) -> bool:
        """False once the connection failed, got a GOAWAY, or ran out of stream ids."""
        return (
            self.error is None
            and self.goaway_last_stream_id is None
            and self.core.highest_stream_id < 2**31 - 64
        )

    def can_open_stream(self) -> bool:
        """A new stream may be opened now without exceeding the server's limit (§5.1.2)."""
        core = self.core
        return core.open_outbound_streams < core.remote_max_concurrent_streams

    def fail(self, error: TransportError) -> None:
        """The connection is gone: every stream not yet complete fails with ``error``."""
        if self.error is None:
            self.error = error
        for stream in self.streams.values():
            if stream.error is None and not stream.ended:
                stream.error = error

    # -- sending -----------------------------------------------------------------------------

    def open_stream(
        self,
        method: bytes,
        scheme: bytes,
        authority: bytes,
        path: bytes,
        fields: list[tuple[bytes, bytes]],
        end_stream: bool,
    ) -> H2Stream:
        """Queue a request's HEADERS frame on a new stream; raises ``LocalProtocolError``
        if the fields cannot be sent. ``authority`` is used unless ``fields`` has a Host."""
        if self.error is not None:
            raise renew(self.error)
        headers = [(b":method", method), (b":authority", authority), (b":scheme", scheme),
                   (b":path", path)]
        dropped = _DROPPED_FIELDS
        for name, value in fields:
            lname = name.lower()
            if lname in dropped:
                if lname == b"host":
                    headers[1] = (b":authority", value)
                continue
            if lname == b"te" and value.lower() != b"trailers":
                continue  # §8.2.2: TE may only carry "trailers"
            if lname not in _CHECKED_NAMES:
                _check_field_name(lname)
            if b"\r" in value or b"\n" in value or b"\0" in value:  # §8.2.1
                raise LocalProtocolError(
                    f"invalid character (CR, LF or NUL) in request header {name!r}"
                )
            headers.append((lname, value))
        try:
            stream_id = self.core.send_headers(headers, end_stream)
        except LocalProtocolError as exc:
            raise LocalProtocolError(f"cannot send the request headers over HTTP/2: {exc}") \
                from exc
        stream = self.streams[stream_id] = H2Stream(stream_id)
        return stream

    def send_window(self, stream: H2Stream) -> int:
        """How many body bytes may be sent on ``stream`` now (both windows and the frame
        size, §6.9.1); 0 means wait for a WINDOW_UPDATE."""
        return self.core.send_window(stream.stream_id)

    def send_data(self, stream: H2Stream, data: bytes | memoryview, end_stream: bool) -> None:
        try:
            self.core.send_data(stream.stream_id, data, end_stream)
        except LocalProtocolError as exc:
            raise LocalProtocolError(f"cannot send the request body over HTTP/2: {exc}") \
                from exc

    def end_stream(self, stream: H2Stream) -> None:
        try:
            self.core.end_stream(stream.stream_id)
        except LocalProtocolError as exc:
            raise LocalProtocolError(f"cannot end the request over HTTP/2: {exc}") from exc

    def request_done_sending(self, stream: H2Stream) -> bool:
        """The server answered and closed the stream before the request body was all sent
        (§8.1: it may, then resets with NO_ERROR): stop sending, keep the response."""
        return stream.ended or (stream.reset_code == 0 and stream.status != 0)

    # -- receiving ---------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> tuple[list[int], bool]:
        """Feed received bytes to the core and apply its events.

        Returns the ids of the streams whose state changed and whether something changed for
        every stream (windows, settings, GOAWAY, a stream slot freed, connection failure)."""
        touched: list[int] = []
        everyone = False
        streams = self.streams
        core = self.core
        for kind, stream_id, a, b in core.receive_data(data):
            if kind == DATA:
                stream = streams.get(stream_id)
                payload: bytes = a  # type: ignore[assignment]
                if stream is None or stream.error is not None:
                    core.acknowledge(stream_id, len(payload))  # nobody will read it
                    continue
                stream.pieces.append(payload)
                stream.unacked += len(payload)
                touched.append(stream_id)
            elif kind == RESPONSE:
                stream = streams.get(stream_id)
                if stream is not None:
                    stream.status = a  # type: ignore[assignment]
                    stream.headers = b  # type: ignore[assignment]
                    touched.append(stream_id)
            elif kind == STREAM_ENDED:
                stream = streams.get(stream_id)
                if stream is not None:
                    stream.ended = True
                    touched.append(stream_id)
                everyone = True  # a stream slot is free
            elif kind == STREAM_RESET:
                self._stream_reset(stream_id, a, b)  # type: ignore[arg-type]
                everyone = True
            elif kind == WINDOW_UPDATED:
                if stream_id:
                    touched.append(stream_id)
                else:
                    everyone = True
            elif kind == SETTINGS:
                everyone = True
            elif kind == GOAWAY:
                self._goaway(stream_id, a, b)  # type: ignore[arg-type]
                everyone = True
            elif kind == TRAILERS:
                stream = streams.get(stream_id)
                if stream is not None:
                    stream.trailers = a  # type: ignore[assignment]
            elif kind == CONN_ERROR:
                # The core has queued a GOAWAY for data_to_send(); the connection is over.
                self.fail(RemoteProtocolError(
                    f"HTTP/2 protocol error from the server ({_error_name(a)}): {b}"  # type: ignore[arg-type]
                ))
                return [], True
            # INFORMATIONAL (1xx, skipped as in HTTP/1.1) needs nothing from us.
        return touched, everyone

    def _stream_reset(self, stream_id: int, code: int, remote: bool) -> None:
        stream = self.streams.get(stream_id)
        if stream is None:
            return
        stream.reset_code = code
        if code == 0 and stream.status and stream.ended:
            return  # §8.1: the response is complete; the reset only stops our upload
        if stream.error is None:
            who = "the server" if remote else "the client"
            stream.error = RemoteProtocolError(
                f"{who} reset HTTP/2 stream {stream.stream_id} ({_error_name(code)})"
            )
        self._drop_pieces(stream)

    def _goaway(self, last: int, code: int, debug: bytes) -> None:
        self.goaway_last_stream_id = last
        reason = _error_name(code)
        if debug:
            reason += f": {debug.decode('utf-8', 'replace')[:200]}"
        for stream in self.streams.values():
            if stream.stream_id > last and stream.error is None and not stream.ended:
                stream.unprocessed = True
                stream.error = RemoteProtocolError(
                    f"the server sent GOAWAY ({reason}) with last stream id {last}: "
                    f"HTTP/2 stream {stream.stream_id} was not processed"
                )
                self._drop_pieces(stream)

    def connection_closed(self) -> None:
        """EOF from the server."""
        if self.error is None:
            self.fail(RemoteProtocolError("the server closed the HTTP/2 connection"))

    # -- consuming ---------------------------------------------------------------------------

    def take_pieces(self, stream: H2Stream) -> list[bytes]:
        """The body pieces received so far, now acknowledged (§6.9: the window reopens as the
        caller consumes, which is what makes a slow reader push back on the server)."""
        pieces = stream.pieces
        if not pieces:
            return _EMPTY
        stream.pieces = []
        if stream.unacked:
            size, stream.unacked = stream.unacked, 0
            self.core.acknowledge(stream.stream_id, size)
        return pieces

    def _drop_pieces(self, stream: H2Stream) -> None:
        stream.pieces = []
        if stream.unacked:
            size, stream.unacked = stream.unacked, 0
            self.core.acknowledge(stream.stream_id, size)

    def close_stream(self, stream: H2Stream) -> None:
        """The caller is done with ``stream``: forget it, and reset it with CANCEL (§8.7)
        if it is still open (an unread body, an abandoned request)."""
        if self.streams.pop(stream.stream_id, None) is None:
            return
        self._drop_pieces(stream)
        if self.error is None:
            self.core.cancel_stream(stream.stream_id)

    def close(self) -> None:
        """Queue a GOAWAY (NO_ERROR) before we close the connection (§6.8)."""
        if self.error is None:
            self.core.close()
