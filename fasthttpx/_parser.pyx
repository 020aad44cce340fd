# cython: language_level=3
"""Compiled HTTP/1.1 response parser (RFC 9112); twin of `_parser_py.py`.

Why: parsing response heads and bodies is the hot path of an HTTP client. ``feed(data)``
returns the events the data completed, so one C call per socket read, and no Python call
per header (httptools/llhttp call back into Python for every header). The twin is the
readable specification; both have the same functions in the same order, the same events
(`_events.py`) and the same error messages (see `_parser.pyi` for the contract).

How: a state machine over a ``const unsigned char*`` of the fed ``bytes``:

* ``_HEAD``: lines are found with ``memchr`` straight in the fed bytes; only an unfinished
  line is carried over to the next feed (``_buf``), so a head that arrives in one piece is
  never copied. The status line (RFC 9112 §4), then field lines (§5, ``parse_field_line``
  from `_chunked.pyx`), then an empty line. 1xx interim heads (other than 101) are reported
  and the next status line expected. Python objects are created only for what the caller
  receives (names, values, tuples, events). Compiled-only shortcuts, which change no
  result: a plain field line is taken in one pass by ``scan_field_line`` (anything unusual
  goes down the line path, which applies every rule in order); common header names are
  shared objects; events are built without running their Python ``__init__``.
* Framing (§6.3) is decided once the head is complete, with header names compared in C: no
  body for HEAD, 204, 304 (and 2xx to CONNECT); ``Transfer-Encoding: chunked`` (the only
  coding accepted) through the chunked decoder, called through `_chunked.pxd`;
  ``Content-Length``; otherwise the body runs until the connection closes.
* ``_LENGTH``/``_CHUNKED``/``_CLOSE``: body bytes, at most one ``Data`` per feed; when the
  whole input is body, the input object itself is passed on.
* ``_DONE``: further bytes are kept in ``unused_data``.

Choices where the RFC leaves room: no empty lines are tolerated before the status line
("invalid status line"); a bare LF ends a line (§2.2), a bare CR anywhere is an error; the
version is reported as received (``b"1.0"``, ``b"1.1"``, ``b"1.2"``...), a minor above 1 is
treated as 1.1. Limits are checked as bytes arrive: a line's length counts everything before
its LF; when a line breaks the line limit and the head-size limit, the error is the one
whose limit the bytes cross first (ties: the head), so that any split of the input into
feeds gives the same error. ``Content-Length`` must be valid even where it is ignored (HEAD,
204, 304); ``Transfer-Encoding`` is only looked at for responses that can have a body.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_GET_SIZE
from cpython.object cimport PyObject
from libc.string cimport memchr

from ._chunked cimport _DONE as _CHUNKED_DONE, ChunkedDecoder, parse_field_line, scan_field_line

from ._events import (
    CONTENT_ENCODING_FIELD,
    KEEP_ALIVE_FIELD,
    SET_COOKIE_FIELD,
    Data,
    EndOfMessage,
    InformationalResponse,
    ResponseHead,
)
from ._exceptions import RemoteProtocolError


cdef extern from "Python.h":
    PyObject* PyTuple_GET_ITEM(object tuple, Py_ssize_t index)  # borrowed, unchecked


__all__ = ["ResponseParser", "response_fields"]

# States (the same numbers in `_parser_py.py`).
cdef enum:
    _HEAD = 0
    _LENGTH = 1
    _CHUNKED = 2
    _CLOSE = 3
    _DONE = 4
    _FAILED = 5

cdef enum:
    _MAX_CONTENT_LENGTH_DIGITS = 18  # fits in a signed 64-bit integer

cdef bytes _HTTP_1_0 = b"1.0"  # share the common version objects
cdef bytes _HTTP_1_1 = b"1.1"
cdef bytes _OK = b"OK"

cdef unsigned char REASON_OK[256]  # HTAB, SP, VCHAR, obs-text (RFC 9112 §4)


cdef void _init_tables():
    cdef int c
    for c in range(256):
        REASON_OK[c] = c == 0x09 or 0x20 <= c <= 0x7E or c >= 0x80


_init_tables()


# Events are built without running their Python ``__init__``: the object is allocated by its
# type and its slots are set through the slot descriptors (C calls). This is checked once at
# import against the ordinary constructor; if `_events.py` ever differs, the ordinary
# constructors are used.
cdef extern from *:
    """
    static PyObject* fhx_new_event(PyObject* type, PyObject** descrs, PyObject** values, int n) {
        PyTypeObject* tp = (PyTypeObject*)type;
        PyObject* obj = tp->tp_alloc(tp, 0);
        int i;
        if (obj == NULL) return NULL;
        for (i = 0; i < n; i++) {
            if (Py_TYPE(descrs[i])->tp_descr_set(descrs[i], obj, values[i]) < 0) {
                Py_DECREF(obj);
                return NULL;
            }
        }
        return obj;
    }
    """
    object fhx_new_event(object type, PyObject** descrs, PyObject** values, int n)

cdef PyObject* _HEAD_SLOTS[4]
cdef PyObject* _DATA_SLOT[1]
cdef PyObject* _EOM_SLOT[1]
cdef bint _fast_events = False
cdef tuple _slot_descriptors = (
    ResponseHead.status_code, ResponseHead.reason, ResponseHead.http_version,
    ResponseHead.headers, Data.data, EndOfMessage.trailers,
)


cdef inline object _head_event(object cls, int code, bytes reason, bytes version, list headers):
    cdef object code_obj
    cdef PyObject* values[4]
    if not _fast_events:
        return cls(code, reason, version, headers)
    code_obj = code
    values[0] = <PyObject*>code_obj
    values[1] = <PyObject*>reason
    values[2] = <PyObject*>version
    values[3] = <PyObject*>headers
    return fhx_new_event(cls, _HEAD_SLOTS, values, 4)


cdef inline object _data_event(bytes data):
    cdef PyObject* values[1]
    if not _fast_events:
        return Data(data)
    values[0] = <PyObject*>data
    return fhx_new_event(Data, _DATA_SLOT, values, 1)


cdef inline object _end_event(list trailers):
    cdef PyObject* values[1]
    if not _fast_events:
        return EndOfMessage(trailers)
    values[0] = <PyObject*>trailers
    return fhx_new_event(EndOfMessage, _EOM_SLOT, values, 1)


cdef void _init_events():
    global _fast_events
    cdef int i
    for descriptor in _slot_descriptors:
        if type(descriptor).__name__ != "member_descriptor":
            return
    for i in range(4):
        _HEAD_SLOTS[i] = <PyObject*>_slot_descriptors[i]
    _DATA_SLOT[0] = <PyObject*>_slot_descriptors[4]
    _EOM_SLOT[0] = <PyObject*>_slot_descriptors[5]
    _fast_events = True
    samples = [
        (_head_event(ResponseHead, 200, b"OK", _HTTP_1_1, [(b"a", b"b")]),
         ResponseHead(200, b"OK", _HTTP_1_1, [(b"a", b"b")])),
        (_head_event(InformationalResponse, 103, b"", _HTTP_1_0, []),
         InformationalResponse(103, b"", _HTTP_1_0, [])),
        (_data_event(b"x"), Data(b"x")),
        (_end_event([]), EndOfMessage()),
        (_end_event([(b"t", b"v")]), EndOfMessage([(b"t", b"v")])),
    ]
    for fast, ordinary in samples:
        if not (fast == ordinary and repr(fast) == repr(ordinary)):
            _fast_events = False


_init_events()


cdef class ResponseParser:
    """Parse one HTTP/1.1 response: ``feed(bytes) -> list[Event]`` (see `_parser.pyi`)."""

    cdef int _state
    cdef bytearray _buf
    cdef Py_ssize_t _head_size
    cdef int _status_code
    cdef bytes _reason
    cdef bytes _http_version
    cdef int _minor
    cdef Py_ssize_t _framing_fields  # fields that may be Content-Length/Transfer-Encoding/Connection
    cdef list _headers
    cdef long long _remaining
    cdef long long _received_body
    cdef long long _content_length
    cdef ChunkedDecoder _decoder
    cdef bytes _unused
    cdef str _error
    cdef bint _keep_alive
    cdef long long _bytes_received
    cdef bint _is_head
    cdef bint _is_connect
    cdef bint _upgrade
    cdef Py_ssize_t _max_line_size
    cdef Py_ssize_t _max_header_count
    cdef Py_ssize_t _max_headers_size
    cdef Py_ssize_t _max_chunk_line_size

    def __init__(
        self,
        bytes request_method not None=b"GET",
        *,
        Py_ssize_t max_line_size=65536,
        Py_ssize_t max_header_count=100,
        Py_ssize_t max_headers_size=262144,
        Py_ssize_t max_chunk_line_size=4096,
    ):
        self._state = _HEAD
        self._buf = None  # an unfinished head line carried over to the next feed
        self._head_size = 0  # bytes of the current head in complete lines
        self._status_code = -1  # -1: the status line is expected next
        self._reason = b""
        self._http_version = b""
        self._minor = 0
        self._headers = []
        self._framing_fields = 0
        self._remaining = 0  # Content-Length body bytes still to come
        self._received_body = 0
        self._content_length = 0
        self._decoder = None
        self._unused = b""
        self._error = ""
        self._keep_alive = False
        self._bytes_received = 0
        self._is_head = request_method == b"HEAD"
        self._is_connect = request_method == b"CONNECT"
        self._upgrade = False  # the request asked to switch protocols: 101 is final
        self._max_line_size = max_line_size  # status line and each header/trailer line
        self._max_header_count = max_header_count  # fields in the head (and in trailers)
        self._max_headers_size = max_headers_size  # bytes of head (and of trailers)
        self._max_chunk_line_size = max_chunk_line_size  # chunk-size line with extensions

    # -- public interface ---------------------------------------------------------------

    def allow_upgrade(self):
        """The request asked to switch protocols: a 101 is its final response."""
        self._upgrade = True

    def feed(self, bytes data not None):
        cdef Py_ssize_t pos
        cdef list events
        cdef int state = self._state
        self._bytes_received += PyBytes_GET_SIZE(data)
        if state == _DONE:
            self._unused += data
            return []
        if state == _FAILED:
            raise RemoteProtocolError(self._error)
        events = []
        try:
            pos = 0
            if state == _HEAD:
                pos = self._feed_head(data, events)
            if self._state != _HEAD:
                self._feed_body(data, pos, events)
        except RemoteProtocolError as exc:
            self._fail(str(exc))
            raise
        return events

    def feed_eof(self):
        cdef int state = self._state
        if state == _DONE:
            return []
        if state == _CLOSE:
            self._state = _DONE
            return [EndOfMessage()]
        if state == _HEAD:
            if self._bytes_received == 0:
                self._fail("server closed the connection without sending a response")
            else:
                self._fail("connection closed in the response head")
        elif state == _LENGTH:
            self._fail(
                "connection closed before the end of the body: received "
                f"{self._received_body} of {self._content_length} bytes"
            )
        elif state == _CHUNKED:
            self._fail("connection closed inside a chunked body")
        raise RemoteProtocolError(self._error)

    @property
    def finished(self):
        return self._state == _DONE

    @property
    def keep_alive(self):
        return self._keep_alive

    @property
    def unused_data(self):
        return self._unused

    @property
    def failed(self):
        return self._state == _FAILED

    @property
    def bytes_received(self):
        return self._bytes_received

    # -- the head -----------------------------------------------------------------------

    cdef int _fail(self, str message) except -1:
        self._state = _FAILED
        self._error = message
        return 0

    cdef Py_ssize_t _feed_head(self, bytes data, list events) except -1:
        """Consume head lines from ``data``; returns where the head stopped (or ``len``)."""
        cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(data)
        cdef Py_ssize_t pos = 0
        cdef Py_ssize_t end = PyBytes_GET_SIZE(data)
        cdef Py_ssize_t nl, n, start, room
        cdef const unsigned char* found
        cdef bytes line
        cdef object pair
        while self._state == _HEAD:
            if (self._status_code >= 0 and self._buf is None
                    and PyList_GET_SIZE(self._headers) < self._max_header_count):
                # compiled-only shortcut for a plain field line (see `scan_field_line`)
                room = self._max_headers_size - self._head_size
                pair = scan_field_line(p, pos, end, min(room, self._max_line_size), &nl)
                if pair is not None:
                    self._headers.append(pair)
                    self._framing_fields += _may_frame(<object>PyTuple_GET_ITEM(pair, 0))
                    self._head_size += nl - pos + 1
                    pos = nl + 1
                    continue
            found = <const unsigned char*>memchr(p + pos, 0x0A, end - pos)
            if found == NULL:
                n = (len(self._buf) if self._buf is not None else 0) + end - pos
                self._check_line_limits(n, n)
                if pos < end:
                    if self._buf is None:
                        self._buf = bytearray()
                    self._buf += data[pos:]
                return end
            nl = found - p
            if self._buf is not None:
                self._buf += data[pos:nl]
                line = bytes(self._buf)
                self._buf = None
                pos = nl + 1
                self._on_head_line(<const unsigned char*>PyBytes_AS_STRING(line),
                                   PyBytes_GET_SIZE(line), events)
            else:
                start = pos
                pos = nl + 1
                self._on_head_line(p + start, nl - start, events)
        return pos

    cdef int _check_line_limits(self, Py_ssize_t n_line, Py_ssize_t n_total) except -1:
        """Limits on a head line of ``n_line`` bytes before its LF, ``n_total`` with it."""
        cdef bint over_line = n_line > self._max_line_size
        cdef Py_ssize_t room = self._max_headers_size - self._head_size
        if n_total > room and (not over_line or room <= self._max_line_size):
            raise RemoteProtocolError("response head too large")
        if over_line:
            if self._status_code < 0:
                raise RemoteProtocolError("status line too long")
            raise RemoteProtocolError("header line too long")
        return 0

    cdef int _on_head_line(self, const unsigned char* s, Py_ssize_t n, list events) except -1:
        """A complete head line (without its LF)."""
        cdef Py_ssize_t m = n
        cdef object pair
        if n >= self._max_line_size or n >= self._max_headers_size - self._head_size:
            self._check_line_limits(n, n + 1)
        self._head_size += n + 1
        if m and s[m - 1] == 0x0D:
            m -= 1
        if m and memchr(s, 0x0D, m) != NULL:
            raise RemoteProtocolError("bare CR in response head")
        if self._status_code < 0:
            self._parse_status_line(s, m)
        elif m == 0:
            self._finish_head(events)
        else:
            if PyList_GET_SIZE(self._headers) >= self._max_header_count:
                raise RemoteProtocolError("too many header fields")
            pair = parse_field_line(s, m)
            self._headers.append(pair)
            self._framing_fields += _may_frame(<object>PyTuple_GET_ITEM(pair, 0))
        return 0

    cdef int _parse_status_line(self, const unsigned char* s, Py_ssize_t n) except -1:
        """status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).

        ``HTTP/1.1 200`` without the second SP is accepted too (reason ``b""``).
        """
        cdef int code
        cdef Py_ssize_t i
        if (
            n < 9
            or s[0] != 0x48 or s[1] != 0x54 or s[2] != 0x54 or s[3] != 0x50 or s[4] != 0x2F
            or not 0x30 <= s[5] <= 0x39
            or s[6] != 0x2E
            or not 0x30 <= s[7] <= 0x39
            or s[8] != 0x20
        ):
            raise RemoteProtocolError("invalid status line")
        if s[5] != 0x31:
            raise RemoteProtocolError("unsupported HTTP version")
        if (
            n < 12
            or not 0x30 <= s[9] <= 0x39
            or not 0x30 <= s[10] <= 0x39
            or not 0x30 <= s[11] <= 0x39
            or (n > 12 and s[12] != 0x20)
        ):
            raise RemoteProtocolError("invalid status code")
        code = (s[9] - 0x30) * 100 + (s[10] - 0x30) * 10 + (s[11] - 0x30)
        if code < 100:
            raise RemoteProtocolError("invalid status code")
        if code == 101 and not self._upgrade:  # only an upgrade request may get it (§15.2.2)
            raise RemoteProtocolError("unexpected 101 Switching Protocols")
        if code > 599:
            raise RemoteProtocolError("invalid status code")
        # reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ): no CTL but HTAB (RFC 9112 §4)
        for i in range(13, n):
            if not REASON_OK[s[i]]:
                raise RemoteProtocolError("invalid reason phrase")
        if s[7] == 0x31:
            self._http_version = _HTTP_1_1
        elif s[7] == 0x30:
            self._http_version = _HTTP_1_0
        else:
            self._http_version = PyBytes_FromStringAndSize(<const char*>s + 5, 3)
        self._minor = s[7] - 0x30
        self._status_code = code
        if n == 15 and s[13] == 0x4F and s[14] == 0x4B:  # the common "OK": a shared object
            self._reason = _OK
        else:
            self._reason = PyBytes_FromStringAndSize(<const char*>s + 13, n - 13) if n > 13 else b""
        return 0

    cdef int _finish_head(self, list events) except -1:
        """The empty line ending a head: report it and decide how the body is framed."""
        cdef int code = self._status_code
        cdef list headers = self._headers
        if code == 101:  # the protocol switches after this head (RFC 9110 §15.2.2, §7.8)
            self._state = _DONE
            self._keep_alive = False
            events.append(_head_event(ResponseHead, code, self._reason, self._http_version, headers))
            events.append(_end_event([]))
            return 0
        if code < 200:  # 1xx interim response; the final one follows (RFC 9110 §15.2)
            events.append(
                _head_event(InformationalResponse, code, self._reason, self._http_version, headers)
            )
            self._status_code = -1
            self._headers = []
            self._framing_fields = 0
            self._head_size = 0
            return 0
        self._decide_framing()
        events.append(_head_event(ResponseHead, code, self._reason, self._http_version, headers))
        if self._state == _DONE:
            events.append(_end_event([]))
        return 0

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef int _decide_framing(self) except -1:
        """Message body length, RFC 9112 §6.3, and connection persistence, §9.3."""
        cdef long long content_length = -1
        cdef Py_ssize_t te_count = -1  # -1: no Transfer-Encoding field
        cdef bint te_any_chunked = False
        cdef bint te_last_chunked = False
        cdef bint close = False
        cdef bint keep_alive = False
        cdef Py_ssize_t n, a, b, end
        cdef tuple pair
        cdef bytes name, value
        cdef const unsigned char* s
        cdef const unsigned char* v
        cdef int code
        cdef Py_ssize_t left = self._framing_fields
        for pair in self._headers:
            if left == 0:  # the other fields cannot be framing fields: don't look at them
                break
            name = <bytes>pair[0]
            if not _may_frame(name):
                continue
            left -= 1
            n = PyBytes_GET_SIZE(name)
            s = <const unsigned char*>PyBytes_AS_STRING(name)
            value = <bytes>pair[1]
            v = <const unsigned char*>PyBytes_AS_STRING(value)
            end = PyBytes_GET_SIZE(value)
            if n == 14 and _lower_equals(s, b"content-length", 14):
                content_length = _parse_content_length(v, end, content_length)
            elif n == 17 and _lower_equals(s, b"transfer-encoding", 17):
                if te_count < 0:
                    te_count = 0
                a = 0
                while a <= end:  # list items (RFC 9110 §5.6.1), empty ones ignored
                    a, b = _next_item(v, end, a)
                    if b > a:
                        te_count += 1
                        te_last_chunked = b - a == 7 and _lower_equals(v + a, b"chunked", 7)
                        te_any_chunked = te_any_chunked or te_last_chunked
                    a = _item_end(v, end, b) + 1
            elif n == 10 and _lower_equals(s, b"connection", 10):
                a = 0
                while a <= end:
                    a, b = _next_item(v, end, a)
                    if b - a == 5 and _lower_equals(v + a, b"close", 5):
                        close = True
                    elif b - a == 10 and _lower_equals(v + a, b"keep-alive", 10):
                        keep_alive = True
                    a = _item_end(v, end, b) + 1
        code = self._status_code
        if self._is_head or code == 204 or code == 304 or (self._is_connect and code < 300):
            self._state = _DONE
        elif te_count >= 0:
            if self._minor == 0:
                raise RemoteProtocolError("Transfer-Encoding in an HTTP/1.0 response")
            if content_length >= 0:
                raise RemoteProtocolError("both Transfer-Encoding and Content-Length")
            if not (te_count == 1 and te_last_chunked):
                if te_any_chunked and not te_last_chunked:
                    raise RemoteProtocolError("chunked is not the final transfer coding")
                raise RemoteProtocolError("unsupported transfer coding")
            self._decoder = ChunkedDecoder(
                max_line_size=self._max_chunk_line_size,
                max_trailer_line_size=self._max_line_size,
                max_trailer_count=self._max_header_count,
                max_trailers_size=self._max_headers_size,
            )
            self._state = _CHUNKED
        elif content_length > 0:
            self._content_length = content_length
            self._remaining = content_length
            self._state = _LENGTH
        elif content_length == 0:
            self._state = _DONE
        else:
            self._state = _CLOSE
        if self._state == _CLOSE:
            self._keep_alive = False
        elif self._minor >= 1:
            self._keep_alive = not close
        else:
            self._keep_alive = keep_alive and not close
        return 0

    # -- the body -----------------------------------------------------------------------

    cdef int _feed_body(self, bytes data, Py_ssize_t pos, list events) except -1:
        """Body bytes ``data[pos:]``: at most one ``Data``, then maybe ``EndOfMessage``."""
        cdef int state = self._state
        cdef Py_ssize_t end = PyBytes_GET_SIZE(data)
        cdef const char* p = PyBytes_AS_STRING(data)
        cdef Py_ssize_t n
        cdef long long remaining
        cdef bytes out
        cdef ChunkedDecoder decoder
        if state == _LENGTH:
            n = end - pos
            remaining = self._remaining
            if n < remaining:
                if n:
                    # the whole input: the same object
                    events.append(_data_event(data if pos == 0 else PyBytes_FromStringAndSize(p + pos, n)))
                self._remaining = remaining - n
                self._received_body += n
                return 0
            events.append(_data_event(data if pos == 0 and n == remaining
                               else PyBytes_FromStringAndSize(p + pos, <Py_ssize_t>remaining)))
            self._remaining = 0
            self._received_body += remaining
            self._state = _DONE
            events.append(_end_event([]))
            n = pos + <Py_ssize_t>remaining
            self._unused = PyBytes_FromStringAndSize(p + n, end - n) if n < end else b""
        elif state == _CHUNKED:
            decoder = self._decoder
            out = decoder._feed(data, pos)
            if PyBytes_GET_SIZE(out):
                events.append(_data_event(out))
            if decoder._state == _CHUNKED_DONE:
                self._state = _DONE
                events.append(_end_event(decoder._trailers))
                self._unused = decoder._unused
        elif state == _CLOSE:
            if pos < end:
                events.append(_data_event(data if pos == 0 else PyBytes_FromStringAndSize(p + pos, end - pos)))
        else:  # _DONE
            if pos < end:
                self._unused += PyBytes_FromStringAndSize(p + pos, end - pos)
        return 0


cdef inline int _may_frame(object name):
    """1 if ``name`` could be Content-Length, Transfer-Encoding or Connection (a cheap test)."""
    cdef Py_ssize_t n = PyBytes_GET_SIZE(name)
    cdef unsigned char c
    if n != 14 and n != 17 and n != 10:
        return 0
    c = (<const unsigned char*>PyBytes_AS_STRING(name))[0] | 0x20
    return c == 0x63 or c == 0x74  # "c" or "t"


cdef inline bint _lower_equals(const unsigned char* s, const char* lower, Py_ssize_t n):
    """ASCII case-insensitive ``s[:n] == lower`` (``lower`` is lower-case)."""
    cdef Py_ssize_t i
    cdef unsigned char c
    for i in range(n):
        c = s[i]
        if 0x41 <= c <= 0x5A:
            c += 0x20
        if c != <unsigned char>lower[i]:
            return False
    return True


cdef inline (Py_ssize_t, Py_ssize_t) _next_item(const unsigned char* v, Py_ssize_t end,
                                                Py_ssize_t a):
    """The list element starting at ``a``, OWS-stripped: ``(start, stop)``."""
    cdef Py_ssize_t b
    while a < end and (v[a] == 0x20 or v[a] == 0x09):
        a += 1
    b = a
    while b < end and v[b] != 0x2C:
        b += 1
    while b > a and (v[b - 1] == 0x20 or v[b - 1] == 0x09):
        b -= 1
    return a, b


cdef inline Py_ssize_t _item_end(const unsigned char* v, Py_ssize_t end, Py_ssize_t b):
    """The index of the comma ending the element that stops at ``b`` (or ``end``)."""
    while b < end and v[b] != 0x2C:
        b += 1
    return b


cdef long long _parse_content_length(const unsigned char* v, Py_ssize_t end,
                                     long long previous) except -2:
    """Content-Length = 1*DIGIT (RFC 9110 §8.6); a list of identical values is one value."""
    cdef long long length = previous
    cdef long long n
    cdef Py_ssize_t a = 0
    cdef Py_ssize_t b, i
    while a <= end:
        a, b = _next_item(v, end, a)
        if b == a or b - a > _MAX_CONTENT_LENGTH_DIGITS:
            raise RemoteProtocolError("invalid Content-Length")
        n = 0
        for i in range(a, b):
            if not 0x30 <= v[i] <= 0x39:
                raise RemoteProtocolError("invalid Content-Length")
            n = n * 10 + (v[i] - 0x30)
        if length >= 0 and n != length:
            raise RemoteProtocolError("conflicting Content-Length")
        length = n
        a = _item_end(v, end, b) + 1
    return length


cdef int _KEEP_ALIVE_FIELD = KEEP_ALIVE_FIELD
cdef int _CONTENT_ENCODING_FIELD = CONTENT_ENCODING_FIELD
cdef int _SET_COOKIE_FIELD = SET_COOKIE_FIELD


def response_fields(list fields):
    """Which of Keep-Alive, Content-Encoding and Set-Cookie are among ``fields`` (a head's
    ``(name, value)`` pairs), as ``_events`` flags, in one pass over the names: only names
    of the right length are compared, case-insensitively (RFC 9110 §5.1)."""
    cdef int found = 0
    cdef object name
    cdef Py_ssize_t size
    cdef const unsigned char* s
    for name, _ in fields:
        if type(name) is not bytes:
            raise TypeError(f"field names must be bytes, not {type(name).__name__}")
        size = PyBytes_GET_SIZE(name)
        if size == 10:
            s = <const unsigned char*>PyBytes_AS_STRING(name)
            if _lower_equals(s, b"keep-alive", 10):
                found |= _KEEP_ALIVE_FIELD
            elif _lower_equals(s, b"set-cookie", 10):
                found |= _SET_COOKIE_FIELD
        elif size == 16:
            s = <const unsigned char*>PyBytes_AS_STRING(name)
            if _lower_equals(s, b"content-encoding", 16):
                found |= _CONTENT_ENCODING_FIELD
    return found
