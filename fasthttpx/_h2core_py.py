"""Pure-Python twin of the compiled HTTP/2 core: an adapter over the ``h2`` library.

``h2`` does the framing, HPACK and protocol state machines; this module turns its event
objects into the tuples of ``_h2_interface`` and its exceptions into ``CONN_ERROR`` events
(h2 has already queued the GOAWAY). Selected by ``FASTHTTPX_NO_EXTENSIONS=1`` or when the
compiled ``_h2core`` is missing; the differential tests hold the two to the same events.
"""

from __future__ import annotations

from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
from h2.errors import ErrorCodes

from ._exceptions import LocalProtocolError
from ._h2_interface import (
    CONN_ERROR,
    DATA,
    GOAWAY,
    INFORMATIONAL,
    RESPONSE,
    SETTINGS,
    STREAM_ENDED,
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


class _H2Connection(h2.connection.H2Connection):
    """h2 closes its connection state machine on a received GOAWAY, and then refuses every
    later frame, including those of the streams the GOAWAY let finish (RFC 9113 §6.8: streams
    up to its last stream id go on). Keep the machine open after a *received* GOAWAY;
    ``HTTP2State`` itself refuses to open new streams from then on."""

    def _receive_goaway_frame(self, frame: Any) -> Any:
        result = super()._receive_goaway_frame(frame)
        machine = self.state_machine
        if machine.state is h2.connection.ConnectionState.CLOSED:
            machine.state = h2.connection.ConnectionState.CLIENT_OPEN
        return result


def _split_head(headers: Any) -> tuple[int, Fields] | None:
    """``:status`` and the regular fields; None when the status is not three digits."""
    status = -1
    fields: Fields = []
    for name, value in headers:
        if name == b":status":
            if len(value) != 3 or not value.isdigit():
                return None
            status = int(value)
        else:
            fields.append((name, value))
    return (status, fields) if status >= 0 else None


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
            client_side=True, header_encoding=None, validate_inbound_headers=True,
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
                head = _split_head(event.headers)
                if head is None:
                    return self._malformed(out, "malformed :status in a response")
                status, fields = head
                out.append((RESPONSE if status >= 200 else INFORMATIONAL, event.stream_id,
                            status, fields))
            elif kind is h2.events.TrailersReceived:
                out.append((TRAILERS, event.stream_id, list(event.headers or []), None))
            elif kind is h2.events.StreamEnded:
                out.append((STREAM_ENDED, event.stream_id, None, None))
            elif kind is h2.events.StreamReset:
                out.append((STREAM_RESET, event.stream_id, int(event.error_code or 0),
                            bool(event.remote_reset)))
            elif kind is h2.events.WindowUpdated:
                out.append((WINDOW_UPDATED, event.stream_id or 0, None, None))
            elif kind is h2.events.RemoteSettingsChanged:
                out.append((SETTINGS, 0, None, None))
            elif kind is h2.events.ConnectionTerminated:
                out.append((GOAWAY, int(event.last_stream_id or 0), int(event.error_code or 0),
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
        try:
            window = h2c.local_flow_control_window(stream_id)
        except h2.exceptions.StreamClosedError:
            return 0
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
