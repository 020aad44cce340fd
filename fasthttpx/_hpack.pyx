# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled HPACK (RFC 7541); twin of `_hpack_py.py` (same classes, results and errors).

Why: every response head of an HTTP/2 connection passes through the decoder and every request
head through the encoder; in pure Python they were a large share of a request's cost.

How: the decoder walks a ``const unsigned char*`` of the header block; integers and string
lengths are read in C, Huffman strings are decoded four bits per table lookup into a scratch
buffer (tables built at import from `_hpack_common.py`, so both twins share one source), and
the dynamic table is a ring of ``(name, value)`` tuples, indexed without searching. Python
objects are made only for the fields returned. The encoder finds fields in dictionaries
(static and dynamic, by whole field and by name) and writes into a C buffer.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy

from collections import deque

from ._hpack_common import (
    DEFAULT_TABLE_SIZE,
    HUFFMAN_LENGTHS,
    STATIC_TABLE,
    HPACKError,
    OversizedHeaderListError,
    huffman_codes,
    huffman_decode_table,
)

__all__ = ["Decoder", "Encoder", "HPACKError", "OversizedHeaderListError", "huffman_encode",
           "huffman_decode"]

DEF STATIC_LENGTH = 61
DEF NIBBLE_EMIT = 1
DEF NIBBLE_FAIL = 2
DEF MAX_INTEGER = 4294967296  # 2**32: no size, index or length comes close

cdef unsigned char H_NEXT[4096]
cdef unsigned char H_SYMBOL[4096]
cdef unsigned char H_FLAGS[4096]
cdef unsigned char H_ACCEPTING[256]
cdef unsigned int H_CODE[257]
cdef unsigned char H_LENGTH[257]


def _load_tables():
    next_state, symbols, flags, accepting = huffman_decode_table()
    cdef int i
    for i in range(4096):
        H_NEXT[i] = next_state[i]
        H_SYMBOL[i] = symbols[i]
        H_FLAGS[i] = flags[i]
    for i in range(256):
        H_ACCEPTING[i] = accepting[i]
    codes = huffman_codes()
    for i in range(257):
        H_CODE[i] = codes[i]
        H_LENGTH[i] = HUFFMAN_LENGTHS[i]


_load_tables()

cdef tuple _STATIC = STATIC_TABLE
cdef dict _STATIC_FIELD = {}
cdef dict _STATIC_NAME = {}
for _index, _entry in enumerate(STATIC_TABLE, 1):
    _STATIC_FIELD.setdefault(_entry, _index)
    _STATIC_NAME.setdefault(_entry[0], _index)
cdef frozenset _NEVER_INDEXED = frozenset({b"authorization", b"proxy-authorization", b"cookie"})


cdef Py_ssize_t _huffman_decode_into(
    const unsigned char* data, Py_ssize_t size, unsigned char* out
) except -1:
    """Decode ``size`` Huffman-coded bytes into ``out`` (room for ``size * 8 // 5``); the
    decoded length."""
    cdef unsigned int state = 0
    cdef unsigned int index
    cdef unsigned char flags
    cdef Py_ssize_t i, written = 0
    cdef unsigned char byte
    for i in range(size):
        byte = data[i]
        index = (state << 4) | (byte >> 4)
        flags = H_FLAGS[index]
        if flags & NIBBLE_FAIL:
            raise HPACKError("EOS in a Huffman-coded string")
        if flags & NIBBLE_EMIT:
            out[written] = H_SYMBOL[index]
            written += 1
        state = H_NEXT[index]
        index = (state << 4) | (byte & 15)
        flags = H_FLAGS[index]
        if flags & NIBBLE_FAIL:
            raise HPACKError("EOS in a Huffman-coded string")
        if flags & NIBBLE_EMIT:
            out[written] = H_SYMBOL[index]
            written += 1
        state = H_NEXT[index]
    if not H_ACCEPTING[state]:
        raise HPACKError("invalid padding at the end of a Huffman-coded string")
    return written


