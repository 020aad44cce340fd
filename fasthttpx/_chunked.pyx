# cython: language_level=3
"""Compiled chunked transfer-coding decoder (RFC 9112 §7.1); twin of `_chunked_py.py`.

Why: chunked bodies are decoded at memory speed, and the response parser calls this decoder
through C (`_chunked.pxd`), not through Python. The twin is the readable specification; both
have the same functions in the same order and the same error messages.

How: a state machine over a ``const unsigned char*`` of the fed ``bytes``:

* ``_SIZE``: a chunk-size line ``1*HEXDIG *( BWS ";" BWS name [ BWS "=" BWS value ] )``
  (§7.1, §7.1.1), found with ``memchr``. Only an unfinished line is carried over (``_buf``).
* ``_DATA``: ``_remaining`` bytes of chunk data. Pieces are recorded as (start, length) in a
  C array and copied once, at the end of the feed, into one ``bytes`` of the exact size; when
  the whole input is chunk data the input object itself is returned.
* ``_DATA_CR``/``_DATA_LF``: the CRLF (or bare LF, §2.2) that must follow chunk data.
* ``_TRAILER``: trailer field lines (§7.1.2) validated as header fields (``parse_field_line``,
  also used by the parser), until an empty line. ``scan_field_line`` is the parser's
  compiled-only one-pass shortcut for plain header lines (no twin: it only ever accepts what
  the line path accepts, with the same result).
* ``_DONE``: anything further is kept in ``unused_data``.

Line ends are CRLF or a bare LF (§2.2); a CR anywhere else is an error ("bare CR"). A line's
length for the limits counts everything before its LF. When a line breaks both the line
limit and the section limit, the error is the one whose limit the bytes cross first (ties:
the section), so the same input gives the same error however it is split into feeds.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from cpython.object cimport PyObject
from libc.stdint cimport uint64_t
from libc.string cimport memchr, memcmp, memcpy

from ._exceptions import RemoteProtocolError

cdef extern from *:
    """
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline Py_ssize_t fhx_first_flagged_byte(unsigned long long mask) {
        unsigned long index;
        _BitScanForward64(&index, mask);
        return (Py_ssize_t)(index >> 3);
    }
    #define FHX_LITTLE_ENDIAN 1
    #else
    static inline Py_ssize_t fhx_first_flagged_byte(unsigned long long mask) {
        return (Py_ssize_t)(__builtin_ctzll(mask) >> 3);
    }
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    #define FHX_LITTLE_ENDIAN 1
    #else
    #define FHX_LITTLE_ENDIAN 0
    #endif
    #endif
    """
    Py_ssize_t fhx_first_flagged_byte(uint64_t mask) nogil  # index of the lowest flagged byte
    const bint FHX_LITTLE_ENDIAN


cdef extern from "Python.h":
    # borrowed references, no checks (the indexes are in range by construction)
    PyObject* PyTuple_GET_ITEM(object tuple, Py_ssize_t index)
    Py_ssize_t PyTuple_GET_SIZE(object tuple)


__all__ = ["ChunkedDecoder"]

# States: the enum in `_chunked.pxd` (the same numbers in `_chunked_py.py`).

cdef enum:
    _MAX_CHUNK_SIZE_DIGITS = 16  # significant hex digits: the size fits in 64 bits

# Character classes, filled once at import.
cdef unsigned char TCHAR[256]      # token characters (RFC 9110 §5.6.2)
cdef unsigned char VALUE_OK[256]   # field-value characters: HTAB SP VCHAR obs-text (§5.5)
cdef unsigned char QDTEXT[256]     # quoted-string text (RFC 9110 §5.6.4)
cdef unsigned char QPAIR[256]      # the character after a backslash in a quoted-pair
cdef signed char HEXVAL[256]       # HEXDIG value or -1


cdef void _init_tables():
    cdef int c
    for c in range(256):
        TCHAR[c] = (0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A
                    or c in b"!#$%&'*+-.^_`|~")
        VALUE_OK[c] = c == 0x09 or 0x20 <= c <= 0x7E or c >= 0x80
        QDTEXT[c] = (c == 0x09 or c == 0x20 or c == 0x21 or 0x23 <= c <= 0x5B
                     or 0x5D <= c <= 0x7E or c >= 0x80)
        QPAIR[c] = c == 0x09 or 0x20 <= c <= 0x7E or c >= 0x80
        if 0x30 <= c <= 0x39:
            HEXVAL[c] = c - 0x30
        elif 0x41 <= c <= 0x46:
            HEXVAL[c] = c - 0x41 + 10
        elif 0x61 <= c <= 0x66:
            HEXVAL[c] = c - 0x61 + 10
        else:
            HEXVAL[c] = -1


_init_tables()


@cython.boundscheck(False)
@cython.wraparound(False)
cdef tuple parse_field_line(const unsigned char* s, Py_ssize_t n):
    """Split a header or trailer field line (no line end, no CR) into (name, value).

    RFC 9112 §5.2: a line starting with SP/HTAB is obs-fold, rejected. RFC 9112 §5.1: no
    whitespace between the field name and the colon. The value is OWS-stripped and may hold
    only HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5).
    """
    cdef Py_ssize_t i = 0
    cdef Py_ssize_t vs
    while i < n and TCHAR[s[i]]:
        i += 1
    if i == 0 or i == n or s[i] != 0x3A:  # ":"
        _field_line_error(s, n)
    vs = i + 1
    while vs < n and (s[vs] == 0x20 or s[vs] == 0x09):
        vs += 1
    if not _value_ok(s + vs, n - vs):
        raise RemoteProtocolError("invalid character in field value")
    return _field_pair(s, i, vs, n)


@cython.boundscheck(False)
@cython.wraparound(False)
cdef inline tuple _field_pair(const unsigned char* s, Py_ssize_t name_end, Py_ssize_t vs,
                              Py_ssize_t ve):
    """``(name, value)`` of a checked field line: the name is ``s[:name_end]``, the value
    ``s[vs:ve]`` without its trailing OWS (``vs`` is past the leading OWS already)."""
    cdef object name
    while ve > vs and (s[ve - 1] == 0x20 or s[ve - 1] == 0x09):
        ve -= 1
    name = _known_name(s, name_end)
    if name is None:
        name = PyBytes_FromStringAndSize(<const char*>s, name_end)
    return (name, PyBytes_FromStringAndSize(<const char*>s + vs, ve - vs))


cdef inline uint64_t _ctl_mask(uint64_t w):
    """High bit set in each byte of ``w`` that may be below 0x20 or 0x7F (bytes from 0x80
    excluded). Exact for the lowest flagged byte (a borrow only runs upwards), so a word
    with no bit set holds no CTL, and on a little-endian machine the lowest bit set marks
    the first one."""
    cdef uint64_t d = w ^ 0x7F7F7F7F7F7F7F7FULL
    return (((w - 0x2020202020202020ULL) & ~w) | ((d - 0x0101010101010101ULL) & ~d)
            ) & 0x8080808080808080ULL


cdef inline bint _value_ok(const unsigned char* s, Py_ssize_t n):
    """True if ``s[:n]`` holds only HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5).

    Eight bytes at a time: a word with no byte below 0x20 (bytes from 0x80 excluded) and no
    0x7F byte is fine as it is; only words that may hold an HTAB or a CTL go byte by byte.
    """
    cdef Py_ssize_t j = 0
    cdef Py_ssize_t k
    cdef uint64_t w
    while j + 8 <= n:
        memcpy(&w, s + j, 8)
        if _ctl_mask(w):
            for k in range(j, j + 8):
                if not VALUE_OK[s[k]]:
                    return False
        j += 8
    while j < n:
        if not VALUE_OK[s[j]]:
            return False
        j += 1
    return True


# Common header names, returned as shared objects instead of new ones (a bytes object less
# to allocate and free per field). By length; compared exactly (case as received).
cdef tuple _KNOWN_NAMES_BY_LEN = tuple(
    tuple(name for name in (
        b"Date", b"Server", b"Content-Type", b"Content-Length", b"Connection", b"Cache-Control",
        b"ETag", b"Vary", b"Transfer-Encoding", b"Set-Cookie", b"Location", b"Last-Modified",
        b"Expires", b"Accept-Ranges", b"Content-Encoding", b"Age", b"Keep-Alive", b"Via",
        b"X-Request-Id", b"Strict-Transport-Security", b"X-Content-Type-Options",
        b"X-Frame-Options", b"Access-Control-Allow-Origin", b"Content-Security-Policy",
        b"Pragma", b"Alt-Svc", b"Content-Disposition", b"X-Cache", b"Content-Language",
        b"WWW-Authenticate", b"Referrer-Policy", b"X-XSS-Protection", b"Link",
        b"date", b"server", b"content-type", b"content-length", b"connection",
        b"cache-control", b"etag", b"vary", b"transfer-encoding", b"set-cookie", b"location",
        b"last-modified", b"expires", b"accept-ranges", b"content-encoding", b"age",
    ) if len(name) == length)
    for length in range(32)
)


@cython.boundscheck(False)
@cython.wraparound(False)
cdef inline object _known_name(const unsigned char* s, Py_ssize_t n):
    cdef PyObject* candidates
    cdef PyObject* name
    cdef Py_ssize_t k
    if n >= 32:
        return None
    candidates = PyTuple_GET_ITEM(_KNOWN_NAMES_BY_LEN, n)  # borrowed references
    for k in range(PyTuple_GET_SIZE(<object>candidates)):
        name = PyTuple_GET_ITEM(<object>candidates, k)
        if (<const unsigned char*>PyBytes_AS_STRING(<object>name))[0] == s[0] and memcmp(
                PyBytes_AS_STRING(<object>name), s, n) == 0:
            return <object>name
    return None


@cython.boundscheck(False)
@cython.wraparound(False)
cdef object scan_field_line(const unsigned char* s, Py_ssize_t start, Py_ssize_t end,
                            Py_ssize_t max_n, Py_ssize_t* line_end):
    """Compiled-only shortcut: a whole, valid field line at ``s[start:end]``, in one pass.

    Returns ``(name, value)`` and sets ``line_end`` to the index of the line's LF, or returns
    ``None`` when the line is anything but a complete field line of fewer than ``max_n``
    bytes, CRLF or LF terminated, with no bare CR: the caller then takes its line path, which
    applies every rule in order and says exactly what is wrong. This does in one scan what
    the line path does with ``memchr`` for LF, ``memchr`` for CR and ``parse_field_line``.
    """
    cdef Py_ssize_t i = start
    cdef Py_ssize_t colon, vs, ve
    cdef uint64_t w, mask
    cdef unsigned char c
    while i + 4 <= end and TCHAR[s[i]] & TCHAR[s[i + 1]] & TCHAR[s[i + 2]] & TCHAR[s[i + 3]]:
        i += 4
    while i < end and TCHAR[s[i]]:
        i += 1
    if i == start or i >= end or s[i] != 0x3A:  # ":"
        return None
    colon = i
    i += 1
    while i < end and (s[i] == 0x20 or s[i] == 0x09):
        i += 1
    vs = i
    while True:
        while i + 8 <= end:
            memcpy(&w, s + i, 8)
            mask = _ctl_mask(w)
            if mask:
                if FHX_LITTLE_ENDIAN:  # straight to the first HTAB/CTL/DEL byte of the word
                    i += fhx_first_flagged_byte(mask)
                break
            i += 8
        if i >= end:
            return None
        c = s[i]
        if VALUE_OK[c]:
            i += 1
            continue
        if c == 0x0A:  # bare LF line end (RFC 9112 §2.2)
            ve = i
            break
        if c == 0x0D and i + 1 < end and s[i + 1] == 0x0A:
            ve = i
            i += 1
            break
        return None
    if i - start >= max_n:
        return None
    line_end[0] = i
    return _field_pair(s + start, colon - start, vs - start, ve - start)


cdef int _field_line_error(const unsigned char* s, Py_ssize_t n) except -1:
    """Raise the error that explains why ``s`` is not a field line (slow path)."""
    cdef const unsigned char* colon
    cdef unsigned char first = s[0]
    cdef unsigned char last
    if first == 0x20 or first == 0x09:
        raise RemoteProtocolError("obs-fold (line folding) in field section is not allowed")
    colon = <const unsigned char*>memchr(s, 0x3A, n)
    if colon == NULL:
        raise RemoteProtocolError("field line without a colon")
    if colon == s:
        raise RemoteProtocolError("empty field name")
    if _skip_token(s, n, 0) == colon - s:  # the name is fine: the value is not
        raise RemoteProtocolError("invalid character in field value")
    last = colon[-1]
    if last == 0x20 or last == 0x09:
        raise RemoteProtocolError("whitespace before the colon in a field line")
    raise RemoteProtocolError("invalid character in field name")


cdef class ChunkedDecoder:
    """Decode a chunked body: ``feed(bytes) -> bytes`` of chunk data (see `_chunked.pyi`)."""

    def __init__(
        self,
        *,
        Py_ssize_t max_line_size=4096,
        Py_ssize_t max_trailer_line_size=65536,
        Py_ssize_t max_trailer_count=100,
        Py_ssize_t max_trailers_size=262144,
    ):
        self._state = _SIZE
        self._buf = None  # an unfinished line carried over to the next feed
        self._remaining = 0  # chunk data still to come in the current chunk
        self._trailers = []
        self._section_size = 0  # bytes of trailer section seen in complete lines
        self._unused = b""
        self._error = ""
        self._max_line_size = max_line_size  # chunk-size line with its extensions
        self._max_trailer_line_size = max_trailer_line_size
        self._max_trailer_count = max_trailer_count
        self._max_trailers_size = max_trailers_size

    def __dealloc__(self):
        PyMem_Free(self._pieces)

    # -- public interface ---------------------------------------------------------------

    def feed(self, bytes data not None):
        if self._state == _FAILED:
            raise RemoteProtocolError(self._error)
        return self._feed(data, 0)

    def feed_eof(self):
        if self._state == _DONE:
            return
        if self._state != _FAILED:
            self._fail("connection closed inside a chunked body")
        raise RemoteProtocolError(self._error)

    @property
    def finished(self):
        return self._state == _DONE

    @property
    def trailers(self):
        return self._trailers

    @property
    def unused_data(self):
        return self._unused

    @property
    def failed(self):
        return self._state == _FAILED

    # -- decoding -----------------------------------------------------------------------

    cdef int _fail(self, str message) except -1:
        self._state = _FAILED
        self._error = message
        return 0

    cdef bytes _feed(self, bytes data, Py_ssize_t pos):
        """Decode ``data[pos:]``; the parser calls this directly (no slice of its input)."""
        try:
            return self._decode(data, pos)
        except RemoteProtocolError as exc:
            self._fail(str(exc))
            raise

    cdef bytes _decode(self, bytes data, Py_ssize_t pos):
        cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(data)
        cdef Py_ssize_t end = PyBytes_GET_SIZE(data)
        cdef Py_ssize_t count = 0  # chunk data pieces in this feed
        cdef Py_ssize_t take, nl, n, total, i
        cdef const unsigned char* found
        cdef int state
        cdef bytes line, out
        cdef char* dst
        while pos < end:
            state = self._state
            if state == _DATA:
                take = end - pos
                if <unsigned long long>take >= self._remaining:
                    take = <Py_ssize_t>self._remaining
                    self._state = _DATA_CR
                self._remaining -= <unsigned long long>take
                self._add_piece(count, pos, take)
                count += 1
                pos += take
            elif state == _SIZE or state == _TRAILER:
                found = <const unsigned char*>memchr(p + pos, 0x0A, end - pos)
                if found == NULL:
                    n = (len(self._buf) if self._buf is not None else 0) + end - pos
                    self._check_line_limits(n, n)
                    if pos < end:
                        if self._buf is None:
                            self._buf = bytearray()
                        self._buf += data[pos:]
                    break
                nl = found - p
                if self._buf is not None:
                    self._buf += data[pos:nl]
                    line = bytes(self._buf)
                    self._buf = None
                    pos = nl + 1
                    self._on_line(<const unsigned char*>PyBytes_AS_STRING(line),
                                  PyBytes_GET_SIZE(line))
                else:
                    n = nl - pos
                    i = pos
                    pos = nl + 1
                    self._on_line(p + i, n)
            elif state == _DATA_CR:
                i = p[pos]
                pos += 1
                if i == 0x0A:  # bare LF accepted as a line end (RFC 9112 §2.2)
                    self._state = _SIZE
                elif i == 0x0D:
                    self._state = _DATA_LF
                else:
                    raise RemoteProtocolError("missing CRLF after chunk data")
            elif state == _DATA_LF:
                if p[pos] != 0x0A:
                    raise RemoteProtocolError("missing CRLF after chunk data")
                pos += 1
                self._state = _SIZE
            else:  # _DONE
                self._unused += data[pos:]
                break
        if count == 0:
            return b""
        if count == 1:
            if self._pieces[1] == end:  # the whole input: the same object
                return data
            return PyBytes_FromStringAndSize(<const char*>p + self._pieces[0], self._pieces[1])
        total = 0
        for i in range(count):
            total += self._pieces[2 * i + 1]
        out = PyBytes_FromStringAndSize(NULL, total)
        dst = PyBytes_AS_STRING(out)
        for i in range(count):
            memcpy(dst, p + self._pieces[2 * i], self._pieces[2 * i + 1])
            dst += self._pieces[2 * i + 1]
        return out

    cdef int _add_piece(self, Py_ssize_t count, Py_ssize_t start, Py_ssize_t length) except -1:
        """Record chunk data ``start, length`` as piece number ``count`` of this feed."""
        cdef Py_ssize_t cap
        cdef Py_ssize_t* grown
        if count >= self._pieces_cap:
            cap = self._pieces_cap * 2 if self._pieces_cap else 64
            grown = <Py_ssize_t*>PyMem_Realloc(self._pieces, cap * 2 * sizeof(Py_ssize_t))
            if grown == NULL:
                raise MemoryError()
            self._pieces = grown
            self._pieces_cap = cap
        self._pieces[2 * count] = start
        self._pieces[2 * count + 1] = length
        return 0

    cdef int _check_line_limits(self, Py_ssize_t n_line, Py_ssize_t n_total) except -1:
        """Limits on a line of ``n_line`` bytes before its LF, ``n_total`` with it."""
        cdef bint over_line
        cdef Py_ssize_t room
        if self._state == _SIZE:
            if n_line > self._max_line_size:
                raise RemoteProtocolError("chunk size line too long")
            return 0
        over_line = n_line > self._max_trailer_line_size
        room = self._max_trailers_size - self._section_size
        if n_total > room and (not over_line or room <= self._max_trailer_line_size):
            raise RemoteProtocolError("trailer section too large")
        if over_line:
            raise RemoteProtocolError("trailer line too long")
        return 0

    cdef int _on_line(self, const unsigned char* s, Py_ssize_t n) except -1:
        """A complete chunk-size or trailer line (without its LF)."""
        cdef unsigned long long size
        cdef Py_ssize_t m = n
        self._check_line_limits(n, n + 1)
        if m and s[m - 1] == 0x0D:
            m -= 1
        if m and memchr(s, 0x0D, m) != NULL:
            if self._state == _SIZE:
                raise RemoteProtocolError("bare CR in chunk size line")
            raise RemoteProtocolError("bare CR in trailer section")
        if self._state == _SIZE:
            size = self._parse_size_line(s, m)
            if size:
                self._remaining = size
                self._state = _DATA
            else:
                self._state = _TRAILER
            return 0
        self._section_size += n + 1
        if m == 0:
            self._state = _DONE
            return 0
        if len(self._trailers) >= self._max_trailer_count:
            raise RemoteProtocolError("too many trailer fields")
        self._trailers.append(parse_field_line(s, m))
        return 0

    cdef unsigned long long _parse_size_line(self, const unsigned char* s, Py_ssize_t n) except? 0:
        """chunk-size [ chunk-ext ] (RFC 9112 §7.1, §7.1.1); returns the size."""
        cdef Py_ssize_t i = 0
        cdef Py_ssize_t significant = 0
        cdef unsigned long long size = 0
        cdef signed char v
        while i < n and HEXVAL[s[i]] >= 0:
            v = HEXVAL[s[i]]
            if significant or v:
                significant += 1
            if significant <= _MAX_CHUNK_SIZE_DIGITS:
                size = (size << 4) | <unsigned long long>v
            i += 1
        if i == 0:
            raise RemoteProtocolError("invalid chunk size")
        if i < n:
            self._check_chunk_ext(s, n, i)
        if significant > _MAX_CHUNK_SIZE_DIGITS:
            raise RemoteProtocolError("chunk size overflow")
        return size

    cdef int _check_chunk_ext(self, const unsigned char* s, Py_ssize_t n, Py_ssize_t i) except -1:
        """chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), from ``s[i:]``.

        Extensions are validated and ignored. After the digits, anything that does not start
        an extension (a space inside the digits, ``0x``, trailing whitespace) is an invalid
        chunk size; an extension that breaks the grammar is an invalid chunk extension.
        """
        cdef Py_ssize_t start
        i = _skip_bws(s, n, i)
        if i == n or s[i] != 0x3B:  # ";"
            raise RemoteProtocolError("invalid chunk size")
        while i < n:
            if s[i] != 0x3B:
                raise RemoteProtocolError("invalid chunk extension")
            i = _skip_bws(s, n, i + 1)
            start = i
            i = _skip_token(s, n, i)
            if i == start:
                raise RemoteProtocolError("invalid chunk extension")
            i = _skip_bws(s, n, i)
            if i < n and s[i] == 0x3D:  # "="
                i = _skip_bws(s, n, i + 1)
                if i < n and s[i] == 0x22:  # quoted-string
                    i = _skip_quoted_string(s, n, i)
                else:
                    start = i
                    i = _skip_token(s, n, i)
                    if i == start:
                        raise RemoteProtocolError("invalid chunk extension")
                i = _skip_bws(s, n, i)
            if i == n and (s[n - 1] == 0x20 or s[n - 1] == 0x09):
                raise RemoteProtocolError("invalid chunk extension")
        return 0


cdef inline Py_ssize_t _skip_bws(const unsigned char* s, Py_ssize_t n, Py_ssize_t i):
    while i < n and (s[i] == 0x20 or s[i] == 0x09):
        i += 1
    return i


cdef inline Py_ssize_t _skip_token(const unsigned char* s, Py_ssize_t n, Py_ssize_t i):
    while i < n and TCHAR[s[i]]:
        i += 1
    return i


cdef Py_ssize_t _skip_quoted_string(const unsigned char* s, Py_ssize_t n, Py_ssize_t i) except -1:
    """``s[i]`` is the opening DQUOTE; returns the index after the closing one."""
    cdef unsigned char c
    i += 1
    while i < n:
        c = s[i]
        if c == 0x22:
            return i + 1
        if c == 0x5C:  # quoted-pair
            if i + 1 >= n or not QPAIR[s[i + 1]]:
                raise RemoteProtocolError("invalid chunk extension")
            i += 2
        elif QDTEXT[c]:
            i += 1
        else:
            raise RemoteProtocolError("invalid chunk extension")
    raise RemoteProtocolError("invalid chunk extension")
