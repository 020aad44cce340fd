"""One WebSocket session's protocol state, after the handshake (RFC 6455 §5-§7, RFC 7692).

No I/O: the session shell (``_async/websocket.py`` and its sync twin) feeds it the bytes it
reads and writes the frames it is handed. The frame codec (compiled core or its twin,
``_websocket.pyx``/``_websocket_py.py``) parses and masks; this module gives frames their
meaning:

* data frames become messages (fragments joined, compressed messages inflated, text decoded
  and checked as UTF-8, fragment by fragment) queued in ``messages`` as ``(opcode, data)``;
* a ping is answered with a pong (queued in ``outgoing``), a pong answers our pings;
* a close frame ends the session: we answer it (echoing its code) and every later receive
  raises ``WebSocketDisconnect`` with its code and reason, after the messages that came before
  it; our own ``close()`` ends it at once for receivers;
* a protocol violation ends it with a close frame carrying 1002 (protocol error), 1007
  (invalid data) or 1009 (message too big), and ``WebSocketProtocolError`` for receivers.

``ended`` is the error every receive raises from then on (None while the session is open).
"""

from __future__ import annotations

import os
import zlib
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ._exceptions import (
    WebSocketDisconnect,
    WebSocketError,
    WebSocketNetworkError,
    WebSocketProtocolError,
)
from ._implementation import FrameReader, FrameWriter, Utf8Validator

if TYPE_CHECKING:
    from ._websocket_handshake import DeflateParameters

__all__ = ["WebSocketState", "TEXT", "BINARY", "CLOSE", "PING", "PONG", "NORMAL_CLOSURES"]

CONTINUATION = 0x0
TEXT = 0x1
BINARY = 0x2
CLOSE = 0x8
PING = 0x9
PONG = 0xA

PROTOCOL_ERROR = 1002
INVALID_DATA = 1007
MESSAGE_TOO_BIG = 1009
NO_STATUS = 1005  # a close frame without a code (never sent on the wire, RFC 6455 §7.4.1)

#: Close codes that end a session normally (``async for`` stops on them instead of raising).
NORMAL_CLOSURES = frozenset((1000, 1001, NO_STATUS))

#: Messages shorter than this are sent uncompressed even when permessage-deflate was agreed:
#: deflate's own framing would make them longer, and compressing them costs more than it saves.
COMPRESSION_THRESHOLD = 128
#: Messages from this size leave as one frame written in pieces (``FrameWriter.frame_pieces``):
#: no frame-sized buffer is built and freed per message, which with glibc's allocator can cost
#: a page fault per 4 KiB (a megabyte message took ~1,400 faults per echo in some processes).
SEND_IN_PIECES = 128 * 1024

_DEFLATE_TAIL = b"\x00\x00\xff\xff"  # RFC 7692 §7.2.2: removed by the sender, appended back