cdef Py_ssize_t _huffman_length(const unsigned char* data, Py_ssize_t size):
    cdef Py_ssize_t bits = 0, i
    for i in range(size):
        bits += H_LENGTH[data[i]]
    return (bits + 7) >> 3


cdef Py_ssize_t _huffman_encode_into(
    const unsigned char* data, Py_ssize_t size, unsigned char* out
):
    cdef unsigned long long accumulator = 0
    cdef int bits = 0
    cdef Py_ssize_t i, written = 0
    cdef unsigned char byte
    for i in range(size):
        byte = data[i]
        accumulator = (accumulator << H_LENGTH[byte]) | H_CODE[byte]
        bits += H_LENGTH[byte]
        while bits >= 8:
            bits -= 8
            out[written] = <unsigned char>(accumulator >> bits)
            written += 1
        accumulator &= (1ULL << bits) - 1
    if bits:
        out[written] = <unsigned char>((accumulator << (8 - bits)) | ((1 << (8 - bits)) - 1))
        written += 1
    return written


def huffman_decode(data):
    """A Huffman-coded string literal (§5.2)."""
    cdef bytes raw = bytes(data)
    cdef Py_ssize_t size = PyBytes_GET_SIZE(raw)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, size * 8 // 5 + 1)
    cdef Py_ssize_t written = _huffman_decode_into(
        <const unsigned char*>PyBytes_AS_STRING(raw), size,
        <unsigned char*>PyBytes_AS_STRING(out))
    return out[:written]


def huffman_encode(bytes data):
    """``data`` Huffman-coded, padded with ones to a whole byte."""
    cdef Py_ssize_t size = PyBytes_GET_SIZE(data)
    cdef const unsigned char* raw = <const unsigned char*>PyBytes_AS_STRING(data)
    cdef Py_ssize_t length = _huffman_length(raw, size)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, length)
    _huffman_encode_into(raw, size, <unsigned char*>PyBytes_AS_STRING(out))
    return out


cdef inline size_t _integer(
    const unsigned char* data, Py_ssize_t* position, Py_ssize_t end, int prefix_bits
) except? 0xFFFFFFFFFFFFFFFF:
    """§5.1: the integer at ``position[0]`` (which moves past it)."""
    cdef size_t limit = (1 << prefix_bits) - 1
    cdef size_t value = data[position[0]] & limit
    cdef int shift = 0
    cdef unsigned char byte
    position[0] += 1
    if value < limit:
        return value
    while True:
        if position[0] >= end:
            raise HPACKError("truncated integer in a header block")
        byte = data[position[0]]
        position[0] += 1
        value += (<size_t>(byte & 127)) << shift
        if value > MAX_INTEGER or shift > 28:
            raise HPACKError("integer too large in a header block")
        if not byte & 128:
            return value
        shift += 7


