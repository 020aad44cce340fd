# cython: language_level=3, boundscheck=False
"""Compiled WebSocket frame codec (RFC 6455 §5); twin of `_websocket_py.py`.

Why: every outgoing byte of a client's WebSocket messages is masked, and every incoming frame
is parsed, so both run at memory speed here; the twin is the readable specification, and the
tests hold the two to the same bytes and the same errors (`_websocket.pyi` is the contract).

How: masking XORs eight bytes at a time with the key repeated into a 64-bit word, writing
straight into the frame being built (one allocation, one pass; the GIL is released for big
payloads). The reader parses headers from a ``const unsigned char*`` of the buffered bytes and
slices payloads out; a payload that spans reads is copied, read by read, into one bytes object
of its size (no list of reads joined at the end: each read can be freed as soon as it is in).
Big outgoing frames are masked piece by piece as they are written (``MaskedPieces``). UTF-8
validation is a table-free state machine over Unicode Table 3-7 with an eight-bytes-at-a-time
skip over ASCII.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL
    ctypedef struct PyObject
    int _PyBytes_Resize(PyObject** bytes, Py_ssize_t size) except -1
    void Py_IncRef(PyObject* obj)
    void Py_DecRef(PyObject* obj)
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memcpy

import os

from ._exceptions import WebSocketProtocolError

__all__ = ["mask", "FrameWriter", "FrameReader", "Utf8Validator"]

cdef enum:
    _RANDOM_POOL_SIZE = 4096
    _NOGIL_SIZE = 65536  # payloads from this size are masked / validated without the GIL
    _MAX_HEADER = 10  # bytes of the longest server frame header (no masking key)
    _PREALLOCATE = 1 << 20  # a payload still arriving is allocated whole up to this size
    _PIECE_SIZE = 65536  # payload bytes per piece of a big outgoing frame (``frame_pieces``)

cdef int CONTINUATION = 0x0
cdef int BINARY = 0x2
cdef int PONG = 0xA
cdef int PROTOCOL_ERROR = 1002
cdef int MESSAGE_TOO_BIG = 1009
cdef unsigned long long _MAX_LENGTH_63 = (1ULL << 63) - 1
cdef unsigned long long _MAX_SIZE = 0xFFFFFFFFFFFFFFFFULL
cdef uint64_t _HIGH_BITS = 0x8080808080808080ULL


cdef inline void _xor(const unsigned char* src, unsigned char* dst, Py_ssize_t n,
                      const unsigned char* key) noexcept nogil:
    cdef uint32_t key4
    cdef uint64_t key8, word
    cdef Py_ssize_t i = 0
    memcpy(&key4, key, 4)
    key8 = (<uint64_t>key4) | ((<uint64_t>key4) << 32)  # the key's bytes twice, in memory order
    while i + 32 <= n:
        memcpy(&word, src + i, 8)
        word ^= key8
        memcpy(dst + i, &word, 8)
        memcpy(&word, src + i + 8, 8)
        word ^= key8
        memcpy(dst + i + 8, &word, 8)
        memcpy(&word, src + i + 16, 8)
        word ^= key8
        memcpy(dst + i + 16, &word, 8)
        memcpy(&word, src + i + 24, 8)
        word ^= key8
        memcpy(dst + i + 24, &word, 8)
        i += 32
    while i + 8 <= n:
        memcpy(&word, src + i, 8)
        word ^= key8
        memcpy(dst + i, &word, 8)
        i += 8
    while i < n:  # i is a multiple of 4 here: the key's phase is i & 3
        dst[i] = src[i] ^ key[i & 3]
        i += 1


cdef inline void _xor_any(const unsigned char* src, unsigned char* dst, Py_ssize_t n,
                          const unsigned char* key):
    if n >= _NOGIL_SIZE:
        with nogil:
            _xor(src, dst, n, key)
    else:
        _xor(src, dst, n, key)


def mask(data, key):
    """``data`` XOR ``key`` (4 bytes) repeated: masks a payload, or unmasks a masked one."""
    if type(data) is not bytes or type(key) is not bytes:
        raise TypeError("mask() takes bytes")
    cdef bytes payload = <bytes>data
    cdef bytes key_bytes = <bytes>key
    if PyBytes_GET_SIZE(key_bytes) != 4:
        raise ValueError("a masking key is 4 bytes")
    cdef Py_ssize_t size = PyBytes_GET_SIZE(payload)
    if size == 0:
        return b""
    cdef bytes out = PyBytes_FromStringAndSize(NULL, size)
    _xor_any(<const unsigned char*>PyBytes_AS_STRING(payload),
             <unsigned char*>PyBytes_AS_STRING(out), size,
             <const unsigned char*>PyBytes_AS_STRING(key_bytes))
    return out


cdef bytes _build_frame(int first, bytes payload, const unsigned char* key):
    return _build_frame_from(first, <const unsigned char*>PyBytes_AS_STRING(payload),
                             PyBytes_GET_SIZE(payload), key)


cdef bytes _build_frame_from(int first, const unsigned char* src, Py_ssize_t size,
                             const unsigned char* key_source):
    # The key is copied first: ``key_source`` may point into the random pool, which another
    # thread may replace while this one masks without the GIL.
    cdef unsigned char key[4]
    memcpy(key, key_source, 4)
    cdef Py_ssize_t header
    cdef unsigned long long length = <unsigned long long>size
    cdef int i
    if size < 126:
        header = 2
    elif size < 65536:
        header = 4
    else:
        header = 10
    cdef bytes frame = PyBytes_FromStringAndSize(NULL, header + 4 + size)
    cdef unsigned char* out = <unsigned char*>PyBytes_AS_STRING(frame)
    out[0] = <unsigned char>first
    if header == 2:
        out[1] = <unsigned char>(0x80 | size)
    elif header == 4:
        out[1] = 0xFE
        out[2] = <unsigned char>(size >> 8)
        out[3] = <unsigned char>(size & 0xFF)
    else:
        out[1] = 0xFF
        for i in range(8):
            out[2 + i] = <unsigned char>((length >> (8 * (7 - i))) & 0xFF)
    memcpy(out + header, key, 4)
    _xor_any(src, out + header + 4, size, key)
    return frame


@cython.auto_pickle(False)  # its random pool holds the next masking keys
cdef class FrameWriter:
    """Builds masked client frames (RFC 6455 §5.2, §5.3)."""

    cdef bytes _pool
    cdef Py_ssize_t _used

    def __init__(self):
        self._pool = b""
        self._used = _RANDOM_POOL_SIZE

    cdef const unsigned char* _next_key(self) except NULL:
        """The next 4 bytes of the random pool (refilled 4 KiB at a time). The pointer is good
        until the next call: the frame builders copy the key before anything else."""
        cdef Py_ssize_t used = self._used
        if used >= _RANDOM_POOL_SIZE:
            self._pool = os.urandom(_RANDOM_POOL_SIZE)
            used = 0
        self._used = used + 4
        return <const unsigned char*>PyBytes_AS_STRING(self._pool) + used

    def frame(self, int opcode, payload, bint rsv1=False):
        """One final frame carrying ``payload``, masked with a fresh random key."""
        if type(payload) is not bytes:
            raise TypeError(f"a frame payload must be bytes, not {type(payload).__name__}")
        if not 0 <= opcode <= 0xF:
            raise ValueError(f"invalid opcode {opcode}")
        return _build_frame(0x80 | (0x40 if rsv1 else 0) | opcode, <bytes>payload,
                            self._next_key())

    def frame_text(self, text):
        """``frame(TEXT, text in UTF-8)``, masking the string's UTF-8 in place."""
        if type(text) is not str:
            raise TypeError(f"a text message must be str, not {type(text).__name__}")
        cdef Py_ssize_t size
        cdef const char* utf8 = PyUnicode_AsUTF8AndSize(text, &size)
        return _build_frame_from(0x81, <const unsigned char*>utf8, size, self._next_key())

    def frame_pieces(self, int opcode, payload, bint rsv1=False,
                     Py_ssize_t piece_size=_PIECE_SIZE):
        """``frame(opcode, payload)`` (a str: its UTF-8) as `MaskedPieces`, fresh key."""
        if not 0 <= opcode <= 0xF:
            raise ValueError(f"invalid opcode {opcode}")
        return _pieces_of(0x80 | (0x40 if rsv1 else 0) | opcode, payload, self._next_key(),
                          piece_size)

    def pieces_with_key(self, int opcode, payload, bint fin, bint rsv1, key,
                        Py_ssize_t piece_size=_PIECE_SIZE):
        """`frame_pieces` masked with ``key`` (for tests)."""
        if not 0 <= opcode <= 0xF:
            raise ValueError(f"invalid opcode {opcode}")
        if type(key) is not bytes:
            raise TypeError("mask() takes bytes")
        if len(key) != 4:
            raise ValueError("a masking key is 4 bytes")
        return _pieces_of((0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode, payload,
                          <const unsigned char*>PyBytes_AS_STRING(<bytes>key), piece_size)

    def frame_with_key(self, int opcode, payload, bint fin, bint rsv1, key):
        """A frame masked with ``key`` (for tests, which need the bytes to be known)."""
        if type(payload) is not bytes:
            raise TypeError(f"a frame payload must be bytes, not {type(payload).__name__}")
        if not 0 <= opcode <= 0xF:
            raise ValueError(f"invalid opcode {opcode}")
        if len(key) != 4:
            raise ValueError("a masking key is 4 bytes")
        if type(key) is not bytes:
            raise TypeError("mask() takes bytes")
        cdef bytes key_bytes = <bytes>key
        return _build_frame((0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode,
                            <bytes>payload, <const unsigned char*>PyBytes_AS_STRING(key_bytes))


@cython.auto_pickle(False)  # holds a raw pointer into its payload
cdef class MaskedPieces:
    """The bytes of one masked frame in pieces of at most ``piece_size`` payload bytes, each
    masked when asked for (see `_websocket.pyi`): a big message is sent without building its
    whole frame, so no frame-sized buffer is allocated, filled and freed per message."""

    cdef object _owner  # the bytes or str whose UTF-8 ``_src`` points into
    cdef const unsigned char* _src
    cdef Py_ssize_t _size
    cdef Py_ssize_t _pos
    cdef Py_ssize_t _piece
    cdef unsigned char _key[4]
    cdef unsigned char _head[14]
    cdef int _head_size  # 0 once the first piece (which carries the header) is out

    def __iter__(self):
        return self

    def __next__(self):
        cdef Py_ssize_t head = self._head_size
        cdef Py_ssize_t pos = self._pos
        if head == 0 and pos >= self._size:
            raise StopIteration
        cdef Py_ssize_t n = self._size - pos
        if n > self._piece:
            n = self._piece
        cdef bytes out = PyBytes_FromStringAndSize(NULL, head + n)
        cdef unsigned char* dst = <unsigned char*>PyBytes_AS_STRING(out)
        if head:
            memcpy(dst, self._head, head)
        # Moved on before masking, which may release the GIL: another thread iterating the
        # same pieces takes the next one, never this one again.
        self._head_size = 0
        self._pos = pos + n
        # ``pos`` is a multiple of the piece size, itself a multiple of 4: the key's phase is 0.
        _xor_any(self._src + pos, dst + head, n, self._key)
        return out


cdef MaskedPieces _pieces_of(int first, object payload, const unsigned char* key_source,
                             Py_ssize_t piece_size):
    # The key first, as in ``_build_frame_from``: ``key_source`` may point into the random pool.
    cdef unsigned char key[4]
    memcpy(key, key_source, 4)
    if piece_size <= 0 or piece_size % 4:
        raise ValueError("piece_size must be a positive multiple of 4")
    cdef MaskedPieces pieces = MaskedPieces.__new__(MaskedPieces)
    cdef Py_ssize_t size
    if type(payload) is bytes:
        pieces._src = <const unsigned char*>PyBytes_AS_STRING(<bytes>payload)
        size = PyBytes_GET_SIZE(<bytes>payload)
    elif type(payload) is str:
        pieces._src = <const unsigned char*>PyUnicode_AsUTF8AndSize(payload, &size)
    else:
        raise TypeError(f"a frame payload must be bytes or str, not {type(payload).__name__}")
    pieces._owner = payload
    pieces._size = size
    pieces._pos = 0
    pieces._piece = piece_size
    memcpy(pieces._key, key, 4)
    cdef unsigned long long length = <unsigned long long>size
    cdef int header, i
    cdef unsigned char* out = pieces._head
    out[0] = <unsigned char>first
    if size < 126:
        header = 2
        out[1] = <unsigned char>(0x80 | size)
    elif size < 65536:
        header = 4
        out[1] = 0xFE
        out[2] = <unsigned char>(size >> 8)
        out[3] = <unsigned char>(size & 0xFF)
    else:
        header = 10
        out[1] = 0xFF
        for i in range(8):
            out[2 + i] = <unsigned char>((length >> (8 * (7 - i))) & 0xFF)
    memcpy(out + header, pieces._key, 4)
    pieces._head_size = header + 4
    return pieces


@cython.auto_pickle(False)  # a payload being filled must never be seen, or shared, half-filled
cdef class FrameReader:
    """Parses the frames a server sends, enforcing RFC 6455 §5 (see `_websocket.pyi`)."""

    cdef bytes _buf  # the read being parsed, from ``_pos`` on
    cdef Py_ssize_t _pos
    cdef list _more  # reads fed after ``_buf`` and not yet parsed
    # The payload of a frame still arriving, filled in place as reads come (None otherwise):
    # ``_got`` of its ``_need`` bytes are in, in room for ``_room``.
    cdef bytes _payload
    cdef Py_ssize_t _got
    cdef Py_ssize_t _need
    cdef Py_ssize_t _room
    cdef int _opcode
    cdef bint _fin
    cdef bint _rsv1
    cdef bint _in_message
    cdef unsigned long long _message_size
    cdef unsigned long long _max_size
    cdef bint _allow_rsv1
    cdef object _error

    def __init__(self, max_message_size, bint allow_rsv1=False):
        if max_message_size < 0:
            raise ValueError("max_message_size must be at least 0")
        self._buf = b""
        self._pos = 0
        self._more = []
        self._payload = None
        self._got = 0
        self._need = 0
        self._room = 0
        self._opcode = 0
        self._fin = False
        self._rsv1 = False
        self._in_message = False
        self._message_size = 0
        self._max_size = _MAX_SIZE if max_message_size > _MAX_SIZE else max_message_size
        self._allow_rsv1 = allow_rsv1
        self._error = None

    @property
    def pending(self):
        """Part of a frame is held (at EOF: the frame was truncated)."""
        return (self._payload is not None or self._pos < PyBytes_GET_SIZE(self._buf)
                or bool(self._more))

    @property
    def in_message(self):
        """True between the first and the final frame of a fragmented message."""
        return self._in_message

    def feed(self, data):
        if type(data) is not bytes:
            raise TypeError(f"feed() takes bytes, not {type(data).__name__}")
        cdef Py_ssize_t size = PyBytes_GET_SIZE(<bytes>data)
        cdef Py_ssize_t used = 0
        if size == 0:
            return
        if self._payload is not None and self._got < self._need:
            used = self._absorb(<bytes>data, 0)
            if used == size:
                return
        if self._pos >= PyBytes_GET_SIZE(self._buf) and not self._more:
            self._buf = <bytes>data
            self._pos = used
        else:
            self._more.append(data[used:] if used else data)

    def next_frame(self):
        if self._error is not None:
            raise self._error
        if self._payload is not None:
            if self._got < self._need:
                return None
            return self._finish_payload()
        cdef bytes buf = self._buf
        cdef Py_ssize_t pos = self._pos
        cdef Py_ssize_t end = PyBytes_GET_SIZE(buf)
        cdef Py_ssize_t avail = end - pos
        if avail < _MAX_HEADER and self._more:
            self._gather_header()
            buf = self._buf
            pos = 0
            end = PyBytes_GET_SIZE(buf)
            avail = end
        if avail < 2:
            return None
        cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(buf) + pos
        cdef int first = p[0]
        cdef int second = p[1]
        cdef bint fin = first & 0x80
        cdef bint rsv1 = first & 0x40
        cdef int opcode = first & 0x0F
        self._check_header(first, second, opcode, fin, rsv1)
        cdef unsigned long long size = second & 0x7F
        cdef Py_ssize_t header = 2
        cdef int i
        if size == 126:
            header = 4
            if avail < 4:
                return None
            size = (<unsigned long long>p[2] << 8) | p[3]
        elif size == 127:
            header = 10
            if avail < 10:
                return None
            size = 0
            for i in range(8):
                size = (size << 8) | p[2 + i]
            if size > _MAX_LENGTH_63:
                self._fail(PROTOCOL_ERROR, "frame length with the most significant bit set")
        if opcode < 8:
            if size > self._max_size - self._message_size:
                total = <object>self._message_size + <object>size
                self._fail(
                    MESSAGE_TOO_BIG,
                    f"message of at least {total} bytes, over the limit of "
                    f"{self._max_size} bytes",
                )
            self._message_size += size
        cdef Py_ssize_t start = pos + header
        if <unsigned long long>(avail - header) >= size:
            self._pos = start + <Py_ssize_t>size
            return self._frame(opcode, fin, rsv1, buf[start:start + <Py_ssize_t>size])
        # The payload is still arriving: it is copied, read by read, into its own bytes object
        # (of its full size when that is at most ``_PREALLOCATE``: one allocation, and each
        # read can be freed once copied). The reads queued after this one go in too, and what
        # follows the payload stays queued.
        self._need = <Py_ssize_t>size
        cdef Py_ssize_t room = <Py_ssize_t>size if size <= _PREALLOCATE else _PREALLOCATE
        try:
            self._payload = PyBytes_FromStringAndSize(NULL, room)
        except MemoryError:
            self._fail(MESSAGE_TOO_BIG, f"no memory for a payload of {size} bytes")
        self._room = room
        self._got = 0
        self._opcode = opcode
        self._fin = fin
        self._rsv1 = rsv1
        cdef list more = self._more
        self._buf = b""
        self._pos = 0
        self._more = []
        self._absorb(buf, start)
        cdef Py_ssize_t index = 0
        cdef Py_ssize_t used
        while index < len(more) and self._got < self._need:
            piece = <bytes>more[index]
            index += 1
            used = self._absorb(piece, 0)
            if used < PyBytes_GET_SIZE(piece):
                self._buf = piece
                self._pos = used
                break
        if index < len(more):
            self._more = more[index:]
        if self._got >= self._need:
            return self._finish_payload()
        return None

    def take_messages(self, data, messages):
        """Feed ``data``, then parse: every message that is one final, uncompressed frame goes
        straight into ``messages``, as ``(TEXT, str)`` or ``(BINARY, bytes)``; the first
        other frame is returned, None once the bytes run out (see `_websocket.pyi`)."""
        if PyBytes_GET_SIZE(data):
            self.feed(data)
        cdef bytes buf
        cdef Py_ssize_t pos, avail, size
        cdef const unsigned char* p
        cdef int first
        while True:
            buf = self._buf
            pos = self._pos
            avail = PyBytes_GET_SIZE(buf) - pos
            if (self._error is None and self._payload is None and not self._in_message
                    and avail >= 2):
                # A small final frame inside this read: its message straight from the bytes.
                p = <const unsigned char*>PyBytes_AS_STRING(buf) + pos
                first = p[0]
                size = p[1]
                if ((first == 0x81 or first == 0x82) and size < 126 and avail - 2 >= size
                        and <unsigned long long>size <= self._max_size):
                    if first == 0x82:
                        messages.append((2, PyBytes_FromStringAndSize(<const char*>p + 2, size)))
                        self._pos = pos + 2 + size
                        continue
                    try:
                        text = PyUnicode_DecodeUTF8(<const char*>p + 2, size, NULL)
                    except UnicodeDecodeError:
                        return self.next_frame()  # the session fails it (1007)
                    messages.append((1, text))
                    self._pos = pos + 2 + size
                    continue
            frame = self.next_frame()
            if frame is None:
                return None
            opcode, fin, rsv1, payload = <tuple>frame
            if fin and not rsv1:
                if opcode == 1:
                    try:
                        messages.append((1, (<bytes>payload).decode("utf-8")))
                    except UnicodeDecodeError:
                        return frame
                    continue
                if opcode == 2:
                    messages.append((2, payload))
                    continue
            return frame

    cdef _gather_header(self):
        """Reads fed unparsed, joined after the rest of ``_buf`` until a header fits."""
        cdef list parts = [self._buf[self._pos:]]
        cdef Py_ssize_t avail = PyBytes_GET_SIZE(<bytes>parts[0])
        cdef list more = self._more
        while more and avail < _MAX_HEADER:
            piece = more.pop(0)
            parts.append(piece)
            avail += PyBytes_GET_SIZE(<bytes>piece)
        self._buf = b"".join(parts)
        self._pos = 0

    cdef Py_ssize_t _absorb(self, bytes data, Py_ssize_t pos) except -1:
        """Copy what of ``data[pos:]`` belongs to the payload being filled; the count."""
        cdef Py_ssize_t n = PyBytes_GET_SIZE(data) - pos
        cdef Py_ssize_t room
        if n > self._need - self._got:
            n = self._need - self._got
        if n <= 0:
            return 0
        if self._got + n > self._room:
            # A payload over ``_PREALLOCATE`` grows as it arrives (at least doubling; glibc
            # moves big blocks by remapping, not copying), so a length the server only claims
            # is never allocated much ahead of its bytes.
            room = self._room * 2
            if room < self._got + n:
                room = self._got + n
            if room > self._need:
                room = self._need
            self._grow(room)
        memcpy(PyBytes_AS_STRING(self._payload) + self._got, PyBytes_AS_STRING(data) + pos, n)
        self._got += n
        return n

    cdef int _grow(self, Py_ssize_t room) except -1:
        """Resize the payload being filled (ours alone: nothing else holds a reference)."""
        cdef PyObject* raw = <PyObject*>self._payload
        Py_IncRef(raw)
        self._payload = None
        try:
            _PyBytes_Resize(&raw, room)
        except MemoryError:  # the object is freed: the frame cannot be received
            self._fail(MESSAGE_TOO_BIG, f"no memory for a payload of {self._need} bytes")
        self._payload = <bytes>raw
        Py_DecRef(raw)
        self._room = room
        return 0

    cdef tuple _finish_payload(self):
        cdef bytes payload = self._payload  # full: ``_room`` grows to ``_need`` at most
        self._payload = None
        return self._frame(self._opcode, self._fin, self._rsv1, payload)

    cdef inline tuple _frame(self, int opcode, bint fin, bint rsv1, bytes payload):
        if opcode < 8:
            if fin:
                self._in_message = False
                self._message_size = 0
            else:
                self._in_message = True
        return (opcode, fin, rsv1, payload)

    cdef int _check_header(self, int first, int second, int opcode, bint fin,
                           bint rsv1) except -1:
        if first & 0x30:
            self._fail(PROTOCOL_ERROR, "reserved bits RSV2/RSV3 set without an extension")
        if second & 0x80:
            self._fail(PROTOCOL_ERROR, "a server frame is masked (RFC 6455 §5.1)")
        if opcode >= 8:
            if opcode > PONG:
                self._fail(PROTOCOL_ERROR, f"unknown control opcode {opcode:#x}")
            if not fin:
                self._fail(PROTOCOL_ERROR, "a fragmented control frame")
            if second & 0x7F > 125:
                self._fail(PROTOCOL_ERROR, "a control frame longer than 125 bytes")
            if rsv1:
                self._fail(PROTOCOL_ERROR, "RSV1 set on a control frame")
            return 0
        if opcode > BINARY:
            self._fail(PROTOCOL_ERROR, f"unknown data opcode {opcode:#x}")
        if opcode == CONTINUATION:
            if not self._in_message:
                self._fail(PROTOCOL_ERROR, "a continuation frame outside a fragmented message")
            if rsv1:
                self._fail(PROTOCOL_ERROR, "RSV1 set on a continuation frame")
        else:
            if self._in_message:
                self._fail(PROTOCOL_ERROR, "a new message inside a fragmented message")
            if rsv1 and not self._allow_rsv1:
                self._fail(PROTOCOL_ERROR, "reserved bit RSV1 set without an extension")
        return 0

    cdef int _fail(self, int code, str reason) except -1:
        self._error = WebSocketProtocolError(code, reason)
        raise self._error


cdef inline int _lead(unsigned char byte, int* low, int* high) noexcept nogil:
    """Continuation bytes after ``byte`` (-1: not a lead byte) and the first one's range."""
    if byte < 0x80:
        return 0
    low[0] = 0x80
    high[0] = 0xBF
    if 0xC2 <= byte <= 0xDF:
        return 1
    if byte == 0xE0:
        low[0] = 0xA0
        return 2
    if byte == 0xED:
        high[0] = 0x9F
        return 2
    if 0xE1 <= byte <= 0xEF:
        return 2
    if byte == 0xF0:
        low[0] = 0x90
        return 3
    if 0xF1 <= byte <= 0xF3:
        return 3
    if byte == 0xF4:
        high[0] = 0x8F
        return 3
    return -1


cdef bint _validate(const unsigned char* p, Py_ssize_t n, int* need, int* low,
                    int* high) noexcept nogil:
    """Run the state machine over ``p[:n]``; False at the first ill-formed byte."""
    cdef Py_ssize_t i = 0
    cdef uint64_t word
    cdef unsigned char byte
    cdef int remaining = need[0]
    while i < n:
        if remaining == 0:
            while i + 8 <= n:  # skip ASCII eight bytes at a time
                memcpy(&word, p + i, 8)
                if word & _HIGH_BITS:
                    break
                i += 8
            if i >= n:
                break
            byte = p[i]
            i += 1
            if byte < 0x80:
                continue
            remaining = _lead(byte, low, high)
            if remaining < 0:
                return False
        else:
            byte = p[i]
            if byte < low[0] or byte > high[0]:
                return False
            remaining -= 1
            low[0] = 0x80
            high[0] = 0xBF
            i += 1
    need[0] = remaining
    return True


cdef class Utf8Validator:
    """Incremental UTF-8 validation (see `_websocket.pyi`)."""

    cdef int _need
    cdef int _low
    cdef int _high
    cdef bint _valid

    def __init__(self):
        self._need = 0
        self._low = 0x80
        self._high = 0xBF
        self._valid = True

    @property
    def complete(self):
        return self._valid and self._need == 0

    @property
    def valid(self):
        return self._valid

    def feed(self, data):
        if type(data) is not bytes:
            raise TypeError(f"feed() takes bytes, not {type(data).__name__}")
        if not self._valid:
            return False
        cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(<bytes>data)
        cdef Py_ssize_t n = PyBytes_GET_SIZE(<bytes>data)
        cdef bint ok
        if n >= _NOGIL_SIZE:
            with nogil:
                ok = _validate(p, n, &self._need, &self._low, &self._high)
        else:
            ok = _validate(p, n, &self._need, &self._low, &self._high)
        if not ok:
            self._valid = False
        return ok
