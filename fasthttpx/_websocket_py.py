"""Pure-Python twin of `_websocket.pyx`: the WebSocket frame codec (RFC 6455 §5).

Why: framing is the per-message hot path of a WebSocket session (masking every outgoing
byte, parsing every incoming frame), so the compiled core does it; this twin runs where no
compiler was available (or with ``FASTHTTPX_NO_EXTENSIONS=1``) and is the readable
specification the tests hold the compiled one to, byte for byte and error for error (see
`_websocket.pyi` for the contract).

* ``mask(data, key)``: XOR with the 4-byte key repeated (masking and unmasking are the same
  operation), done on big integers so that a megabyte is a few C-level passes.
* ``FrameWriter``: builds masked client frames; mask keys come from the operating system's
  CSPRNG (RFC 6455 §5.3: "derived from a strong source of entropy"), drawn 4 KiB at a time.
* ``FrameReader``: parses server frames and enforces §5's rules as soon as a frame's header is
  complete, before its payload is buffered: reserved bits, opcodes, control frames (at most
  125 bytes, never fragmented), continuation order, no masking from a server, 63-bit lengths,
  and the message size limit. It returns frames, not messages: the session joins fragments
  (and inflates compressed messages) because only it knows the extension state.
* ``Utf8Validator``: incremental UTF-8 validation of a fragmented text message (§8.1), failing
  at the first byte that cannot continue well-formed UTF-8 (Unicode Table 3-7).
"""

from __future__ import annotations

import codecs
import os
from collections import deque
from collections.abc import Iterator

from ._exceptions import WebSocketProtocolError

__all__ = ["mask", "FrameWriter", "FrameReader", "Utf8Validator"]

# Opcodes (RFC 6455 §5.2).
CONTINUATION = 0x0
TEXT = 0x1
BINARY = 0x2
CLOSE = 0x8
PING = 0x9
PONG = 0xA

# Close codes the reader fails the connection with (RFC 6455 §7.4.1).
PROTOCOL_ERROR = 1002
MESSAGE_TOO_BIG = 1009

_RANDOM_POOL_SIZE = 4096
_MAX_LENGTH_63 = (1 << 63) - 1
_MAX_SIZE = (1 << 64) - 1  # a larger message size limit is no limit
_MAX_HEADER = 10  # bytes of the longest server frame header (no masking key)
PIECE_SIZE = 65536  # payload bytes per piece of a big outgoing frame (``frame_pieces``)


