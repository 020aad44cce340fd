"""Raw HTTP/2 frames written by hand, for servers that misbehave on purpose (RFC 9113 §4.1:
9-byte header, then the payload), and the server side of a connection as bytes.

Field blocks are HPACK-encoded by the ``hpack`` package (independent of both our twins)."""

from __future__ import annotations

import struct

import hpack

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)
END_STREAM = ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(kind: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack(">I", stream_id) + payload


def settings(*pairs: tuple[int, int], ack: bool = False) -> bytes:
    return frame(SETTINGS, ACK if ack else 0, 0,
                 b"".join(struct.pack(">HI", key, value) for key, value in pairs))


def window_update(stream_id: int, increment: int) -> bytes:
    return frame(WINDOW_UPDATE, 0, stream_id, struct.pack(">I", increment))


def rst_stream(stream_id: int, code: int) -> bytes:
    return frame(RST_STREAM, 0, stream_id, struct.pack(">I", code))


def ping(data: bytes = b"12345678", ack: bool = False) -> bytes:
    return frame(PING, ACK if ack else 0, 0, data)


def goaway(last_stream_id: int, code: int = 0, debug: bytes = b"") -> bytes:
    return frame(GOAWAY, 0, 0, struct.pack(">II", last_stream_id, code) + debug)


def data(stream_id: int, payload: bytes, end_stream: bool = False, pad: int | None = None) -> bytes:
    flags = END_STREAM if end_stream else 0
    if pad is not None:
        return frame(DATA, flags | PADDED, stream_id, bytes([pad]) + payload + b"\0" * pad)
    return frame(DATA, flags, stream_id, payload)


def headers(
    encoder: hpack.Encoder, stream_id: int, fields: list[tuple[bytes, bytes]],
    end_stream: bool = False, pieces: int = 1, pad: int | None = None, priority: bool = False,
) -> bytes:
    """HEADERS (with optional padding and priority) and ``pieces - 1`` CONTINUATION frames."""
    block = encoder.encode(fields)
    step = max(1, -(-len(block) // pieces))
    chunks = [block[i:i + step] for i in range(0, len(block), step)] or [b""]
    flags = END_STREAM if end_stream else 0
    if len(chunks) == 1:
        flags |= END_HEADERS
    first = chunks[0]
    if priority:
        flags |= PRIORITY_FLAG
        first = struct.pack(">IB", 0, 15) + first
    if pad is not None:
        flags |= PADDED
        first = bytes([pad]) + first + b"\0" * pad
    out = [frame(HEADERS, flags, stream_id, first)]
    for index, chunk in enumerate(chunks[1:], 2):
        out.append(frame(CONTINUATION, END_HEADERS if index == len(chunks) else 0, stream_id,
                         chunk))
    return b"".join(out)


def parse_frames(raw: bytes) -> list[tuple[int, int, int, bytes]]:
    """(type, flags, stream id, payload) of every complete frame in ``raw``."""
    out = []
    position = 0
    while len(raw) - position >= 9:
        length = int.from_bytes(raw[position:position + 3], "big")
        if len(raw) - position - 9 < length:
            break
        kind, flags = raw[position + 3], raw[position + 4]
        stream_id = int.from_bytes(raw[position + 5:position + 9], "big") & 0x7FFFFFFF
        out.append((kind, flags, stream_id, raw[position + 9:position + 9 + length]))
        position += 9 + length
    return out


def goaway_code(raw: bytes) -> int | None:
    """The error code of the first GOAWAY in the client's bytes (preface skipped)."""
    if raw.startswith(PREFACE):
        raw = raw[len(PREFACE):]
    for kind, _flags, _stream_id, payload in parse_frames(raw):
        if kind == GOAWAY:
            return int.from_bytes(payload[4:8], "big")
    return None