cdef class Decoder:
    """The receiving half of one connection's HPACK context."""

    def __cinit__(self, Py_ssize_t max_table_size=DEFAULT_TABLE_SIZE,
                  Py_ssize_t max_header_list_size=1 << 31):
        self.max_allowed_table_size = max_table_size
        self.max_header_list_size = max_header_list_size
        self.table_size = max_table_size
        self._cap = max_table_size // 32 + 1
        self._ring = [None] * self._cap
        self._head = self._count = self._used = 0
        self._buf = NULL
        self._buf_cap = 0

    def __dealloc__(self):
        free(self._buf)

    @property
    def table_used(self):
        """Bytes of the dynamic table in use (§4.1 sizes)."""
        return self._used

    def decode(self, bytes block not None):
        """The header list of one complete header block."""
        return self.decode_ptr(<const unsigned char*>PyBytes_AS_STRING(block),
                               PyBytes_GET_SIZE(block))

    cdef tuple _field(self, Py_ssize_t index):
        if index <= 0:
            raise HPACKError("index 0 in a header block")
        if index <= STATIC_LENGTH:
            return <tuple>_STATIC[index - 1]
        index -= STATIC_LENGTH + 1
        if index >= self._count:
            raise HPACKError(f"index {index + STATIC_LENGTH + 1} is beyond the tables")
        return <tuple>self._ring[(self._head - 1 - index + self._cap) % self._cap]

    cdef void _evict(self, Py_ssize_t room):
        cdef tuple entry
        while self._used > room and self._count:
            entry = <tuple>self._ring[(self._head - self._count + self._cap) % self._cap]
            self._ring[(self._head - self._count + self._cap) % self._cap] = None
            self._used -= PyBytes_GET_SIZE(entry[0]) + PyBytes_GET_SIZE(entry[1]) + 32
            self._count -= 1

    cdef void _add(self, object name, object value, Py_ssize_t size):
        self._evict(self.table_size - size)
        if size <= self.table_size:  # a bigger entry empties the table and is dropped
            self._ring[self._head] = (name, value)
            self._head = (self._head + 1) % self._cap
            self._count += 1
            self._used += size

    cdef bytes _string(self, const unsigned char* data, Py_ssize_t* position, Py_ssize_t end):
        """§5.2: the string literal at ``position[0]`` (which moves past it)."""
        cdef bint huffman
        cdef size_t length
        cdef Py_ssize_t start, room, written
        if position[0] >= end:
            raise HPACKError("truncated string in a header block")
        huffman = data[position[0]] & 0x80
        length = _integer(data, position, end, 7)
        start = position[0]
        if <size_t>(end - start) < length:
            raise HPACKError("string runs past the end of the header block")
        position[0] = start + length
        if not huffman:
            return PyBytes_FromStringAndSize(<const char*>data + start, length)
        room = length * 8 // 5 + 1
        if room > self._buf_cap:
            buf = <unsigned char*>realloc(self._buf, room)
            if buf == NULL:
                raise MemoryError()
            self._buf = buf
            self._buf_cap = room
        written = _huffman_decode_into(data + start, length, self._buf)
        return PyBytes_FromStringAndSize(<const char*>self._buf, written)

    cdef list decode_ptr(self, const unsigned char* data, Py_ssize_t end):
        cdef list headers = []
        cdef Py_ssize_t position = 0
        cdef Py_ssize_t list_size = 0, size
        cdef size_t index
        cdef unsigned char byte
        cdef bint indexing
        cdef tuple field
        cdef object name, value
        while position < end:
            byte = data[position]
            if byte & 0x80:  # indexed field (§6.1)
                field = self._field(_integer(data, &position, end, 7))
                name = field[0]
                value = field[1]
            elif byte & 0xE0 == 0x20:  # dynamic table size update (§6.3)
                if headers:
                    raise HPACKError("a table size update after a field")
                index = _integer(data, &position, end, 5)
                if index > <size_t>self.max_allowed_table_size:
                    raise HPACKError(f"table size update to {index} above the allowed "
                                     f"{self.max_allowed_table_size}")
                self.table_size = index
                self._evict(index)
                continue
            else:  # a literal (§6.2): with indexing 01, without 0000, never indexed 0001
                indexing = byte & 0x40
                index = _integer(data, &position, end, 6 if indexing else 4)
                if index:
                    name = self._field(index)[0]
                else:
                    name = self._string(data, &position, end)
                value = self._string(data, &position, end)
                if indexing:
                    self._add(name, value,
                              PyBytes_GET_SIZE(name) + PyBytes_GET_SIZE(value) + 32)
                field = (name, value)
            list_size += PyBytes_GET_SIZE(name) + PyBytes_GET_SIZE(value) + 32
            if list_size > self.max_header_list_size:
                raise OversizedHeaderListError(
                    f"header list larger than {self.max_header_list_size} bytes"
                )
            headers.append(field)
        return headers


