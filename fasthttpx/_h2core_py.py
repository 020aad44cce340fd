"""Pure-Python twin of the compiled HTTP/2 core: an adapter over the ``h2`` library.

``h2`` does the framing, HPACK and protocol state machines; this module turns its event
objects into the tuples of ``_h2_interface`` and its exceptions into ``CONN_ERROR`` events
(h2 has already queued the GOAWAY). Selected by ``FASTHTTPX_NO_EXTENSIONS=1`` or when the
compiled ``_h2core`` is missing; the differential tests hold the two to the same events.

Received field sections are checked by ``_h2_fields`` (the compiled core's rules), not by
h2: h2 makes a malformed response a connection error, RFC 9113 §8.1.1 a stream error. Its
streams are ``_Stream``s, which reset just the stream (RST_STREAM PROTOCOL_ERROR) for a
malformed head, trailers or body length, as h2 itself does for a stream window overflow.
"""

from __future__ import annotations

from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
import h2.stream
from h2.errors import ErrorCodes

from ._exceptions import LocalProtocolError
from ._h2_fields import MalformedResponse, check_fields, content_length, header_list_size
from ._h2_interface import (
    CONN_ERROR,
    DATA,
    GOAWAY,
    INFORMATIONAL,
    RESPONSE,
    SETTINGS,
    STREAM_ENDED,
    STREAM_ERROR,
    STREAM_RESET,
    TRAILERS,
    WINDOW_UPDATED,
    Event,
    Fields,
)

__all__ = ["H2Core"]

#: Frames in a row that carry nothing for a request (PING, SETTINGS, PRIORITY, unknown)
#: before the connection is failed with ENHANCE_YOUR_CALM, as the compiled core does.
MAX_IDLE_FRAMES = 1000
_IDLE_EVENTS = (h2.events.PingReceived, h2.events.PingAckReceived,
                h2.events.RemoteSettingsChanged, h2.events.SettingsAcknowledged,
                h2.events.PriorityUpdated, h2.events.UnknownFrameReceived)


class _StreamError:
    """Event: a stream was reset by us for what the server sent on it (a stream error)."""

    __slots__ = ("stream_id", "error_code", "message")

    def __init__(self, stream_id: int, error_code: int, message: str) -> None:
        self.stream_id = stream_id
        self.error_code = error_code
        self.message = message


class _StreamFault(Exception):
    """Raised by a ``_Stream`` that reset itself; its connection turns it into the event."""

    def __init__(self, event: _StreamError, frames: list[Any]) -> None:
        super().__init__(event.message)
        self.event = event
        self.frames = frames


_RECEIVING = (h2.stream.StreamState.OPEN, h2.stream.StreamState.HALF_CLOSED_LOCAL)
_SENDING = (h2.stream.StreamState.OPEN, h2.stream.StreamState.HALF_CLOSED_REMOTE)


