"""Interface of the WebSocket frame codec (RFC 6455 §5), shared by `_websocket.pyx` and
`_websocket_py.py`.

Contract (both twins, byte for byte and error for error):

* ``mask(data, key)``: ``data`` XOR the 4-byte ``key`` repeated (masking and unmasking are the
  same operation); both must be ``bytes`` (``TypeError``), the key 4 bytes (``ValueError``).
* ``FrameWriter().frame(opcode, payload, rsv1=False)``: one final, masked client frame
  (RFC 6455 §5.2) with a fresh key from the system CSPRNG; ``frame_text(str)`` is the text
  frame of its UTF-8 (``UnicodeEncodeError`` for lone surrogates); ``frame_with_key`` takes the FIN
  bit and the key (for tests). The payload length picks the 7-bit, 16-bit or 64-bit form.
  ``frame_pieces(opcode, payload, rsv1=False, piece_size=65536)`` (``payload`` bytes, or a
  str for its UTF-8) iterates over the same frame's bytes: the header and key with the first
  ``piece_size`` payload bytes, then ``piece_size`` masked bytes at a time (each masked when
  it is asked for); ``pieces_with_key`` takes the FIN bit and the key. ``piece_size`` is a
  positive multiple of 4 (``ValueError``).
* ``FrameReader(max_message_size, allow_rsv1=False)``: ``feed(bytes)`` buffers;
  ``next_frame()`` returns ``(opcode, fin, rsv1, payload)`` per complete frame, or None when
  more bytes are needed. As soon as a frame's header is complete it raises
  ``WebSocketProtocolError`` with ``code`` 1002 for: RSV2/RSV3 set; RSV1 set unless
  ``allow_rsv1`` (and never on control or continuation frames); a masked frame; an unknown
  opcode; a control frame fragmented or over 125 bytes; a continuation outside a fragmented
  message or a new data frame inside one; a 64-bit length with its top bit set; and with
  ``code`` 1009 when the data frames of one message add up to more than
  ``max_message_size`` payload bytes (checked before the payload is buffered). After an
  error every ``next_frame()`` raises the same error. ``pending``: part of a frame is held;
  ``in_message``: a fragmented message has begun and not ended.
* ``take_messages(data, messages)``: ``feed(data)``, then every message that is one final,
  uncompressed frame is appended to ``messages`` as ``(1, str)`` or ``(2, bytes)``; returns
  the first other frame (control, fragment, compressed, or text that is not valid UTF-8)
  as ``next_frame`` would, or None once the bytes run out.
* ``Utf8Validator()``: ``feed(bytes)`` returns False from the first byte that cannot continue
  well-formed UTF-8 (Unicode Table 3-7: no overlongs, surrogates or code points past
  U+10FFFF) and False ever after; ``complete``: valid and on a character boundary.
"""

from collections import deque
from collections.abc import Iterator

class FrameWriter:
    def __init__(self) -> None: ...
    def frame(self, opcode: int, payload: bytes, rsv1: bool = False) -> bytes: ...
    def frame_text(self, text: str) -> bytes: ...
    def frame_with_key(
        self, opcode: int, payload: bytes, fin: bool, rsv1: bool, key: bytes
    ) -> bytes: ...
    def frame_pieces(
        self, opcode: int, payload: bytes | str, rsv1: bool = False, piece_size: int = 65536
    ) -> Iterator[bytes]: ...
    def pieces_with_key(
        self, opcode: int, payload: bytes | str, fin: bool, rsv1: bool, key: bytes,
        piece_size: int = 65536,
    ) -> Iterator[bytes]: ...

class FrameReader:
    def __init__(self, max_message_size: int, allow_rsv1: bool = False) -> None: ...
    @property
    def pending(self) -> bool: ...
    @property
    def in_message(self) -> bool: ...
    def feed(self, data: bytes) -> None: ...
    def next_frame(self) -> tuple[int, bool, bool, bytes] | None: ...
    def take_messages(
        self, data: bytes, messages: deque[tuple[int, str | bytes]]
    ) -> tuple[int, bool, bool, bytes] | None: ...

class Utf8Validator:
    def __init__(self) -> None: ...
    @property
    def complete(self) -> bool: ...
    @property
    def valid(self) -> bool: ...
    def feed(self, data: bytes) -> bool: ...

def mask(data: bytes, key: bytes) -> bytes: ...