cdef class Encoder:
    """The sending half of one connection's HPACK context."""

    def __cinit__(self):
        self._entries = deque()
        self._field_seq = {}
        self._name_seq = {}
        self._next_seq = 0
        self._used = 0
        self._size = DEFAULT_TABLE_SIZE
        self._pending_update = False
        self._out = NULL
        self._out_len = self._out_cap = 0

    def __dealloc__(self):
        free(self._out)

    @property
    def table_size(self):
        return self._size

    @table_size.setter
    def table_size(self, Py_ssize_t size):
        """The peer's SETTINGS_HEADER_TABLE_SIZE: we use up to that, at most 4096."""
        if size > DEFAULT_TABLE_SIZE:
            size = DEFAULT_TABLE_SIZE
        if size != self._size:
            self._size = size
            self._pending_update = True
            self._evict(size)

    cdef void _evict(self, Py_ssize_t room):
        cdef tuple entry
        while self._used > room and self._entries:
            entry = <tuple>self._entries.popleft()
            name = entry[0]
            field = (name, entry[1])
            if self._field_seq.get(field) == entry[2]:
                del self._field_seq[field]
            if self._name_seq.get(name) == entry[2]:
                del self._name_seq[name]
            self._used -= PyBytes_GET_SIZE(name) + PyBytes_GET_SIZE(entry[1]) + 32

    cdef int _reserve(self, Py_ssize_t extra) except -1:
        cdef Py_ssize_t wanted = self._out_len + extra
        cdef unsigned char* grown
        if wanted > self._out_cap:
            wanted = max(wanted, 2 * self._out_cap, 256)
            grown = <unsigned char*>realloc(self._out, wanted)
            if grown == NULL:
                raise MemoryError()
            self._out = grown
            self._out_cap = wanted
        return 0

    cdef int _integer(self, size_t value, int prefix_bits, unsigned char first) except -1:
        cdef size_t limit = (1 << prefix_bits) - 1
        self._reserve(8)
        if value < limit:
            self._out[self._out_len] = first | value
            self._out_len += 1
            return 0
        self._out[self._out_len] = first | limit
        self._out_len += 1
        value -= limit
        while value >= 128:
            self._out[self._out_len] = (value & 127) | 128
            self._out_len += 1
            value >>= 7
        self._out[self._out_len] = value
        self._out_len += 1
        return 0

    cdef int _string(self, bytes value) except -1:
        cdef Py_ssize_t size = PyBytes_GET_SIZE(value)
        cdef const unsigned char* raw = <const unsigned char*>PyBytes_AS_STRING(value)
        cdef Py_ssize_t coded = _huffman_length(raw, size)
        if coded < size:
            self._integer(coded, 7, 0x80)
            self._reserve(coded)
            self._out_len += _huffman_encode_into(raw, size, self._out + self._out_len)
        else:
            self._integer(size, 7, 0)
            self._reserve(size)
            memcpy(self._out + self._out_len, raw, size)
            self._out_len += size
        return 0

    cpdef bytes encode(self, list headers):
        """One header block for ``headers`` (``(name, value)`` tuples of bytes)."""
        cdef tuple header
        cdef bytes name, value
        cdef object found
        cdef Py_ssize_t index, name_index, size
        self._out_len = 0
        if self._pending_update:
            self._integer(self._size, 5, 0x20)
            self._pending_update = False
        for header in headers:
            name = header[0]
            value = header[1]
            found = _STATIC_FIELD.get(header)
            if found is not None:
                self._integer(found, 7, 0x80)
                continue
            found = self._field_seq.get(header)
            if found is not None and name not in _NEVER_INDEXED:
                self._integer(STATIC_LENGTH + self._next_seq - <Py_ssize_t>found, 7, 0x80)
                continue
            found = _STATIC_NAME.get(name)
            if found is not None:
                name_index = found
            else:
                found = self._name_seq.get(name)
                name_index = 0 if found is None else \
                    STATIC_LENGTH + self._next_seq - <Py_ssize_t>found
            if name in _NEVER_INDEXED:
                self._integer(name_index, 4, 0x10)
            else:
                self._integer(name_index, 6, 0x40)
            if not name_index:
                self._string(name)
            self._string(value)
            if name in _NEVER_INDEXED:
                continue
            size = PyBytes_GET_SIZE(name) + PyBytes_GET_SIZE(value) + 32
            self._evict(self._size - size)
            if size <= self._size:
                self._entries.append((name, value, self._next_seq))
                self._field_seq[(name, value)] = self._next_seq
                self._name_seq[name] = self._next_seq
                self._next_seq += 1
                self._used += size
        return PyBytes_FromStringAndSize(<const char*>self._out, self._out_len)
