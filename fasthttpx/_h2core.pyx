# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled HTTP/2 client core (RFC 9113): frames, HPACK, connection and stream state.

Twin of `_h2core_py.py` (the same interface, `_h2_interface.py`, over the ``h2`` library);
the differential tests hold the two to the same events for the same bytes.

Why: with ``h2`` the protocol work (its state machines, hpack, hyperframe) was about two
thirds of an HTTP/2 request's client CPU. Here one ``receive_data`` call parses every complete
frame of a socket read in C and returns one list of small tuples; DATA frames of one stream in
one read become one ``DATA`` event; no Python object is made per frame except what the caller
receives (field lists, body bytes) and the occasional control-frame reply.

How:
* Input: frames are cut from a ``const unsigned char*`` of the read (plus an unfinished frame
  kept from the last read). A frame longer than our SETTINGS_MAX_FRAME_SIZE fails the
  connection as soon as its 9-byte header is seen, so no buffer grows past one frame.
* Output: frames are written into one C buffer; ``data_to_send`` takes it as ``bytes``.
* Streams: a ``_Stream`` per open stream, in a dict; closed streams are forgotten. A stream
  we reset is remembered (a bounded set) so the frames the server sent before seeing our
  RST_STREAM are ignored (§5.1); frames on other closed streams, on idle streams, or a
  PUSH_PROMISE (we send SETTINGS_ENABLE_PUSH=0) are connection errors.
* Flow control (§5.2, §6.9): the server's windows limit ``send_window``; our receive windows
  are credited as the caller ``acknowledge``s consumed bytes, by a WINDOW_UPDATE once half a
  window is owed (batched: a download costs one WINDOW_UPDATE per half window, not per read).
* Errors: a connection error queues GOAWAY(code) and ends the event list with ``CONN_ERROR``.
  Floods are bounded: at most 64 CONTINUATION frames or 1 MiB per header block, and at most
  1000 frames that carry nothing for a request (PING, SETTINGS, PRIORITY, unknown types,
  frames for forgotten streams, empty DATA) in a row, else ENHANCE_YOUR_CALM.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy

from ._exceptions import LocalProtocolError
from ._hpack_common import HPACKError, OversizedHeaderListError

from ._hpack cimport Decoder, Encoder

__all__ = ["H2Core"]

# Event kinds (`_h2_interface.py`).
DEF RESPONSE = 1
DEF INFORMATIONAL = 2
DEF TRAILERS = 3
DEF DATA_EVENT = 4
DEF STREAM_ENDED = 5
DEF STREAM_RESET = 6
DEF WINDOW_UPDATED = 7
DEF SETTINGS_EVENT = 8
DEF GOAWAY_EVENT = 9
DEF CONN_ERROR = 10

# Frame types (§6) and flags.
DEF F_DATA = 0x0
DEF F_HEADERS = 0x1
DEF F_PRIORITY = 0x2
DEF F_RST_STREAM = 0x3
DEF F_SETTINGS = 0x4
DEF F_PUSH_PROMISE = 0x5
DEF F_PING = 0x6
DEF F_GOAWAY = 0x7
DEF F_WINDOW_UPDATE = 0x8
DEF F_CONTINUATION = 0x9
DEF END_STREAM = 0x1
DEF ACK = 0x1
DEF END_HEADERS = 0x4
DEF PADDED = 0x8
DEF PRIORITY_FLAG = 0x20

# Error codes (§7).
DEF NO_ERROR = 0x0
DEF PROTOCOL_ERROR = 0x1
DEF FLOW_CONTROL_ERROR = 0x3
DEF STREAM_CLOSED = 0x5
DEF FRAME_SIZE_ERROR = 0x6
DEF CANCEL = 0x8
DEF COMPRESSION_ERROR = 0x9
DEF ENHANCE_YOUR_CALM = 0xB

DEF MAX_WINDOW = 2147483647
DEF MAX_STREAM_ID = 2147483647
DEF MAX_CONTINUATIONS = 64
DEF MAX_HEADER_BLOCK = 1048576
DEF MAX_IDLE_FRAMES = 1000
DEF MAX_RESET_MEMORY = 4096

cdef bytes PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
cdef frozenset CONNECTION_FIELDS = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"}
)
cdef frozenset PSEUDO_FIELDS = frozenset(
    {b":status", b":method", b":scheme", b":authority", b":path", b":protocol"}
)

# Characters allowed in a received field name (§8.2.1): visible ASCII but upper case.
cdef unsigned char NAME_OK[256]
for _c in range(256):
    NAME_OK[_c] = 0x21 <= _c <= 0x7E and not (0x41 <= _c <= 0x5A)