class _Stream(h2.stream.H2Stream):
    """An h2 stream that treats a malformed response as a stream error (RFC 9113 §8.1.1),
    checked by ``_h2_fields`` before h2 sees it. In any state but open (for receiving) h2's
    own state machine answers first, as the compiled core's stream lookup does. The body
    length is held to the content-length of the final head only, and not for HEAD, 204 or
    304 (RFC 9110 §8.6), as in the compiled core; h2 counts the body, we set what it
    expects."""

    #: The content-length the head being received sets (None: none to hold the body to).
    _head_length: int | None = None

    def _malformed(self, message: str) -> _StreamFault:
        frames = self.reset_stream(ErrorCodes.PROTOCOL_ERROR)
        return _StreamFault(
            _StreamError(self.stream_id, int(ErrorCodes.PROTOCOL_ERROR), message), frames
        )

    def receive_headers(self, headers: Any, end_stream: bool, header_encoding: Any) -> Any:
        machine = self.state_machine
        if machine.state in _RECEIVING:
            try:
                if machine.headers_received:
                    if not end_stream:
                        raise MalformedResponse("trailers without END_STREAM")
                    check_fields(headers, True)
                else:
                    status, regular = check_fields(headers, False)
                    if status < 200:
                        if end_stream:
                            raise MalformedResponse(
                                "an informational response with END_STREAM")
                    elif self.request_method != b"HEAD" and status not in (204, 304):
                        expected = content_length(regular)
                        if end_stream and expected > 0:
                            raise MalformedResponse(
                                f"body length 0 does not match content-length {expected}")
                        self._head_length = expected if expected >= 0 else None
            except MalformedResponse as exc:
                raise self._malformed(str(exc)) from None
        return super().receive_headers(headers, end_stream, header_encoding)

    def _initialize_content_length(self, headers: Any) -> None:
        # Called by h2 for every field section; only a final head sets an expectation.
        length, self._head_length = self._head_length, None
        if length is not None:
            self._expected_content_length = length

    def receive_data(self, data: bytes, end_stream: bool, flow_control_len: int) -> Any:
        if self.state_machine.state in _RECEIVING and not self.state_machine.headers_received:
            raise self._malformed(f"DATA before the response head on stream {self.stream_id}")
        try:
            return super().receive_data(data, end_stream, flow_control_len)
        except h2.exceptions.InvalidBodyLengthError as exc:
            raise self._malformed(
                f"body length {exc.actual_length} does not match content-length "
                f"{exc.expected_length}") from None


class _H2Connection(h2.connection.H2Connection):
    """h2's connection with our streams (``_Stream``), and one fix: h2 closes its connection
    state machine on a received GOAWAY, and then refuses every later frame, including those of
    the streams the GOAWAY let finish (RFC 9113 §6.8: streams up to its last stream id go on).
    Keep the machine open after a *received* GOAWAY; ``HTTP2State`` itself refuses to open new
    streams from then on."""

    def _receive_goaway_frame(self, frame: Any) -> Any:
        result = super()._receive_goaway_frame(frame)
        machine = self.state_machine
        if machine.state is h2.connection.ConnectionState.CLOSED:
            machine.state = h2.connection.ConnectionState.CLIENT_OPEN
        return result

    def _begin_new_stream(self, stream_id: int, allowed_ids: Any) -> Any:
        # h2 builds its own H2Stream; ours adds behaviour only, so it can take the object over.
        stream = super()._begin_new_stream(stream_id, allowed_ids)
        stream.__class__ = _Stream
        return stream

    def _receive_headers_frame(self, frame: Any) -> Any:
        if not frame.stream_id % 2:  # h2 would take it for a request (we refuse pushes)
            raise h2.exceptions.ProtocolError(f"HEADERS on idle stream {frame.stream_id}")
        try:
            return super()._receive_headers_frame(frame)
        except _StreamFault as fault:
            return fault.frames, [fault.event]

    def _receive_data_frame(self, frame: Any) -> Any:
        try:
            return super()._receive_data_frame(frame)
        except _StreamFault as fault:
            # Nobody reads this frame: give its room back to the connection's window.
            self.acknowledge_received_data(frame.flow_controlled_length, frame.stream_id)
            return fault.frames, [fault.event]


def _split_head(headers: Any) -> tuple[int, Fields]:
    """``:status`` and the regular fields of a head ``_Stream`` has checked."""
    status = 0
    fields: Fields = []
    for name, value in headers:
        if name == b":status":
            status = int(value)
        else:
            fields.append((name, value))
    return status, fields


def _reset_message(event: Any) -> str:
    """Why h2 reset a stream itself (a stream error it found)."""
    if event.error_code == ErrorCodes.FLOW_CONTROL_ERROR:
        return f"a WINDOW_UPDATE overflowed the flow-control window of stream {event.stream_id}"
    return f"a frame on stream {event.stream_id} after it closed"


