# cython: language_level=3
"""Compiled ``text/event-stream`` parser (WHATWG HTML §9.2.6); twin of `_sse_py.py`.

Why: an LLM token stream is hundreds of small events, each a line or two: finding line ends
and reading fields per event is the client's hot path. The twin is the readable
specification; both have the same functions in the same order, with the same branches, and the
contract is in `_sse.pyi`.

How: a scan over a ``const unsigned char*`` of the fed ``bytes``. Line ends are found with two
``memchr`` (LF, then CR before it). A line entirely inside the chunk is read in place; only the
unfinished last line is copied (``_line``). ``data`` values are copied into one growing C
buffer, joined with LF, and decoded once per event straight from it; the event type is decoded
only when it differs from the previous one. Events are built without calling
``ServerSentEvent.__init__``: a new instance's slots are filled as ``object.__setattr__``
would (the class forbids assignment through its own ``__setattr__``).
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.long cimport PyLong_FromLongLong
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from cpython.object cimport PyObject_GenericSetAttr
from cpython.pyport cimport PY_SSIZE_T_MAX
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport memchr, memcmp, memcpy

from ._exceptions import SSEError
from ._sse_event import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent

__all__ = ["EventStreamParser"]

cdef enum:
    _CR = 0x0D
    _LF = 0x0A
    _COLON = 0x3A
    _SPACE = 0x20
    _LARGE_BUFFER = 64 * 1024  # a buffer grown past this is freed when emptied
    _MAX_FAST_DIGITS = 18  # a retry of up to this many digits fits in a long long

cdef bytes _BOM = b"\xef\xbb\xbf"
cdef str _MESSAGE = "message"
cdef object _new_instance = object.__new__
cdef object _Event = ServerSentEvent


cdef struct Buffer:
    char* data
    Py_ssize_t size
    Py_ssize_t capacity


cdef int _append(Buffer* buf, const unsigned char* s, Py_ssize_t n) except -1:
    cdef Py_ssize_t needed = buf.size + n
    cdef Py_ssize_t capacity
    cdef char* grown
    if needed > buf.capacity:
        capacity = buf.capacity * 2 if buf.capacity else 256
        while capacity < needed:
            capacity *= 2
        grown = <char*>PyMem_Realloc(buf.data, capacity)
        if grown == NULL:
            raise MemoryError()
        buf.data = grown
        buf.capacity = capacity
    if n:
        memcpy(buf.data + buf.size, s, n)
    buf.size = needed
    return 0


cdef inline void _empty(Buffer* buf):
    """Empty ``buf``; give its memory back when one long line or event had grown it."""
    buf.size = 0
    if buf.capacity > _LARGE_BUFFER:
        PyMem_Free(buf.data)
        buf.data = NULL
        buf.capacity = 0


cdef inline Py_ssize_t _line_end(const unsigned char* s, Py_ssize_t pos, Py_ssize_t n):
    """Index of the first CR or LF in ``s[pos:n]``, or -1."""
    cdef const unsigned char* lf = <const unsigned char*>memchr(s + pos, _LF, n - pos)
    cdef Py_ssize_t stop = n if lf == NULL else lf - s
    cdef const unsigned char* cr = <const unsigned char*>memchr(s + pos, _CR, stop - pos)
    if cr != NULL:
        return cr - s
    if lf != NULL:
        return stop
    return -1


cdef object _digits_value(const unsigned char* s, Py_ssize_t n):
    """``int`` of ``n`` ASCII digits, or None when a byte is not one."""
    cdef Py_ssize_t i
    cdef long long value = 0
    for i in range(n):
        if s[i] < 0x30 or s[i] > 0x39:
            return None
    if n > _MAX_FAST_DIGITS:
        return int(PyBytes_FromStringAndSize(<const char*>s, n))
    for i in range(n):
        value = value * 10 + (s[i] - 0x30)
    return PyLong_FromLongLong(value)


cdef str _too_large(object max_event_size):
    return f"Server-sent event exceeded the {max_event_size} byte limit (max_event_size)"


@cython.final
cdef class EventStreamParser:
    """Parse a ``text/event-stream`` body: ``feed(bytes) -> list[ServerSentEvent]`` (see
    `_sse.pyi`)."""

    cdef object _max_event_size  # as given (for the message)
    cdef Py_ssize_t _limit  # -1: no limit
    cdef bytes _bom_held
    cdef bint _started
    cdef bint _after_cr
    cdef bint _skipping
    cdef Buffer _line
    cdef Py_ssize_t _event_size
    cdef Buffer _data
    cdef Py_ssize_t _data_lines
    cdef Buffer _type
    cdef object _id_buffer
    cdef object _event_retry
    cdef str _last_event_id
    cdef object _retry
    cdef str _error
    cdef bytes _type_raw  # the last event type decoded, and its text
    cdef str _type_text

    def __init__(self, *, max_event_size=DEFAULT_MAX_EVENT_SIZE, str last_event_id not None=""):
        if max_event_size is not None and max_event_size < 0:
            raise ValueError("max_event_size must be None or at least 0")
        self._max_event_size = max_event_size
        if max_event_size is None:
            self._limit = -1
        elif max_event_size >= <object>PY_SSIZE_T_MAX:
            self._limit = PY_SSIZE_T_MAX
        else:
            self._limit = max_event_size
        self._last_event_id = last_event_id
        self._retry = None
        self._error = None
        self._type_raw = b""
        self._type_text = _MESSAGE
        self._reset_stream()

    def __dealloc__(self):
        PyMem_Free(self._line.data)
        PyMem_Free(self._data.data)
        PyMem_Free(self._type.data)

    cdef void _reset_stream(self):
        self._bom_held = b""
        self._started = False
        self._after_cr = False
        self._skipping = False
        _empty(&self._line)
        self._reset_event()
        self._id_buffer = None

    cdef void _reset_event(self):
        self._event_size = 0
        _empty(&self._data)
        self._data_lines = 0
        _empty(&self._type)
        self._event_retry = None

    @property
    def last_event_id(self):
        """The stream's last event ID: what a reconnection sends as ``Last-Event-ID``."""
        return self._last_event_id

    @property
    def retry(self):
        """The reconnection time (milliseconds) the server last set with ``retry``, or None."""
        return self._retry

    @property
    def failed(self):
        return self._error is not None

    def feed(self, bytes data not None):
        """The events completed by ``data``, in order."""
        if self._error is not None:
            raise SSEError(self._error)
        if not self._started:
            data = self._strip_bom(data)
            if not self._started:
                return []
        cdef list events = []
        cdef const unsigned char* s = <const unsigned char*>PyBytes_AS_STRING(data)
        cdef Py_ssize_t end_of_data = PyBytes_GET_SIZE(data)
        cdef Py_ssize_t pos = 0
        cdef Py_ssize_t end
        if self._after_cr and end_of_data:  # an empty feed leaves the CR pending
            self._after_cr = False
            if s[0] == _LF:
                pos = 1
        while pos < end_of_data:
            end = _line_end(s, pos, end_of_data)
            if end < 0:
                self._hold(s, pos, end_of_data)
                break
            self._complete_line(s, pos, end, events)
            pos = end + 1
            if s[end] == _CR:
                if pos == end_of_data:
                    self._after_cr = True
                elif s[pos] == _LF:
                    pos += 1
        if self._limit >= 0 and self._event_size + self._line.size > self._limit:
            self._fail()
        return events

    def feed_eof(self):
        """The stream ended: discard an unfinished line and event. The parser is then ready
        for a new stream (a reconnection), keeping the last event ID and reconnection time."""
        if self._error is None:
            self._reset_stream()

    cdef bytes _strip_bom(self, bytes data):
        cdef bytes held = self._bom_held + data
        if len(held) < 3 and _BOM.startswith(held):
            self._bom_held = held
            return held
        self._started = True
        self._bom_held = b""
        return held[3:] if held.startswith(_BOM) else held

    cdef int _hold(self, const unsigned char* s, Py_ssize_t pos, Py_ssize_t n) except -1:
        """Keep the unfinished line ``s[pos:n]`` for the next feed (a comment: skip it)."""
        if self._skipping:
            return 0
        if not self._line.size and s[pos] == _COLON:
            self._skipping = True
            return 0
        _append(&self._line, s + pos, n - pos)
        return 0

    cdef int _complete_line(self, const unsigned char* s, Py_ssize_t start, Py_ssize_t end,
                            list events) except -1:
        """The line ``s[start:end]``, after what was held of it."""
        if self._skipping:
            self._skipping = False
        elif self._line.size:
            _append(&self._line, s + start, end - start)
            self._process_line(<const unsigned char*>self._line.data, self._line.size, events)
            _empty(&self._line)
        else:
            self._process_line(s + start, end - start, events)
        return 0

    cdef int _process_line(self, const unsigned char* line, Py_ssize_t n,
                           list events) except -1:
        cdef Py_ssize_t size, name_size, value_start
        cdef const unsigned char* colon
        cdef const unsigned char* value
        cdef Py_ssize_t value_size
        if n == 0:
            self._dispatch(events)
            return 0
        if line[0] == _COLON:
            return 0  # a comment
        size = self._event_size + n
        if self._limit >= 0 and size > self._limit:
            self._fail()
        self._event_size = size
        colon = <const unsigned char*>memchr(line, _COLON, n)
        if colon == NULL:
            name_size = n
            value_start = n
        else:
            name_size = colon - line
            value_start = name_size + 1
            if value_start < n and line[value_start] == _SPACE:
                value_start += 1
        value = line + value_start
        value_size = n - value_start
        if name_size == 4 and memcmp(line, b"data", 4) == 0:
            if self._data_lines:
                _append(&self._data, <const unsigned char*>b"\n", 1)
            _append(&self._data, value, value_size)
            self._data_lines += 1
        elif name_size == 5 and memcmp(line, b"event", 5) == 0:
            self._type.size = 0
            _append(&self._type, value, value_size)
        elif name_size == 2 and memcmp(line, b"id", 2) == 0:
            if memchr(value, 0, value_size) == NULL:
                self._id_buffer = PyBytes_FromStringAndSize(<const char*>value, value_size)
        elif name_size == 5 and memcmp(line, b"retry", 5) == 0:
            if value_size:
                retry = _digits_value(value, value_size)
                if retry is not None:
                    self._retry = self._event_retry = retry
        return 0

    cdef int _dispatch(self, list events) except -1:
        cdef bytes id_buffer
        if self._id_buffer is not None:
            id_buffer = self._id_buffer
            self._last_event_id = PyUnicode_DecodeUTF8(
                PyBytes_AS_STRING(id_buffer), PyBytes_GET_SIZE(id_buffer), "replace")
            self._id_buffer = None
        if self._data_lines:
            event = _new_instance(_Event)
            PyObject_GenericSetAttr(event, "event", self._event_type_text())
            PyObject_GenericSetAttr(event, "data", self._data_text())
            PyObject_GenericSetAttr(event, "id", self._last_event_id)
            PyObject_GenericSetAttr(event, "retry", self._event_retry)
            events.append(event)
        self._reset_event()
        return 0

    cdef str _data_text(self):
        """The data buffer as text (an empty buffer may have no memory behind it)."""
        if self._data.size == 0:
            return ""
        return PyUnicode_DecodeUTF8(self._data.data, self._data.size, "replace")

    cdef str _event_type_text(self):
        """The event's type: ``"message"`` unless named; decoded once per distinct name."""
        cdef Py_ssize_t size = self._type.size
        if size == 0:
            return _MESSAGE
        if size == PyBytes_GET_SIZE(self._type_raw) and memcmp(
                self._type.data, PyBytes_AS_STRING(self._type_raw), size) == 0:
            return self._type_text
        self._type_raw = PyBytes_FromStringAndSize(self._type.data, size)
        self._type_text = PyUnicode_DecodeUTF8(self._type.data, size, "replace")
        return self._type_text

    cdef int _fail(self) except -1:
        self._error = _too_large(self._max_event_size)
        raise SSEError(self._error)
