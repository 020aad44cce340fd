"""HPACK (RFC 7541) in pure Python: the readable twin of the compiled ``_hpack.pyx``.

Both twins have the same classes, methods and errors (``_hpack.pyi``); the tests hold them to
the same results on the RFC's examples and on generated blocks (with the ``hpack`` package as
a third opinion). Here the code is written for clarity; the compiled one for speed.

* ``Decoder.decode(block)``: the header list of one complete header block, updating the
  dynamic table. Errors are ``HPACKError`` (a COMPRESSION_ERROR for the connection) and
  ``OversizedHeaderListError`` (the list passed ``max_header_list_size``, counted as §4.1
  sizes while decoding, so an endless block fails early).
* ``Encoder.encode(headers)``: one header block; fields found whole in a table become an
  index, others a literal with incremental indexing (never indexed for credentials, §7.1.3),
  strings Huffman-coded when that is shorter. ``Encoder.table_size`` follows the peer's
  SETTINGS_HEADER_TABLE_SIZE (capped at 4096); the change is signalled at the start of the
  next block (§4.2).
"""

from __future__ import annotations

from collections import deque

from ._hpack_common import (
    DEFAULT_TABLE_SIZE,
    HUFFMAN_LENGTHS,
    NIBBLE_EMIT,
    NIBBLE_FAIL,
    STATIC_TABLE,
    HPACKError,
    OversizedHeaderListError,
    huffman_codes,
    huffman_decode_table,
)

__all__ = ["Decoder", "Encoder", "HPACKError", "OversizedHeaderListError", "huffman_encode",
           "huffman_decode"]

_STATIC_LENGTH = len(STATIC_TABLE)
_NEXT, _SYMBOL, _FLAGS, _ACCEPTING = huffman_decode_table()
_CODES = huffman_codes()
#: Integers above this are refused (no table size, index or string length comes close).
_MAX_INTEGER = 1 << 32
#: Fields whose values are never added to a table (RFC 7541 §7.1.3: secrets).
_NEVER_INDEXED = frozenset({b"authorization", b"proxy-authorization", b"cookie"})


def huffman_decode(data: bytes | memoryview) -> bytes:
    """A Huffman-coded string literal (§5.2)."""
    out = bytearray()
    state = 0
    for byte in data:
        for nibble in (byte >> 4, byte & 15):
            index = state * 16 + nibble
            flags = _FLAGS[index]
            if flags & NIBBLE_FAIL:
                raise HPACKError("EOS in a Huffman-coded string")
            if flags & NIBBLE_EMIT:
                out.append(_SYMBOL[index])
            state = _NEXT[index]
    if not _ACCEPTING[state]:
        raise HPACKError("invalid padding at the end of a Huffman-coded string")
    return bytes(out)