def mask(data: bytes, key: bytes) -> bytes:
    """``data`` XOR ``key`` (4 bytes) repeated: masks a payload, or unmasks a masked one."""
    if type(data) is not bytes or type(key) is not bytes:
        raise TypeError("mask() takes bytes")
    if len(key) != 4:
        raise ValueError("a masking key is 4 bytes")
    size = len(data)
    if size == 0:
        return b""
    repeated = key * ((size + 3) // 4)
    if len(repeated) != size:
        repeated = repeated[:size]
    value = int.from_bytes(data, "little") ^ int.from_bytes(repeated, "little")
    return value.to_bytes(size, "little")


def _header(first: int, size: int) -> bytes:
    """Bytes 0..n of a masked frame's header, up to (not including) the masking key."""
    if size < 126:
        return bytes((first, 0x80 | size))
    if size < 65536:
        return bytes((first, 0xFE)) + size.to_bytes(2, "big")
    return bytes((first, 0xFF)) + size.to_bytes(8, "big")


def _masked_pieces(head: bytes, payload: bytes, key: bytes, piece_size: int) -> Iterator[bytes]:
    """The header, then the payload masked ``piece_size`` bytes at a time (a multiple of 4:
    every piece starts at the key's first byte); the header rides with the first piece."""
    view = memoryview(payload)
    yield head + mask(bytes(view[:piece_size]), key)
    for start in range(piece_size, len(payload), piece_size):
        yield mask(bytes(view[start:start + piece_size]), key)


class FrameWriter:
    """Builds masked client frames (RFC 6455 §5.2, §5.3)."""

    __slots__ = ("_pool", "_used")

    def __init__(self) -> None:
        self._pool = b""
        self._used = _RANDOM_POOL_SIZE

    def _next_key(self) -> bytes:
        used = self._used
        if used >= _RANDOM_POOL_SIZE:
            self._pool = os.urandom(_RANDOM_POOL_SIZE)
            used = 0
        self._used = used + 4
        return self._pool[used:used + 4]

    def frame(self, opcode: int, payload: bytes, rsv1: bool = False) -> bytes:
        """One final frame carrying ``payload``, masked with a fresh random key."""
        return self.frame_with_key(opcode, payload, True, rsv1, self._next_key())

    def frame_text(self, text: str) -> bytes:
        """``frame(TEXT, text in UTF-8)``: the compiled twin masks the UTF-8 in place."""
        if type(text) is not str:
            raise TypeError(f"a text message must be str, not {type(text).__name__}")
        return self.frame(TEXT, text.encode("utf-8"))

    def frame_pieces(
        self, opcode: int, payload: bytes | str, rsv1: bool = False,
        piece_size: int = PIECE_SIZE,
    ) -> Iterator[bytes]:
        """``frame(opcode, payload)`` (a str: its UTF-8) in pieces of at most ``piece_size``
        payload bytes, each masked when asked for: a big message leaves without a frame-sized
        buffer being built for it."""
        if not 0 <= opcode <= 0xF:
            raise ValueError(f"invalid opcode {opcode}")
        return self.pieces_with_key(opcode, payload, True, rsv1, self._next_key(), piece_size)

    def pieces_with_key(
        self, opcode: int, payload: bytes | str, fin: bool, rsv1: bool, key: bytes,
        piece_size: int = PIECE_SIZE,
    ) -> Iterator[bytes]:
        """`frame_pieces` masked with ``key`` (for tests)."""
        if not 0 <= opcode <= 0xF:
            raise ValueError(f"invalid opcode {opcode}")
        if type(key) is not bytes:
            raise TypeError("mask() takes bytes")
        if len(key) != 4:
            raise ValueError("a masking key is 4 bytes")
        if piece_size <= 0 or piece_size % 4:
            raise ValueError("piece_size must be a positive multiple of 4")
        if type(payload) is str:
            payload = payload.encode("utf-8")
        elif type(payload) is not bytes:
            raise TypeError(f"a frame payload must be bytes or str, not {type(payload).__name__}")
        first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
        return _masked_pieces(_header(first, len(payload)) + key, payload, key, piece_size)

    def frame_with_key(
        self, opcode: int, payload: bytes, fin: bool, rsv1: bool, key: bytes
    ) -> bytes:
        """A frame masked with ``key`` (for tests, which need the bytes to be known)."""
        if type(payload) is not bytes:
            raise TypeError(f"a frame payload must be bytes, not {type(payload).__name__}")
        if not 0 <= opcode <= 0xF:
            raise ValueError(f"invalid opcode {opcode}")
        if len(key) != 4:
            raise ValueError("a masking key is 4 bytes")
        first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
        return _header(first, len(payload)) + key + mask(payload, key)


class FrameReader:
    """Parses the frames a server sends, enforcing RFC 6455 §5 (see the module docstring).

    ``feed(data)`` buffers bytes; ``next_frame()`` returns ``(opcode, fin, rsv1, payload)``
    for each complete frame in order, None when more bytes are needed, or raises
    ``WebSocketProtocolError`` (``code`` 1002, or 1009 past ``max_message_size``) once the
    header of a bad frame is complete. After an error the reader stays failed.
    ``allow_rsv1``: permessage-deflate was negotiated (RSV1 marks a compressed message).
    ``max_message_size``: payload bytes of one message, all its frames together.

    Bytes are never copied to be joined before they are parsed: a frame inside one read is
    sliced out of it; a payload spread over reads is kept as pieces and joined once (the
    compiled twin copies each read into one bytes object of the payload's size instead)."""

    __slots__ = ("_buf", "_pos", "_more", "_pieces", "_got", "_need", "_opcode", "_fin",
                 "_rsv1", "_in_message", "_message_size", "_max_size", "_allow_rsv1", "_error")

    def __init__(self, max_message_size: int, allow_rsv1: bool = False) -> None:
        if max_message_size < 0:
            raise ValueError("max_message_size must be at least 0")
        self._buf = b""  # the read being parsed, from ``_pos`` on
        self._pos = 0
        self._more: list[bytes] = []  # reads fed after ``_buf`` and not yet parsed
        #: Payload pieces of a frame still arriving (the first one a view of a read).
        self._pieces: list[bytes | memoryview] | None = None
        self._got = 0
        self._need = 0
        self._opcode = 0
        self._fin = False
        self._rsv1 = False
        self._in_message = False  # a fragmented data message has begun and not ended
        self._message_size = 0
        self._max_size = min(max_message_size, _MAX_SIZE)
        self._allow_rsv1 = allow_rsv1
        self._error: WebSocketProtocolError | None = None

    @property
    def pending(self) -> bool:
        """Part of a frame is held (at EOF: the frame was truncated)."""
        return self._pieces is not None or self._pos < len(self._buf) or bool(self._more)

    @property
    def in_message(self) -> bool:
        """True between the first and the final frame of a fragmented message."""
        return self._in_message

    def feed(self, data: bytes) -> None:
        if type(data) is not bytes:
            raise TypeError(f"feed() takes bytes, not {type(data).__name__}")
        if not data:
            return
        if self._pieces is not None:
            self._pieces.append(data)
            self._got += len(data)
        elif self._pos >= len(self._buf) and not self._more:
            self._buf = data
            self._pos = 0
        else:
            self._more.append(data)

    def next_frame(self) -> tuple[int, bool, bool, bytes] | None:
        if self._error is not None:
            raise self._error
        if self._pieces is not None:
            if self._got < self._need:
                return None
            return self._finish_payload(self._pieces)
        buf = self._buf
        pos = self._pos
        avail = len(buf) - pos
        if avail < _MAX_HEADER and self._more:
            buf, avail = self._gather_header()
            pos = 0
        if avail < 2:
            return None
        first = buf[pos]
        second = buf[pos + 1]
        fin = first & 0x80 != 0
        rsv1 = first & 0x40 != 0
        opcode = first & 0x0F
        self._check_header(first, second, opcode, fin, rsv1)
        size = second & 0x7F
        header = 2
        if size == 126:
            header = 4
            if avail < 4:
                return None
            size = int.from_bytes(buf[pos + 2:pos + 4], "big")
        elif size == 127:
            header = 10
            if avail < 10:
                return None
            size = int.from_bytes(buf[pos + 2:pos + 10], "big")
            if size > _MAX_LENGTH_63:
                self._fail(PROTOCOL_ERROR, "frame length with the most significant bit set")
        if opcode < 8:
            total = self._message_size + size
            if total > self._max_size:
                self._fail(
                    MESSAGE_TOO_BIG,
                    f"message of at least {total} bytes, over the limit of "
                    f"{self._max_size} bytes",
                )
            self._message_size = total
        start = pos + header
        if avail - header >= size:
            self._pos = start + size
            return self._frame(opcode, fin, rsv1, buf[start:start + size])
        # The payload is still arriving: collect its pieces, joined once when complete.
        pieces: list[bytes | memoryview] = [memoryview(buf)[start:]] if start < len(buf) else []
        pieces += self._more
        self._pieces = pieces
        self._got = sum(len(piece) for piece in pieces)
        self._need = size
        self._opcode = opcode
        self._fin = fin
        self._rsv1 = rsv1
        self._buf = b""
        self._pos = 0
        self._more = []
        if self._got >= size:
            return self._finish_payload(pieces)
        return None

    def take_messages(
        self, data: bytes, messages: deque[tuple[int, str | bytes]]
    ) -> tuple[int, bool, bool, bytes] | None:
        """Feed ``data``, then parse: every message that is one final, uncompressed frame goes
        straight into ``messages``, as ``(TEXT, str)`` or ``(BINARY, bytes)``; the first
        other frame (control, fragment, compressed, or text that is not valid UTF-8) is
        returned, and None once the bytes run out. A session's hot path: one call per read.
        Errors as ``next_frame``."""
        if data:
            self.feed(data)
        while True:
            frame = self.next_frame()
            if frame is None:
                return None
            opcode, fin, rsv1, payload = frame
            if fin and not rsv1:
                if opcode == TEXT:
                    try:
                        messages.append((TEXT, payload.decode("utf-8")))
                    except UnicodeDecodeError:
                        return frame
                    continue
                if opcode == BINARY:
                    messages.append((BINARY, payload))
                    continue
            return frame

    def _gather_header(self) -> tuple[bytes, int]:
        """Reads fed unparsed, joined after the rest of ``_buf`` until a header fits."""
        parts = [self._buf[self._pos:]]
        avail = len(parts[0])
        more = self._more
        while more and avail < _MAX_HEADER:
            piece = more.pop(0)
            parts.append(piece)
            avail += len(piece)
        buf = b"".join(parts)
        self._buf = buf
        self._pos = 0
        return buf, avail

    def _finish_payload(
        self, pieces: list[bytes | memoryview]
    ) -> tuple[int, bool, bool, bytes]:
        extra = self._got - self._need
        end = len(pieces)
        while extra and extra >= len(pieces[end - 1]):  # whole reads past the payload
            end -= 1
            extra -= len(pieces[end])
        after = pieces[end:]
        if extra:
            last = pieces[end - 1]
            cut = len(last) - extra
            self._buf = bytes(memoryview(last)[cut:])
            pieces[end - 1] = memoryview(last)[:cut]
            self._more = [bytes(piece) for piece in after]
        elif after:
            self._buf = bytes(after[0])
            self._more = [bytes(piece) for piece in after[1:]]
        else:
            self._buf = b""
        self._pos = 0
        self._pieces = None
        del pieces[end:]
        payload = bytes(pieces[0]) if len(pieces) == 1 else b"".join(pieces)
        return self._frame(self._opcode, self._fin, self._rsv1, payload)

    def _frame(
        self, opcode: int, fin: bool, rsv1: bool, payload: bytes
    ) -> tuple[int, bool, bool, bytes]:
        if opcode < 8:
            if fin:
                self._in_message = False
                self._message_size = 0
            else:
                self._in_message = True
        return (opcode, fin, rsv1, payload)

    def _check_header(self, first: int, second: int, opcode: int, fin: bool, rsv1: bool) -> None:
        """RFC 6455 §5.2-§5.5 on the first two bytes of a frame."""
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
            return
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

    def _fail(self, code: int, reason: str) -> None:
        self._error = WebSocketProtocolError(code, reason)
        raise self._error


# Well-formed UTF-8 (Unicode Table 3-7): for each lead byte, the number of continuation bytes
# and the range of the first one (the others are 80..BF).
def _lead(byte: int) -> tuple[int, int, int]:
    """(continuation bytes, lowest, highest first continuation byte); (-1, 0, 0): invalid."""
    if byte < 0x80:
        return (0, 0, 0)
    if 0xC2 <= byte <= 0xDF:
        return (1, 0x80, 0xBF)
    if byte == 0xE0:
        return (2, 0xA0, 0xBF)
    if byte == 0xED:
        return (2, 0x80, 0x9F)
    if 0xE1 <= byte <= 0xEF:
        return (2, 0x80, 0xBF)
    if byte == 0xF0:
        return (3, 0x90, 0xBF)
    if 0xF1 <= byte <= 0xF3:
        return (3, 0x80, 0xBF)
    if byte == 0xF4:
        return (3, 0x80, 0x8F)
    return (-1, 0, 0)


_utf_8_decode = codecs.utf_8_decode


class Utf8Validator:
    """Incremental UTF-8 validation: ``feed(data)`` returns False from the first byte that
    cannot continue well-formed UTF-8 on (and stays False); ``complete`` says whether the
    bytes so far end on a character boundary (a message must, when it ends).

    The twin decodes the complete characters of each piece with the codec (C speed) and walks
    only the 1-3 bytes of a character split between pieces itself."""

    __slots__ = ("_need", "_low", "_high", "_valid")

    def __init__(self) -> None:
        self._need = 0  # continuation bytes still expected
        self._low = 0x80  # range of the next continuation byte
        self._high = 0xBF
        self._valid = True

    @property
    def complete(self) -> bool:
        return self._valid and self._need == 0

    @property
    def valid(self) -> bool:
        return self._valid

    def feed(self, data: bytes) -> bool:
        if type(data) is not bytes:
            raise TypeError(f"feed() takes bytes, not {type(data).__name__}")
        if not self._valid:
            return False
        size = len(data)
        pos = 0
        while self._need and pos < size:  # finish the character split by the last piece
            if not self._low <= data[pos] <= self._high:
                self._valid = False
                return False
            self._need -= 1
            self._low = 0x80
            self._high = 0xBF
            pos += 1
        if pos == size:
            return True
        # Where the last character starts: it may be cut by the end of this piece.
        cut = size
        for index in range(size - 1, max(pos, size - 4) - 1, -1):
            byte = data[index]
            if byte & 0xC0 != 0x80:  # not a continuation byte: the last lead byte
                if _lead(byte)[0] >= size - index:
                    cut = index
                break
        if cut > pos:
            try:
                _utf_8_decode(memoryview(data)[pos:cut], "strict", True)
            except UnicodeDecodeError:
                self._valid = False
                return False
        if cut < size:
            need, low, high = _lead(data[cut])
            for byte in data[cut + 1:]:
                if not low <= byte <= high:
                    self._valid = False
                    return False
                need -= 1
                low = 0x80
                high = 0xBF
            self._need = need
            self._low = low
            self._high = high
        return True