class H2Core:
    """``_h2_interface.H2CoreInterface`` over ``h2.connection.H2Connection``."""

    def __init__(
        self,
        *,
        stream_window: int,
        connection_window: int,
        max_frame_size: int,
        max_streams: int,
        max_header_list_size: int,
    ) -> None:
        config = h2.config.H2Configuration(
            # Received fields are checked by _Stream (a malformed response is a stream error).
            client_side=True, header_encoding=None, validate_inbound_headers=False,
            normalize_inbound_headers=False,
            # The request fields are checked by HTTP2State.open_stream; h2's outbound
            # validation was a third of the client's CPU per request.
            validate_outbound_headers=False, normalize_outbound_headers=False,
        )
        self.h2 = _H2Connection(config=config)
        self._stream_window = stream_window
        self._connection_window = connection_window
        self._max_frame_size = max_frame_size
        self._max_streams = max_streams
        self._max_header_list_size = max_header_list_size
        self._failed = False
        self._idle_frames = 0
        #: The server's first bytes, until its first frame header was seen.
        self._preface: bytes | None = b""

    def initiate(self) -> None:
        h2c = self.h2
        h2c.local_settings = h2.settings.Settings(
            client=True,
            initial_values={
                h2.settings.SettingCodes.ENABLE_PUSH: 0,  # §8.4: we never want pushes
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: self._stream_window,
                h2.settings.SettingCodes.MAX_FRAME_SIZE: self._max_frame_size,
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: self._max_streams,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: self._max_header_list_size,
            },
        )
        # Values given at construction are current at once (not pending an ACK), but h2 read
        # the frame size limit when it was built: accepting bigger frames before the server
        # saw our SETTINGS is harmless, it may not send them until then (§6.5.3).
        h2c.max_inbound_frame_size = self._max_frame_size
        h2c.initiate_connection()
        extra = self._connection_window - 65535  # the connection window starts at 64 KiB - 1
        if extra > 0:
            h2c.increment_flow_control_window(extra)

    def data_to_send(self) -> bytes:
        return self.h2.data_to_send()

    # -- receiving ---------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> list[Event]:
        if self._failed:
            return []
        out: list[Event] = []
        if self._preface is not None:  # h2 does not check the server preface (§3.4)
            self._preface += data
            if len(self._preface) >= 9:
                if self._preface[3] != 0x4 or self._preface[4] & 0x1:
                    return self._malformed(out, "the server preface does not start with "
                                                "SETTINGS")
                self._preface = None
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            self._failed = True  # h2 queued a GOAWAY for data_to_send()
            code = int(getattr(exc, "error_code", ErrorCodes.PROTOCOL_ERROR))
            out.append((CONN_ERROR, 0, code, str(exc) or type(exc).__name__))
            return out
        event: Any
        for event in events:
            kind = type(event)
            if kind in _IDLE_EVENTS:
                self._idle_frames += 1
                if self._idle_frames > MAX_IDLE_FRAMES:
                    return self._malformed(
                        out, f"more than {MAX_IDLE_FRAMES} control frames without any "
                        "response data", ErrorCodes.ENHANCE_YOUR_CALM)
            elif kind is h2.events.DataReceived or kind is h2.events.ResponseReceived:
                self._idle_frames = 0
            if kind is h2.events.DataReceived:
                size = event.flow_controlled_length or 0
                payload = event.data or b""
                if size > len(payload):  # padding: nobody reads it, credit it at once
                    self.acknowledge(event.stream_id, size - len(payload))
                if payload:
                    out.append((DATA, event.stream_id, payload, None))
            elif kind is h2.events.ResponseReceived or \
                    kind is h2.events.InformationalResponseReceived:
                status, fields = _split_head(event.headers)
                out.append((RESPONSE if status >= 200 else INFORMATIONAL, event.stream_id,
                            status, fields))
            elif kind is h2.events.TrailersReceived:
                out.append((TRAILERS, event.stream_id, list(event.headers or []), None))
            elif kind is h2.events.StreamEnded:
                out.append((STREAM_ENDED, event.stream_id, None, None))
            elif kind is h2.events.StreamReset:
                if event.remote_reset:
                    out.append((STREAM_RESET, event.stream_id, int(event.error_code or 0), True))
                else:  # h2 found a stream error and reset the stream itself
                    out.append((STREAM_ERROR, event.stream_id, int(event.error_code or 0),
                                _reset_message(event)))
            elif kind is _StreamError:
                out.append((STREAM_ERROR, event.stream_id, event.error_code, event.message))
            elif kind is h2.events.WindowUpdated:
                out.append((WINDOW_UPDATED, event.stream_id or 0, None, None))
            elif kind is h2.events.RemoteSettingsChanged:
                out.append((SETTINGS, 0, None, None))
            elif kind is h2.events.ConnectionTerminated:
                # The reserved bit is ignored (RFC 9113 §6.8); hyperframe keeps it.
                last = int(event.last_stream_id or 0) & 0x7FFFFFFF
                out.append((GOAWAY, last, int(event.error_code or 0),
                            bytes(event.additional_data or b"")))
            # PingReceived and SettingsAcknowledged (h2 acknowledges them itself), priority,
            # ALTSVC and unknown frames need nothing from us.
        return out

    def _malformed(
        self, out: list[Event], message: str, code: ErrorCodes = ErrorCodes.PROTOCOL_ERROR
    ) -> list[Event]:
        """Fail the connection for a fault h2 let pass. What h2 queued in reply to the
        offending input (a flood's acknowledgements) is dropped: only the GOAWAY goes out."""
        self._failed = True
        self.h2.clear_outbound_data_buffer()
        try:
            self.h2.close_connection(code)
        except h2.exceptions.ProtocolError:
            pass
        out.append((CONN_ERROR, 0, int(code), message))
        return out

    # -- sending -----------------------------------------------------------------------------

    def send_headers(self, headers: Fields, end_stream: bool) -> int:
        h2c = self.h2
        limit = h2c.remote_settings.max_header_list_size
        if limit is not None:  # h2 does not check the server's limit (RFC 9113 §6.5.2)
            size = header_list_size(headers)
            if size > limit:
                raise LocalProtocolError(
                    f"the request's header list ({size} bytes) exceeds the server's "
                    f"SETTINGS_MAX_HEADER_LIST_SIZE ({limit})")
        try:
            stream_id = h2c.get_next_available_stream_id()
            h2c.send_headers(stream_id, headers, end_stream=end_stream)
        except h2.exceptions.ProtocolError as exc:
            raise LocalProtocolError(str(exc)) from exc
        return int(stream_id)

    def send_data(self, stream_id: int, data: bytes | memoryview, end_stream: bool) -> None:
        try:
            self.h2.send_data(stream_id, data, end_stream=end_stream)
        except h2.exceptions.ProtocolError as exc:
            raise LocalProtocolError(str(exc)) from exc

    def end_stream(self, stream_id: int) -> None:
        try:
            self.h2.end_stream(stream_id)
        except h2.exceptions.ProtocolError as exc:
            raise LocalProtocolError(str(exc)) from exc

    def cancel_stream(self, stream_id: int) -> None:
        if self._failed:
            return
        stream = self.h2.streams.get(stream_id)
        if stream is not None and not stream.closed:
            try:
                self.h2.reset_stream(stream_id, ErrorCodes.CANCEL)
            except h2.exceptions.ProtocolError:
                pass

    def acknowledge(self, stream_id: int, size: int) -> None:
        try:
            self.h2.acknowledge_received_data(size, stream_id)
        except h2.exceptions.ProtocolError:  # the stream or connection is already closed
            pass

    def send_window(self, stream_id: int) -> int:
        h2c = self.h2
        stream = h2c.streams.get(stream_id)
        if stream is None or stream.state_machine.state not in _SENDING:
            return 0  # closed for sending (h2 would still report its window)
        window = h2c.local_flow_control_window(stream_id)
        return max(0, min(window, h2c.max_outbound_frame_size))

    def close(self) -> None:
        if not self._failed:
            try:
                self.h2.close_connection()
            except h2.exceptions.ProtocolError:
                pass

    @property
    def remote_max_concurrent_streams(self) -> int:
        return int(self.h2.remote_settings.max_concurrent_streams)

    @property
    def open_outbound_streams(self) -> int:
        return int(self.h2.open_outbound_streams)

    @property
    def highest_stream_id(self) -> int:
        return int(self.h2.highest_outbound_stream_id or 0)