def _valid_close_code(code: int) -> bool:
    """Codes an endpoint may send (RFC 6455 §7.4.1-§7.4.2, and 1012-1014 registered since)."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


def close_payload(code: int, reason: str) -> bytes:
    """The payload of our close frame: the code, then the reason in UTF-8 (RFC 6455
    §5.5.1). ``ValueError`` for a code an endpoint may not send or a reason over 123 bytes."""
    if not _valid_close_code(code):
        raise ValueError(f"invalid close code {code}")
    encoded = reason.encode("utf-8")
    if len(encoded) > 123:
        raise ValueError("a close reason is at most 123 bytes in UTF-8")
    return code.to_bytes(2, "big") + encoded


def _failure_payload(code: int, reason: str) -> bytes:
    """A close payload for ``reason`` cut to 123 bytes of UTF-8 (at a character boundary)."""
    encoded = reason.encode("utf-8")[:123]
    return code.to_bytes(2, "big") + encoded.decode("utf-8", "ignore").encode("utf-8")


class WebSocketState:
    """The protocol state of one session (see the module docstring).

    ``max_message_size``: bytes of one received message (after inflating);
    ``deflate``: what the server agreed to for permessage-deflate, or None."""

    __slots__ = (
        "reader", "writer", "messages", "outgoing", "ended", "close_sent", "close_received",
        "_max_size", "_fragments", "_fragment_opcode", "_fragment_compressed",
        "_fragment_size", "_validator", "_deflate", "_inflater", "_deflater",
        "_ping_count", "_pings", "pongs_answered", "_reading_done", "compressing",
    )

    def __init__(self, max_message_size: int, deflate: DeflateParameters | None = None) -> None:
        self._max_size = max_message_size
        # Compressed, a message may be a little larger than inflated (incompressible data):
        # the frame reader's own bound leaves room for that, the inflater enforces the limit.
        wire_limit = max_message_size if deflate is None else \
            max_message_size + max_message_size // 100 + 1024
        self.reader = FrameReader(wire_limit, deflate is not None)
        self.writer = FrameWriter()
        #: Received messages not yet taken: ``(TEXT, str)`` or ``(BINARY, bytes)``.
        self.messages: deque[tuple[int, str | bytes]] = deque()
        #: Frames to send now (pongs, the answer to a close, our close after an error).
        self.outgoing: list[bytes] = []
        self.ended: WebSocketError | None = None
        self._reading_done = False  # a close frame arrived, or the server broke the protocol
        self.close_sent = False
        self.close_received: tuple[int, str] | None = None
        self._fragments: list[bytes] = []
        self._fragment_opcode = 0
        self._fragment_compressed = False
        self._fragment_size = 0
        self._validator: Utf8Validator | None = None
        self._deflate = deflate
        self._inflater: zlib._Decompress | None = None
        self._deflater: zlib._Compress | None = None
        if deflate is not None:
            self._inflater = zlib.decompressobj(-15)  # any window the server used fits in 15
            bits = deflate.client_max_window_bits or 15
            if bits >= 9:  # zlib cannot deflate with an 8-bit window: send uncompressed
                self._deflater = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -bits)
        #: Outgoing messages may be compressed (else ``writer.frame`` makes every frame).
        self.compressing = self._deflater is not None
        self._ping_count = 0
        self._pings: dict[bytes, int] = {}  # payload of each unanswered ping: its number
        #: Pings answered: a pong answers its ping and every one sent before (RFC 6455 §5.5.3).
        self.pongs_answered = 0

    # -- receiving -----------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Bytes read from the connection: parse every complete frame in them."""
        if self._reading_done:
            return
        reader = self.reader
        try:
            if self.close_sent:  # we closed: data still in flight is dropped (RFC 6455 §1.4)
                reader.feed(data)
                while not self._reading_done:
                    frame = reader.next_frame()
                    if frame is None:
                        return
                    if frame[0] >= CLOSE:
                        self._on_frame(*frame)
                return
            # Whole messages in single frames go straight to ``messages`` (the compiled
            # reader decodes text from the read itself); the rest comes back one by one.
            frame = reader.take_messages(data, self.messages)
        except WebSocketProtocolError as exc:  # from the frame reader
            self._fail(exc.code, exc.reason)
            return
        if frame is not None:
            self.receive_frame(frame)

    def receive_frame(self, frame: tuple[int, bool, bool, bytes]) -> None:
        """A frame ``reader.take_messages`` handed back (the session's inline read calls the
        reader itself while the session is open), then the rest of what was fed."""
        reader = self.reader
        following: tuple[int, bool, bool, bytes] | None = frame
        try:
            while following is not None:
                self._on_frame(*following)
                if self._reading_done:
                    return
                following = reader.take_messages(b"", self.messages)
        except WebSocketProtocolError as exc:
            self._fail(exc.code, exc.reason)

    def protocol_error(self, error: WebSocketProtocolError) -> None:
        """The frame reader found a violation (raised to a caller of the reader)."""
        self._fail(error.code, error.reason)

    def receive_eof(self) -> None:
        """The server closed the connection."""
        if self._reading_done:
            return
        self._reading_done = True
        if self.ended is not None:  # we had closed: the server did not answer in kind
            return
        if self.reader.pending:
            self._fail(PROTOCOL_ERROR, "the connection closed inside a frame (truncated frame)")
        else:
            self.ended = WebSocketNetworkError(
                "the server closed the connection without a WebSocket close frame"
            )

    def connection_lost(self, error: Exception) -> WebSocketError:
        """Reading or writing failed: the session is over (unless it already was)."""
        self._reading_done = True
        if self.ended is None:
            network = WebSocketNetworkError(f"WebSocket connection lost: {error}")
            network.__cause__ = error
            self.ended = network
        return self.ended

    def _on_frame(self, opcode: int, fin: bool, rsv1: bool, payload: bytes) -> None:
        if opcode >= CLOSE:
            if opcode == PING:
                if not self.close_sent:
                    self.outgoing.append(self.writer.frame(PONG, payload))
            elif opcode == PONG:
                number = self._pings.get(payload)
                if number is not None:
                    self.pongs_answered = number
                    self._pings = {p: n for p, n in self._pings.items() if n > number}
            else:
                self._on_close(payload)
            return
        if opcode != CONTINUATION:  # the first frame of a fragmented (or compressed) message
            self._fragment_opcode = opcode
            self._fragment_compressed = rsv1
            self._fragments = []
            self._fragment_size = 0
            self._validator = Utf8Validator() if opcode == TEXT and not rsv1 else None
        if self._fragment_compressed:
            self._fragment_size += len(payload)  # bounded by the frame reader; inflated below
        validator = self._validator
        if validator is not None and not validator.feed(payload):
            self._fail(INVALID_DATA, "invalid UTF-8 in a text message")
            return
        self._fragments.append(payload)
        if not fin:
            return
        fragments = self._fragments
        self._fragments = []
        data = fragments[0] if len(fragments) == 1 else b"".join(fragments)
        if self._fragment_compressed:
            inflated = self._inflate(data)
            if inflated is None:
                return
            data = inflated
        if self._fragment_opcode == TEXT:
            if validator is not None and not validator.complete:
                self._fail(INVALID_DATA, "a text message ends inside a UTF-8 character")
                return
            try:
                self.messages.append((TEXT, data.decode("utf-8")))
            except UnicodeDecodeError:
                self._fail(INVALID_DATA, "invalid UTF-8 in a text message")
        else:
            self.messages.append((BINARY, data))

    def _inflate(self, data: bytes) -> bytes | None:
        """A compressed message's payload inflated (RFC 7692 §7.2.2), within the size limit;
        None when the session failed on it."""
        inflater = self._inflater
        assert inflater is not None and self._deflate is not None
        limit = self._max_size
        try:
            out = inflater.decompress(data + _DEFLATE_TAIL, limit + 1)
        except zlib.error as exc:
            self._fail(PROTOCOL_ERROR, f"a compressed message does not inflate: {exc}")
            return None
        if len(out) > limit or inflater.unconsumed_tail:
            self._fail(MESSAGE_TOO_BIG, f"message inflates to more than {limit} bytes, "
                                        "over the limit")
            return None
        if self._deflate.server_no_context_takeover:
            self._inflater = zlib.decompressobj(-15)
        return out

    def _on_close(self, payload: bytes) -> None:
        if len(payload) == 1:
            self._fail(PROTOCOL_ERROR, "a close frame with a one-byte payload")
            return
        code = NO_STATUS
        reason = ""
        if payload:
            code = int.from_bytes(payload[:2], "big")
            if not _valid_close_code(code):
                self._fail(PROTOCOL_ERROR, f"invalid close code {code}")
                return
            try:
                reason = payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                self._fail(INVALID_DATA, "invalid UTF-8 in a close reason")
                return
        self.close_received = (code, reason)
        self._reading_done = True
        if not self.close_sent:  # answer it, echoing the code (RFC 6455 §5.5.1)
            self.close_sent = True
            self.outgoing.append(
                self.writer.frame(CLOSE, b"" if code == NO_STATUS else code.to_bytes(2, "big"))
            )
        if self.ended is None:
            self.ended = WebSocketDisconnect(code, reason)

    @property
    def reading_done(self) -> bool:
        """No frame will be parsed any more: the server's close frame arrived, the server
        broke the protocol, or the connection ended."""
        return self._reading_done

    def _fail(self, code: int, reason: str) -> None:
        """Fail the WebSocket connection (RFC 6455 §7.1.7) with ``code``."""
        self._reading_done = True
        if self.ended is not None:
            return
        if not self.close_sent:
            self.close_sent = True
            self.outgoing.append(self.writer.frame(CLOSE, _failure_payload(code, reason)))
        self.ended = WebSocketProtocolError(code, reason)

    # -- sending -------------------------------------------------------------------------

    def message_frame(self, opcode: int, payload: bytes) -> bytes | Iterator[bytes]:
        """One message's frame (compressed when that was agreed and pays): its bytes, or an
        iterator of its pieces from ``SEND_IN_PIECES`` bytes."""
        deflater = self._deflater
        compressed = deflater is not None and len(payload) >= COMPRESSION_THRESHOLD
        if compressed:
            assert deflater is not None and self._deflate is not None
            payload = deflater.compress(payload) + deflater.flush(zlib.Z_SYNC_FLUSH)
            if payload.endswith(_DEFLATE_TAIL):
                payload = payload[:-4]
            if self._deflate.client_no_context_takeover:
                bits = self._deflate.client_max_window_bits or 15
                self._deflater = zlib.compressobj(
                    zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -bits
                )
        if len(payload) < SEND_IN_PIECES:
            return self.writer.frame(opcode, payload, compressed)
        return self.writer.frame_pieces(opcode, payload, compressed)

    def ping_frame(self, payload: bytes | None = None) -> tuple[int, bytes]:
        """A ping (with a random payload when none is given) and its number: it is answered
        once ``pongs_answered`` reaches that number."""
        if payload is None or payload in self._pings:
            payload = os.urandom(4)
        if len(payload) > 125:
            raise ValueError("a ping payload is at most 125 bytes")
        self._ping_count += 1
        self._pings[payload] = self._ping_count
        return self._ping_count, self.writer.frame(PING, payload)

    def close_frame(self, payload: bytes) -> bytes:
        """Our close frame (``close_payload``): receivers are told at once."""
        frame = self.writer.frame(CLOSE, payload)
        self.close_sent = True
        self.messages.clear()
        if self.ended is None:
            code = int.from_bytes(payload[:2], "big")
            self.ended = WebSocketDisconnect(code, payload[2:].decode("utf-8"))
        return frame