class _ConnectionError(Exception):
    """Internal: a connection error (§5.4.1) with its code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


cdef inline unsigned int _u32(const unsigned char* p):
    return (<unsigned int>p[0] << 24) | (<unsigned int>p[1] << 16) | \
        (<unsigned int>p[2] << 8) | p[3]


cdef class _Stream:
    cdef int stream_id
    cdef bint local_closed, remote_closed, head_done, head_request
    cdef long long send_window, recv_window, unacked
    cdef long long expected_length, received_length  # expected_length -1: not given
    cdef list pending  # DATA payloads of this read, joined into one event

    def __cinit__(self, int stream_id):
        self.stream_id = stream_id
        self.expected_length = -1
        self.pending = None


cdef class H2Core:
    """``_h2_interface.H2CoreInterface``, compiled."""

    cdef long long _stream_window, _connection_window
    cdef long long _max_frame_size, _max_streams, _max_header_list_size
    cdef long long _remote_initial_window, _remote_max_frame, _remote_max_streams
    cdef long long _conn_send_window, _conn_recv_window, _conn_unacked
    cdef unsigned char* _out
    cdef Py_ssize_t _out_len, _out_cap
    cdef bytes _inbuf
    cdef dict _streams
    cdef set _reset_ids
    cdef object _reset_order  # insertion order of _reset_ids, to bound it
    cdef int _next_stream_id, _open_count
    cdef bint _failed, _settings_seen, _goaway_received, _goaway_sent
    cdef int _hb_stream, _hb_frames
    cdef bint _hb_end_stream
    cdef bytearray _hb
    cdef int _idle_frames
    cdef Decoder _decoder
    cdef Encoder _encoder
    cdef list _events
    cdef list _dirty

    def __cinit__(self, *, long long stream_window, long long connection_window,
                  long long max_frame_size, long long max_streams,
                  long long max_header_list_size):
        self._stream_window = stream_window
        self._connection_window = connection_window
        self._max_frame_size = max_frame_size
        self._max_streams = max_streams
        self._max_header_list_size = max_header_list_size
        self._remote_initial_window = 65535
        self._remote_max_frame = 16384
        self._remote_max_streams = MAX_STREAM_ID  # unbounded until the server says (§6.5.2)
        self._conn_send_window = 65535
        self._conn_recv_window = 65535
        self._conn_unacked = 0
        self._out = NULL
        self._out_len = self._out_cap = 0
        self._inbuf = b""
        self._streams = {}
        self._reset_ids = set()
        from collections import deque
        self._reset_order = deque()
        self._next_stream_id = 1
        self._open_count = 0
        self._hb = bytearray()
        self._decoder = Decoder(4096, max_header_list_size)
        self._encoder = Encoder()
        self._events = []
        self._dirty = []

    def __dealloc__(self):
        free(self._out)

    # -- output buffer -----------------------------------------------------------------------

    cdef unsigned char* _reserve(self, Py_ssize_t extra) except NULL:
        cdef Py_ssize_t wanted = self._out_len + extra
        cdef unsigned char* grown
        if wanted > self._out_cap:
            wanted = max(wanted, 2 * self._out_cap, 1024)
            grown = <unsigned char*>realloc(self._out, wanted)
            if grown == NULL:
                raise MemoryError()
            self._out = grown
            self._out_cap = wanted
        return self._out + self._out_len

    cdef int _frame(self, Py_ssize_t length, int kind, int flags, unsigned int stream_id,
                    const unsigned char* payload) except -1:
        cdef unsigned char* p = self._reserve(9 + length)
        p[0] = (length >> 16) & 0xFF
        p[1] = (length >> 8) & 0xFF
        p[2] = length & 0xFF
        p[3] = kind
        p[4] = flags
        p[5] = (stream_id >> 24) & 0x7F
        p[6] = (stream_id >> 16) & 0xFF
        p[7] = (stream_id >> 8) & 0xFF
        p[8] = stream_id & 0xFF
        if length:
            memcpy(p + 9, payload, length)
        self._out_len += 9 + length
        return 0

    cdef int _u32_frame(self, int kind, unsigned int stream_id, unsigned int value) except -1:
        cdef unsigned char payload[4]
        payload[0] = (value >> 24) & 0xFF
        payload[1] = (value >> 16) & 0xFF
        payload[2] = (value >> 8) & 0xFF
        payload[3] = value & 0xFF
        return self._frame(4, kind, 0, stream_id, payload)

    cdef int _goaway(self, unsigned int code) except -1:
        cdef unsigned char payload[8]
        cdef int i
        for i in range(4):
            payload[i] = 0  # last stream id: we accept no server-initiated streams
        payload[4] = (code >> 24) & 0xFF
        payload[5] = (code >> 16) & 0xFF
        payload[6] = (code >> 8) & 0xFF
        payload[7] = code & 0xFF
        self._goaway_sent = True
        return self._frame(8, F_GOAWAY, 0, 0, payload)

    # -- connection --------------------------------------------------------------------------

    def initiate(self):
        cdef unsigned char settings[30]
        cdef int count = 0
        cdef long long extra
        for identifier, value in (
            (0x2, 0),  # ENABLE_PUSH: we never want pushes (§8.4)
            (0x3, self._max_streams),  # MAX_CONCURRENT_STREAMS
            (0x4, self._stream_window),  # INITIAL_WINDOW_SIZE
            (0x5, self._max_frame_size),  # MAX_FRAME_SIZE
            (0x6, self._max_header_list_size),  # MAX_HEADER_LIST_SIZE
        ):
            settings[count * 6] = 0
            settings[count * 6 + 1] = identifier
            settings[count * 6 + 2] = (value >> 24) & 0xFF
            settings[count * 6 + 3] = (value >> 16) & 0xFF
            settings[count * 6 + 4] = (value >> 8) & 0xFF
            settings[count * 6 + 5] = value & 0xFF
            count += 1
        memcpy(self._reserve(24), PyBytes_AS_STRING(PREFACE), 24)
        self._out_len += 24
        self._frame(count * 6, F_SETTINGS, 0, 0, settings)
        extra = self._connection_window - 65535  # the connection window starts at 64 KiB - 1
        if extra > 0:
            self._u32_frame(F_WINDOW_UPDATE, 0, extra)
            self._conn_recv_window += extra

    def data_to_send(self):
        cdef bytes data
        if not self._out_len:
            return b""
        data = PyBytes_FromStringAndSize(<const char*>self._out, self._out_len)
        self._out_len = 0
        return data

    @property
    def remote_max_concurrent_streams(self):
        return self._remote_max_streams

    @property
    def open_outbound_streams(self):
        return self._open_count

    @property
    def highest_stream_id(self):
        return self._next_stream_id - 2 if self._next_stream_id > 1 else 0

    def close(self):
        if not self._failed and not self._goaway_sent:
            self._goaway(NO_ERROR)

    # -- sending -----------------------------------------------------------------------------

    def send_headers(self, list headers, bint end_stream):
        cdef bytes block
        cdef Py_ssize_t size, offset, chunk
        cdef int flags, stream_id
        cdef _Stream stream
        cdef const unsigned char* raw
        if self._failed or self._goaway_received:
            raise LocalProtocolError("the connection does not accept new streams")
        if self._next_stream_id > MAX_STREAM_ID:
            raise LocalProtocolError("no stream ids left on this connection")
        stream_id = self._next_stream_id
        block = self._encoder.encode(headers)
        size = PyBytes_GET_SIZE(block)
        raw = <const unsigned char*>PyBytes_AS_STRING(block)
        chunk = min(size, self._remote_max_frame)
        flags = END_STREAM if end_stream else 0
        if chunk == size:
            flags |= END_HEADERS
        self._frame(chunk, F_HEADERS, flags, stream_id, raw)
        offset = chunk
        while offset < size:
            chunk = min(size - offset, self._remote_max_frame)
            self._frame(chunk, F_CONTINUATION, END_HEADERS if offset + chunk == size else 0,
                        stream_id, raw + offset)
            offset += chunk
        self._next_stream_id += 2
        stream = _Stream(stream_id)
        stream.send_window = self._remote_initial_window
        stream.recv_window = self._stream_window
        stream.local_closed = end_stream
        stream.head_request = len(headers) > 0 and headers[0] == (b":method", b"HEAD")
        self._streams[stream_id] = stream
        self._open_count += 1
        return stream_id

    cdef _Stream _sending(self, int stream_id):
        cdef _Stream stream = self._streams.get(stream_id)
        if stream is None or stream.local_closed:
            raise LocalProtocolError(f"stream {stream_id} is closed for sending")
        return stream

    def send_data(self, int stream_id, data, bint end_stream):
        cdef const unsigned char[:] view = data
        cdef Py_ssize_t size = view.shape[0]
        cdef _Stream stream = self._sending(stream_id)
        if size > stream.send_window or size > self._conn_send_window \
                or size > self._remote_max_frame:
            raise LocalProtocolError(
                f"{size} bytes exceed the flow-control window or frame size of stream "
                f"{stream_id}"
            )
        self._frame(size, F_DATA, END_STREAM if end_stream else 0, stream_id,
                    &view[0] if size else NULL)
        stream.send_window -= size
        self._conn_send_window -= size
        if end_stream:
            self._close_local(stream)

    def end_stream(self, int stream_id):
        cdef _Stream stream = self._sending(stream_id)
        self._frame(0, F_DATA, END_STREAM, stream_id, NULL)
        self._close_local(stream)

    cdef void _close_local(self, _Stream stream):
        stream.local_closed = True
        if stream.remote_closed:
            self._forget(stream)

    cdef void _forget(self, _Stream stream):
        if self._streams.pop(stream.stream_id, None) is not None:
            self._open_count -= 1

    def cancel_stream(self, int stream_id):
        cdef _Stream stream
        if self._failed:
            return
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        self._u32_frame(F_RST_STREAM, stream_id, CANCEL)
        self._forget(stream)
        self._remember_reset(stream_id)

    cdef void _remember_reset(self, int stream_id):
        self._reset_ids.add(stream_id)
        self._reset_order.append(stream_id)
        if len(self._reset_order) > MAX_RESET_MEMORY:
            self._reset_ids.discard(self._reset_order.popleft())

    def acknowledge(self, int stream_id, long long size):
        if size > 0 and not self._failed:
            self._credit(self._streams.get(stream_id), size)

    cdef int _credit(self, _Stream stream, long long size) except -1:
        """``size`` received bytes are consumed: WINDOW_UPDATEs once half a window is owed."""
        self._conn_unacked += size
        if self._conn_unacked >= self._connection_window // 2:
            self._u32_frame(F_WINDOW_UPDATE, 0, self._conn_unacked)
            self._conn_recv_window += self._conn_unacked
            self._conn_unacked = 0
        if stream is None or stream.remote_closed:
            return 0  # no more DATA can come on it: its window no longer matters
        stream.unacked += size
        if stream.unacked >= self._stream_window // 2:
            self._u32_frame(F_WINDOW_UPDATE, stream.stream_id, stream.unacked)
            stream.recv_window += stream.unacked
            stream.unacked = 0
        return 0

    def send_window(self, int stream_id):
        cdef _Stream stream = self._streams.get(stream_id)
        if stream is None or stream.local_closed:
            return 0
        return max(0, min(stream.send_window, self._conn_send_window, self._remote_max_frame))

    # -- receiving ---------------------------------------------------------------------------

    def receive_data(self, bytes data not None):
        cdef bytes buf
        cdef const unsigned char* p
        cdef Py_ssize_t size, position = 0
        cdef unsigned int length
        cdef list events
        if self._failed:
            return []
        buf = self._inbuf + data if self._inbuf else data
        p = <const unsigned char*>PyBytes_AS_STRING(buf)
        size = PyBytes_GET_SIZE(buf)
        events = self._events = []
        try:
            while size - position >= 9:
                length = (<unsigned int>p[position] << 16) | (p[position + 1] << 8) | \
                    p[position + 2]
                if length > self._max_frame_size:
                    raise _ConnectionError(
                        FRAME_SIZE_ERROR,
                        f"a {length}-byte frame exceeds SETTINGS_MAX_FRAME_SIZE "
                        f"({self._max_frame_size})")
                _check_stream_association(p[position + 3], _u32(p + position + 5) & 0x7FFFFFFF)
                if not self._settings_seen and (p[position + 3] != F_SETTINGS
                                                or p[position + 4] & ACK):
                    raise _ConnectionError(PROTOCOL_ERROR,
                                           "the server preface does not start with SETTINGS")
                if size - position - 9 < length:
                    break
                self._receive_frame(buf, p + position, position + 9, length)
                position += 9 + length
        except _ConnectionError as exc:
            self._flush_all()
            self._fail(exc.code, str(exc))
            self._inbuf = b""
            self._events = None
            return events
        self._inbuf = buf[position:] if position < size else b""
        self._flush_all()
        self._events = None
        return events

    cdef void _fail(self, unsigned int code, str message):
        self._failed = True
        self._goaway(code)
        self._events.append((CONN_ERROR, 0, code, message))

    cdef void _flush(self, _Stream stream):
        """Emit the DATA collected for ``stream`` in this read, as one event."""
        cdef list pending = stream.pending
        if pending is None:
            return
        stream.pending = None
        self._events.append((DATA_EVENT, stream.stream_id,
                             pending[0] if len(pending) == 1 else b"".join(pending), None))

    cdef void _flush_all(self):
        cdef _Stream stream
        for stream in self._dirty:
            self._flush(stream)
        self._dirty = []

    cdef int _receive_frame(self, bytes buf, const unsigned char* header, Py_ssize_t start,
                            unsigned int length) except -1:
        cdef int kind = header[3]
        cdef int flags = header[4]
        cdef unsigned int stream_id = _u32(header + 5) & 0x7FFFFFFF
        cdef const unsigned char* payload = header + 9
        if self._hb_stream and kind != F_CONTINUATION:
            raise _ConnectionError(PROTOCOL_ERROR,
                                   "a frame inside a header block (CONTINUATION expected)")
        if not self._settings_seen:
            if kind != F_SETTINGS or flags & ACK:
                raise _ConnectionError(PROTOCOL_ERROR,
                                       "the server preface does not start with SETTINGS")
            self._settings_seen = True
        if kind == F_DATA:
            self._receive_data_frame(buf, payload, start, length, flags, stream_id)
        elif kind == F_HEADERS:
            self._receive_headers(payload, length, flags, stream_id)
        elif kind == F_CONTINUATION:
            self._receive_continuation(payload, length, flags, stream_id)
        elif kind == F_SETTINGS:
            self._receive_settings(payload, length, flags, stream_id)
        elif kind == F_WINDOW_UPDATE:
            self._receive_window_update(payload, length, stream_id)
        elif kind == F_RST_STREAM:
            self._receive_rst_stream(payload, length, stream_id)
        elif kind == F_PING:
            if length != 8:
                raise _ConnectionError(FRAME_SIZE_ERROR, "a PING frame not 8 bytes long")
            if stream_id:
                raise _ConnectionError(PROTOCOL_ERROR, "a PING frame on a stream")
            if not flags & ACK:
                self._frame(8, F_PING, ACK, 0, payload)
            self._idle()
        elif kind == F_GOAWAY:
            self._receive_goaway(buf, payload, start, length, stream_id)
        elif kind == F_PRIORITY:
            if length != 5:
                raise _ConnectionError(FRAME_SIZE_ERROR, "a PRIORITY frame not 5 bytes long")
            if not stream_id:
                raise _ConnectionError(PROTOCOL_ERROR, "a PRIORITY frame on stream 0")
            self._idle()
        elif kind == F_PUSH_PROMISE:
            raise _ConnectionError(PROTOCOL_ERROR,
                                   "PUSH_PROMISE received although SETTINGS_ENABLE_PUSH is 0")
        else:  # unknown and extension frames (ALTSVC, ORIGIN, PRIORITY_UPDATE...) are ignored
            self._idle()
        return 0

    cdef inline void _idle(self) except *:
        """A frame that carried nothing for a request: bounded (floods, §10.5)."""
        self._idle_frames += 1
        if self._idle_frames > MAX_IDLE_FRAMES:
            raise _ConnectionError(
                ENHANCE_YOUR_CALM,
                f"more than {MAX_IDLE_FRAMES} control frames without any response data")

    cdef Py_ssize_t _unpad(self, const unsigned char* payload, unsigned int length, int flags,
                           Py_ssize_t* offset) except -1:
        """The payload length without padding (§6.1, §6.2); ``offset`` moves past the pad
        length byte."""
        cdef unsigned int pad
        if not flags & PADDED:
            return length
        if length < 1:
            raise _ConnectionError(FRAME_SIZE_ERROR, "a padded frame too short for its padding")
        pad = payload[0]
        offset[0] += 1
        if pad >= length:
            raise _ConnectionError(PROTOCOL_ERROR, "padding longer than the frame")
        return length - 1 - pad

    cdef _Stream _stream_for(self, unsigned int stream_id, str what):
        """The open stream ``stream_id``, or None for one we reset (ignore what it gets);
        a connection error for streams that are idle, server-initiated or closed (§5.1)."""
        cdef _Stream stream = self._streams.get(stream_id)
        if stream is not None:
            if stream.remote_closed:
                raise _ConnectionError(STREAM_CLOSED,
                                       f"{what} on stream {stream_id} after its END_STREAM")
            return stream
        if stream_id in self._reset_ids:
            return None
        if stream_id % 2 == 0 or stream_id >= <unsigned int>self._next_stream_id:
            raise _ConnectionError(PROTOCOL_ERROR, f"{what} on idle stream {stream_id}")
        raise _ConnectionError(STREAM_CLOSED, f"{what} on closed stream {stream_id}")

    cdef int _receive_data_frame(self, bytes buf, const unsigned char* payload,
                                 Py_ssize_t start, unsigned int length, int flags,
                                 unsigned int stream_id) except -1:
        cdef Py_ssize_t offset = 0
        cdef Py_ssize_t size
        cdef _Stream stream
        if not stream_id:
            raise _ConnectionError(PROTOCOL_ERROR, "a DATA frame on stream 0")
        size = self._unpad(payload, length, flags, &offset)
        if length > self._conn_recv_window:
            raise _ConnectionError(FLOW_CONTROL_ERROR,
                                   "DATA beyond the connection's flow-control window")
        self._conn_recv_window -= length
        stream = self._stream_for(stream_id, "DATA")
        if stream is None:  # reset by us: nobody reads it, credit the connection at once
            self._credit(None, length)
            self._idle()
            return 0
        if not stream.head_done:
            raise _ConnectionError(PROTOCOL_ERROR,
                                   f"DATA before the response head on stream {stream_id}")
        if length > stream.recv_window:
            raise _ConnectionError(FLOW_CONTROL_ERROR,
                                   f"DATA beyond the flow-control window of stream {stream_id}")
        stream.recv_window -= length
        if length - size:  # padding: nobody reads it, credit it now
            self._credit(stream, length - size)
        stream.received_length += size
        if stream.expected_length >= 0 and (
            stream.received_length > stream.expected_length
            or (flags & END_STREAM and stream.received_length != stream.expected_length)
        ):
            raise _ConnectionError(
                PROTOCOL_ERROR,
                f"stream {stream_id}: body length {stream.received_length} does not match "
                f"content-length {stream.expected_length}")
        if size:
            self._idle_frames = 0
            if stream.pending is None:
                stream.pending = [buf[start + offset:start + offset + size]]
                self._dirty.append(stream)
            else:
                stream.pending.append(buf[start + offset:start + offset + size])
        elif not flags & END_STREAM:
            self._idle()
        if flags & END_STREAM:
            self._end_remote(stream)
        return 0


    cdef void _end_remote(self, _Stream stream) except *:
        self._idle_frames = 0
        self._flush(stream)
        stream.remote_closed = True
        self._events.append((STREAM_ENDED, stream.stream_id, None, None))
        if stream.local_closed:
            self._forget(stream)

    cdef int _receive_headers(self, const unsigned char* payload, unsigned int length,
                              int flags, unsigned int stream_id) except -1:
        cdef Py_ssize_t offset = 0
        cdef Py_ssize_t size
        if not stream_id:
            raise _ConnectionError(PROTOCOL_ERROR, "a HEADERS frame on stream 0")
        size = self._unpad(payload, length, flags, &offset)
        if flags & PRIORITY_FLAG:
            if size < 5:
                raise _ConnectionError(FRAME_SIZE_ERROR, "a HEADERS frame too short for priority")
            if (_u32(payload + offset) & 0x7FFFFFFF) == stream_id:
                raise _ConnectionError(PROTOCOL_ERROR,
                                       f"stream {stream_id} depends on itself")
            offset += 5
            size -= 5
        self._hb_stream = stream_id
        self._hb_end_stream = flags & END_STREAM
        self._hb_frames = 0
        self._hb = bytearray(payload[offset:offset + size])
        if flags & END_HEADERS:
            self._header_block_done()
        return 0

    cdef int _receive_continuation(self, const unsigned char* payload, unsigned int length,
                                   int flags, unsigned int stream_id) except -1:
        if not self._hb_stream or stream_id != <unsigned int>self._hb_stream:
            raise _ConnectionError(PROTOCOL_ERROR, "CONTINUATION without its HEADERS")
        self._hb_frames += 1
        if self._hb_frames > MAX_CONTINUATIONS or len(self._hb) + length > MAX_HEADER_BLOCK:
            raise _ConnectionError(ENHANCE_YOUR_CALM,
                                   "a header block in too many CONTINUATION frames or too large")
        self._hb += payload[:length]
        if flags & END_HEADERS:
            self._header_block_done()
        return 0

    cdef int _header_block_done(self) except -1:
        cdef unsigned int stream_id = self._hb_stream
        cdef bint end_stream = self._hb_end_stream
        cdef bytes block = bytes(self._hb)
        cdef list fields
        cdef _Stream stream
        self._hb_stream = 0
        self._hb = bytearray()
        try:  # decoded even for a stream we reset: the table must stay in step (§4.3)
            fields = self._decoder.decode_ptr(
                <const unsigned char*>PyBytes_AS_STRING(block), PyBytes_GET_SIZE(block))
        except OversizedHeaderListError as exc:
            raise _ConnectionError(ENHANCE_YOUR_CALM, f"oversized header list: {exc}")
        except HPACKError as exc:
            raise _ConnectionError(COMPRESSION_ERROR, f"HPACK decoding failed: {exc}")
        stream = self._stream_for(stream_id, "HEADERS")
        if stream is None:
            self._idle()
            return 0
        self._idle_frames = 0
        if stream.head_done:  # trailers (§8.1)
            if not end_stream:
                raise _ConnectionError(PROTOCOL_ERROR,
                                       f"trailers without END_STREAM on stream {stream_id}")
            self._flush(stream)
            self._events.append((TRAILERS, stream_id, _check_fields(fields, True)[1], None))
        else:
            status, regular = _check_fields(fields, False)
            if status < 200:
                if end_stream:
                    raise _ConnectionError(PROTOCOL_ERROR,
                                           f"an informational response ends stream {stream_id}")
                self._events.append((INFORMATIONAL, stream_id, status, regular))
                return 0
            stream.head_done = True
            if not stream.head_request and status != 204 and status != 304:
                stream.expected_length = _content_length(regular)
            if end_stream and stream.expected_length > 0:
                raise _ConnectionError(
                    PROTOCOL_ERROR,
                    f"stream {stream_id}: body length 0 does not match content-length "
                    f"{stream.expected_length}")
            self._events.append((RESPONSE, stream_id, status, regular))
        if end_stream:
            self._end_remote(stream)
        return 0

    cdef int _receive_settings(self, const unsigned char* payload, unsigned int length,
                               int flags, unsigned int stream_id) except -1:
        cdef unsigned int identifier, value, i
        cdef long long delta
        cdef _Stream stream
        if stream_id:
            raise _ConnectionError(PROTOCOL_ERROR, "a SETTINGS frame on a stream")
        if flags & ACK:
            if length:
                raise _ConnectionError(FRAME_SIZE_ERROR, "a SETTINGS ACK with a payload")
            self._idle()
            return 0
        if length % 6:
            raise _ConnectionError(FRAME_SIZE_ERROR, "a SETTINGS frame not a multiple of 6")
        for i in range(0, length, 6):
            identifier = (payload[i] << 8) | payload[i + 1]
            value = _u32(payload + i + 2)
            if identifier == 0x1:  # HEADER_TABLE_SIZE
                self._encoder.table_size = value
            elif identifier == 0x2:  # ENABLE_PUSH
                if value > 1:
                    raise _ConnectionError(PROTOCOL_ERROR, f"SETTINGS_ENABLE_PUSH of {value}")
            elif identifier == 0x3:  # MAX_CONCURRENT_STREAMS
                self._remote_max_streams = value
            elif identifier == 0x4:  # INITIAL_WINDOW_SIZE (§6.9.2)
                if value > MAX_WINDOW:
                    raise _ConnectionError(FLOW_CONTROL_ERROR,
                                           f"SETTINGS_INITIAL_WINDOW_SIZE of {value}")
                delta = <long long>value - self._remote_initial_window
                self._remote_initial_window = value
                for stream in self._streams.values():
                    stream.send_window += delta
                    if stream.send_window > MAX_WINDOW:
                        raise _ConnectionError(FLOW_CONTROL_ERROR,
                                               "a stream's flow-control window overflowed")
            elif identifier == 0x5:  # MAX_FRAME_SIZE
                if value < 16384 or value > 16777215:
                    raise _ConnectionError(PROTOCOL_ERROR,
                                           f"SETTINGS_MAX_FRAME_SIZE of {value}")
                self._remote_max_frame = value
            elif identifier == 0x8:  # ENABLE_CONNECT_PROTOCOL (RFC 8441 §3)
                if value > 1:
                    raise _ConnectionError(PROTOCOL_ERROR,
                                           f"SETTINGS_ENABLE_CONNECT_PROTOCOL of {value}")
            # MAX_HEADER_LIST_SIZE is advisory for our small request heads; others unknown.
        self._frame(0, F_SETTINGS, ACK, 0, NULL)
        self._events.append((SETTINGS_EVENT, 0, None, None))
        self._idle()
        return 0

    cdef int _receive_window_update(self, const unsigned char* payload, unsigned int length,
                                    unsigned int stream_id) except -1:
        cdef unsigned int increment
        cdef _Stream stream
        if length != 4:
            raise _ConnectionError(FRAME_SIZE_ERROR, "a WINDOW_UPDATE frame not 4 bytes long")
        increment = _u32(payload) & 0x7FFFFFFF
        if not increment:
            raise _ConnectionError(PROTOCOL_ERROR, "a WINDOW_UPDATE of 0")
        if not stream_id:
            self._conn_send_window += increment
            if self._conn_send_window > MAX_WINDOW:
                raise _ConnectionError(FLOW_CONTROL_ERROR,
                                       "the connection's flow-control window overflowed")
            self._events.append((WINDOW_UPDATED, 0, None, None))
            return 0
        stream = self._streams.get(stream_id)
        if stream is None:
            if stream_id % 2 == 0 or stream_id >= <unsigned int>self._next_stream_id:
                raise _ConnectionError(PROTOCOL_ERROR,
                                       f"WINDOW_UPDATE on idle stream {stream_id}")
            self._idle()  # a closed stream: allowed for a while (§5.1), ignored
            return 0
        stream.send_window += increment
        if stream.send_window > MAX_WINDOW:
            raise _ConnectionError(FLOW_CONTROL_ERROR,
                                   f"the flow-control window of stream {stream_id} overflowed")
        self._events.append((WINDOW_UPDATED, stream_id, None, None))
        return 0

    cdef int _receive_rst_stream(self, const unsigned char* payload, unsigned int length,
                                 unsigned int stream_id) except -1:
        cdef _Stream stream
        cdef unsigned int code
        if length != 4:
            raise _ConnectionError(FRAME_SIZE_ERROR, "a RST_STREAM frame not 4 bytes long")
        if not stream_id:
            raise _ConnectionError(PROTOCOL_ERROR, "a RST_STREAM frame on stream 0")
        code = _u32(payload)
        stream = self._streams.get(stream_id)
        if stream is None:
            if stream_id % 2 == 0 or stream_id >= <unsigned int>self._next_stream_id:
                raise _ConnectionError(PROTOCOL_ERROR, f"RST_STREAM on idle stream {stream_id}")
            self._idle()
            return 0
        self._flush(stream)
        self._forget(stream)
        self._remember_reset(stream_id)  # frames already in flight are ignored
        self._events.append((STREAM_RESET, stream_id, code, True))
        return 0

    cdef int _receive_goaway(self, bytes buf, const unsigned char* payload, Py_ssize_t start,
                             unsigned int length, unsigned int stream_id) except -1:
        cdef unsigned int last, code
        if stream_id:
            raise _ConnectionError(PROTOCOL_ERROR, "a GOAWAY frame on a stream")
        if length < 8:
            raise _ConnectionError(FRAME_SIZE_ERROR, "a GOAWAY frame shorter than 8 bytes")
        last = _u32(payload) & 0x7FFFFFFF
        code = _u32(payload + 4)
        self._goaway_received = True
        self._events.append((GOAWAY_EVENT, last, code, buf[start + 8:start + length]))
        return 0


cdef int _check_stream_association(int kind, unsigned int stream_id) except -1:
    """Frames that belong to a stream, or to the connection, checked from the frame header
    alone (so the error does not wait for the payload)."""
    if stream_id == 0 and kind in (F_DATA, F_HEADERS, F_PRIORITY, F_RST_STREAM, F_CONTINUATION,
                                   F_PUSH_PROMISE):
        raise _ConnectionError(PROTOCOL_ERROR, f"a frame of type {kind} on stream 0")
    if stream_id and kind in (F_SETTINGS, F_PING, F_GOAWAY):
        raise _ConnectionError(PROTOCOL_ERROR, f"a frame of type {kind} on stream {stream_id}")
    return 0


cdef tuple _check_fields(list fields, bint trailers):
    """(status, regular fields) of a received field section, checked per RFC 9113 §8.2-8.3;
    a malformed section is a connection error (PROTOCOL_ERROR)."""
    cdef int status = -1
    cdef bint regular_seen = False
    cdef list regular = []
    cdef tuple field
    cdef bytes name, value
    cdef const unsigned char* p
    cdef Py_ssize_t size, i
    for field in fields:
        name = field[0]
        value = field[1]
        p = <const unsigned char*>PyBytes_AS_STRING(name)
        size = PyBytes_GET_SIZE(name)
        if size == 0:
            raise _ConnectionError(PROTOCOL_ERROR, "an empty field name")
        for i in range(1 if p[0] == 0x3A else 0, size):
            if not NAME_OK[p[i]] or p[i] == 0x3A:
                raise _ConnectionError(PROTOCOL_ERROR, f"invalid field name {name!r}")
        _check_value(name, value)
        if p[0] == 0x3A:  # a pseudo-field
            if trailers or regular_seen or name != b":status" or status >= 0:
                raise _ConnectionError(PROTOCOL_ERROR,
                                       f"pseudo-field {name!r} misplaced or not allowed")
            p = <const unsigned char*>PyBytes_AS_STRING(value)
            if PyBytes_GET_SIZE(value) != 3 or not (b"0"[0] <= p[0] <= b"9"[0]) or \
                    not (b"0"[0] <= p[1] <= b"9"[0]) or not (b"0"[0] <= p[2] <= b"9"[0]):
                raise _ConnectionError(PROTOCOL_ERROR, f"malformed :status {value!r}")
            status = (p[0] - 48) * 100 + (p[1] - 48) * 10 + (p[2] - 48)
            continue
        regular_seen = True
        if name in CONNECTION_FIELDS:
            raise _ConnectionError(PROTOCOL_ERROR, f"connection-specific field {name!r}")
        if name == b"te" and value.lower() != b"trailers":
            raise _ConnectionError(PROTOCOL_ERROR, f"invalid te field {value!r}")
        regular.append(field)
    if not trailers and status < 0:
        raise _ConnectionError(PROTOCOL_ERROR, "a response without :status")
    return status, regular


cdef int _check_value(bytes name, bytes value) except -1:
    cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(value)
    cdef Py_ssize_t size = PyBytes_GET_SIZE(value), i
    cdef unsigned char c
    for i in range(size):
        c = p[i]
        if c == 0 or c == 0x0A or c == 0x0D:
            raise _ConnectionError(PROTOCOL_ERROR, f"invalid character in field {name!r}")
    if size and (p[0] == 0x20 or p[0] == 0x09 or p[size - 1] == 0x20 or p[size - 1] == 0x09):
        raise _ConnectionError(PROTOCOL_ERROR, f"whitespace around the value of {name!r}")
    return 0


cdef long long _content_length(list fields) except -2:
    """The response's content-length (-1 if absent); conflicting or malformed values are a
    malformed response (§8.1.1)."""
    cdef long long found = -1, parsed
    cdef tuple field
    for field in fields:
        if field[0] == b"content-length":
            value = field[1]
            if not value.isdigit() or len(value) > 18:
                raise _ConnectionError(PROTOCOL_ERROR, f"invalid content-length {value!r}")
            parsed = int(value)
            if found >= 0 and parsed != found:
                raise _ConnectionError(PROTOCOL_ERROR, "conflicting content-length values")
            found = parsed
    return found