def huffman_encode(data: bytes) -> bytes:
    """``data`` Huffman-coded, padded with ones to a whole byte."""
    accumulator = 0
    bits = 0
    out = bytearray()
    for byte in data:
        accumulator = (accumulator << HUFFMAN_LENGTHS[byte]) | _CODES[byte]
        bits += HUFFMAN_LENGTHS[byte]
        while bits >= 8:
            bits -= 8
            out.append((accumulator >> bits) & 0xFF)
        accumulator &= (1 << bits) - 1
    if bits:
        out.append(((accumulator << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xFF)
    return bytes(out)


def _huffman_length(data: bytes) -> int:
    return (sum(HUFFMAN_LENGTHS[byte] for byte in data) + 7) // 8


def _encode_integer(value: int, prefix_bits: int, first: int, out: bytearray) -> None:
    """§5.1: ``value`` in a ``prefix_bits`` prefix, ``first`` holding the byte's other bits."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        out.append(first | value)
        return
    out.append(first | limit)
    value -= limit
    while value >= 128:
        out.append((value & 127) | 128)
        value >>= 7
    out.append(value)


def _encode_string(value: bytes, out: bytearray) -> None:
    """§5.2: Huffman-coded when shorter, else raw."""
    coded_length = _huffman_length(value)
    if coded_length < len(value):
        _encode_integer(coded_length, 7, 0x80, out)
        out += huffman_encode(value)
    else:
        _encode_integer(len(value), 7, 0, out)
        out += value


class Decoder:
    """The receiving half of one connection's HPACK context."""

    def __init__(
        self, max_table_size: int = DEFAULT_TABLE_SIZE, max_header_list_size: int = 1 << 31
    ) -> None:
        #: The size we allow the peer's dynamic table (our SETTINGS_HEADER_TABLE_SIZE).
        self.max_allowed_table_size = max_table_size
        self.max_header_list_size = max_header_list_size
        self.table_size = max_table_size  # the size the encoder currently uses
        self._entries: deque[tuple[bytes, bytes]] = deque()  # newest first
        self._used = 0

    @property
    def table_used(self) -> int:
        """Bytes of the dynamic table in use (§4.1 sizes)."""
        return self._used

    def _field(self, index: int) -> tuple[bytes, bytes]:
        if index <= 0:
            raise HPACKError("index 0 in a header block")
        if index <= _STATIC_LENGTH:
            return STATIC_TABLE[index - 1]
        position = index - _STATIC_LENGTH - 1
        if position >= len(self._entries):
            raise HPACKError(f"index {index} is beyond the tables")
        return self._entries[position]

    def _add(self, name: bytes, value: bytes) -> None:
        size = len(name) + len(value) + 32
        self._evict(self.table_size - size)
        if size <= self.table_size:  # a bigger entry empties the table and is dropped
            self._entries.appendleft((name, value))
            self._used += size

    def _evict(self, room: int) -> None:
        entries = self._entries
        while self._used > room and entries:
            name, value = entries.pop()
            self._used -= len(name) + len(value) + 32

    def decode(self, block: bytes) -> list[tuple[bytes, bytes]]:
        headers: list[tuple[bytes, bytes]] = []
        view = memoryview(block)
        end = len(view)
        position = 0
        list_size = 0
        while position < end:
            byte = view[position]
            if byte & 0x80:  # indexed field (§6.1)
                index, position = _decode_integer(view, position, 7)
                name, value = self._field(index)
            elif byte & 0xE0 == 0x20:  # dynamic table size update (§6.3)
                if headers:
                    raise HPACKError("a table size update after a field")
                size, position = _decode_integer(view, position, 5)
                if size > self.max_allowed_table_size:
                    raise HPACKError(f"table size update to {size} above the allowed "
                                     f"{self.max_allowed_table_size}")
                self.table_size = size
                self._evict(size)
                continue
            else:  # a literal (§6.2): with indexing 01, without 0000, never indexed 0001
                indexing = bool(byte & 0x40)
                index, position = _decode_integer(view, position, 6 if indexing else 4)
                if index:
                    name = self._field(index)[0]
                else:
                    name, position = _decode_string(view, position)
                value, position = _decode_string(view, position)
                if indexing:
                    self._add(name, value)
            list_size += len(name) + len(value) + 32
            if list_size > self.max_header_list_size:
                raise OversizedHeaderListError(
                    f"header list larger than {self.max_header_list_size} bytes"
                )
            headers.append((name, value))
        return headers


def _decode_integer(view: memoryview, position: int, prefix_bits: int) -> tuple[int, int]:
    """§5.1: the integer starting at ``position``; where the next item starts."""
    limit = (1 << prefix_bits) - 1
    value = view[position] & limit
    position += 1
    if value < limit:
        return value, position
    shift = 0
    end = len(view)
    while True:
        if position >= end:
            raise HPACKError("truncated integer in a header block")
        byte = view[position]
        position += 1
        value += (byte & 127) << shift
        if value > _MAX_INTEGER:
            raise HPACKError("integer too large in a header block")
        if not byte & 128:
            return value, position
        shift += 7


def _decode_string(view: memoryview, position: int) -> tuple[bytes, int]:
    """§5.2: the string literal starting at ``position``; where the next item starts."""
    if position >= len(view):
        raise HPACKError("truncated string in a header block")
    huffman = view[position] & 0x80
    length, position = _decode_integer(view, position, 7)
    end = position + length
    if end > len(view):
        raise HPACKError("string runs past the end of the header block")
    raw = view[position:end]
    return (huffman_decode(raw) if huffman else bytes(raw)), end


class Encoder:
    """The sending half of one connection's HPACK context."""

    def __init__(self) -> None:
        self._entries: deque[tuple[bytes, bytes]] = deque()  # newest first
        self._used = 0
        self._size = DEFAULT_TABLE_SIZE
        self._pending_update = False

    @property
    def table_size(self) -> int:
        return self._size

    @table_size.setter
    def table_size(self, size: int) -> None:
        """The peer's SETTINGS_HEADER_TABLE_SIZE: we use up to that, at most 4096."""
        size = min(size, DEFAULT_TABLE_SIZE)
        if size != self._size:
            self._size = size
            self._pending_update = True
            self._evict(size)

    def _evict(self, room: int) -> None:
        entries = self._entries
        while self._used > room and entries:
            name, value = entries.pop()
            self._used -= len(name) + len(value) + 32

    def _find(self, name: bytes, value: bytes) -> tuple[int, int]:
        """(index of the whole field or 0, index of the name or 0)."""
        name_index = 0
        for position, (entry_name, entry_value) in enumerate(STATIC_TABLE):
            if entry_name == name:
                if entry_value == value:
                    return position + 1, position + 1
                if not name_index:
                    name_index = position + 1
        for position, (entry_name, entry_value) in enumerate(self._entries):
            if entry_name == name:
                if entry_value == value:
                    return position + _STATIC_LENGTH + 1, name_index
                if not name_index:
                    name_index = position + _STATIC_LENGTH + 1
        return 0, name_index

    def encode(self, headers: list[tuple[bytes, bytes]]) -> bytes:
        out = bytearray()
        if self._pending_update:
            _encode_integer(self._size, 5, 0x20, out)
            self._pending_update = False
        for name, value in headers:
            index, name_index = self._find(name, value)
            if index:
                _encode_integer(index, 7, 0x80, out)
                continue
            if name in _NEVER_INDEXED:
                _encode_integer(name_index, 4, 0x10, out)
                if not name_index:
                    _encode_string(name, out)
                _encode_string(value, out)
                continue
            _encode_integer(name_index, 6, 0x40, out)
            if not name_index:
                _encode_string(name, out)
            _encode_string(value, out)
            size = len(name) + len(value) + 32
            self._evict(self._size - size)
            if size <= self._size:
                self._entries.appendleft((name, value))
                self._used += size
        return bytes(out)
