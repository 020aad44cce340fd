"""Incremental decoders for response bodies: content codings, text, and lines.

Content codings (RFC 9110 §8.4.1): each decoder takes the body in pieces as they arrive
(``decode(bytes) -> bytes``) and ``flush()`` returns whatever is left, so nothing buffers the
whole body. ``Content-Encoding: gzip, br`` lists codings in the order they were applied, so
``MultiDecoder`` undoes them in reverse (§8.4). Unknown codings are left alone, as HTTPX does.
br and zstd are offered only when ``brotli``/``brotlicffi`` and ``zstandard`` import.
Any decompression failure raises ``DecodingError`` with the library's error chained.

``decode_pieces(data, max_length)`` is the bounded form of ``decode`` that a response with
``max_body_size``/``max_decompression_ratio`` uses (``_body_limits.py``): it yields the output
in pieces of at most about ``max_length`` bytes, so the caller can check its limits after each
piece, before the next is made. gzip/deflate use zlib's ``max_length`` (a small input cannot
expand unbounded in one call); br uses ``brotli``'s ``output_buffer_limit`` when it has one
(brotli >= 1.2), else the input is fed in small slices; zstd (``zstandard``'s decompressobj
has no output limit) is fed in slices of ``_ZSTD_SLICE`` bytes, so one call makes at most
about 4 MiB (a zstd block is at most 128 KiB decoded from a few bytes).

``TextDecoder`` turns bytes into str incrementally (a multi-byte character split across two
pieces is kept for the next one); ``LineDecoder`` splits text on ``\\n``, ``\\r\\n`` and ``\\r``,
including a ``\\r\\n`` split across two pieces.
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from ._exceptions import DecodingError

if TYPE_CHECKING:
    from ._models import Headers

__all__ = [
    "ContentDecoder", "IdentityDecoder", "GZipDecoder", "DeflateDecoder", "BrotliDecoder",
    "ZStandardDecoder", "MultiDecoder", "SUPPORTED_ENCODINGS", "accept_encoding_value",
    "decoder_for_headers", "TextDecoder", "LineDecoder", "ByteChunker", "TextChunker",
]

_brotli: Any
try:
    import brotli

    _brotli = brotli
except ImportError:  # pragma: no cover - depends on the environment
    try:
        import brotlicffi

        _brotli = brotlicffi
    except ImportError:
        _brotli = None

_zstd: Any
try:
    import zstandard as _zstd
except ImportError:  # pragma: no cover - depends on the environment
    _zstd = None


#: zstd input fed per call by ``decode_pieces``: a run-length block of 4 bytes can decode to
#: 128 KiB, so 128 bytes of input make at most ~4 MiB of output in one call.
_ZSTD_SLICE = 128
#: The same for brotli without ``output_buffer_limit`` (brotlicffi, older brotli).
_BROTLI_SLICE = 128


class ContentDecoder(Protocol):
    def decode(self, data: bytes) -> bytes: ...

    def decode_pieces(self, data: bytes, max_length: int) -> Iterator[bytes]: ...

    def flush(self) -> bytes: ...


class IdentityDecoder:
    """No content coding: bytes pass through."""

    __slots__ = ()

    def decode(self, data: bytes) -> bytes:
        return data

    def decode_pieces(self, data: bytes, max_length: int) -> Iterator[bytes]:
        for start in range(0, len(data), max_length):
            yield data[start:start + max_length]

    def flush(self) -> bytes:
        return b""


class GZipDecoder:
    """gzip (RFC 1952), including bodies made of several concatenated gzip members."""

    __slots__ = ("_obj",)

    def __init__(self) -> None:
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16)

    def decode(self, data: bytes) -> bytes:
        out = []
        try:
            while data:
                out.append(self._obj.decompress(data))
                if not self._obj.eof:
                    break
                data = self._obj.unused_data
                if data:
                    self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16)
        except zlib.error as exc:
            raise DecodingError(f"Invalid gzip data: {exc}") from exc
        return b"".join(out)

    def decode_pieces(self, data: bytes, max_length: int) -> Iterator[bytes]:
        try:
            while True:
                obj = self._obj
                out = obj.decompress(data, max_length)
                if out:
                    yield out
                if obj.eof:
                    data = obj.unused_data
                    if not data:
                        return
                    self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16)
                    continue
                data = obj.unconsumed_tail
                if not data and len(out) < max_length:
                    return
        except zlib.error as exc:
            raise DecodingError(f"Invalid gzip data: {exc}") from exc

    def flush(self) -> bytes:
        try:
            return self._obj.flush()
        except zlib.error as exc:  # pragma: no cover - zlib flush rarely fails
            raise DecodingError(f"Invalid gzip data: {exc}") from exc


class DeflateDecoder:
    """deflate: the zlib format (RFC 1950) or, as some servers send, raw deflate (RFC 1951).

    Which one is decided from the first two bytes (a zlib header: compression method 8, a
    window of at most 32 KiB, and a check value making the pair a multiple of 31, §2.2),
    however the body is split: a first piece of one byte waits for the second."""

    __slots__ = ("_obj", "_head")

    def __init__(self) -> None:
        self._obj: Any = None  # decided by the first two bytes
        self._head = b""

    def _start(self, data: bytes) -> bytes:
        """``data`` with any held first byte in front, once the format is known; b"" (and
        the byte held) while fewer than two bytes have arrived."""
        data = self._head + data
        if len(data) < 2:
            self._head = data
            return b""
        self._head = b""
        cmf, flg = data[0], data[1]
        is_zlib = cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0
        self._obj = zlib.decompressobj() if is_zlib else zlib.decompressobj(-zlib.MAX_WBITS)
        return data

    def decode(self, data: bytes) -> bytes:
        if self._obj is None:
            data = self._start(data)
            if self._obj is None:
                return b""
        try:
            return bytes(self._obj.decompress(data))
        except zlib.error as exc:
            raise DecodingError(f"Invalid deflate data: {exc}") from exc

    def decode_pieces(self, data: bytes, max_length: int) -> Iterator[bytes]:
        if self._obj is None:
            data = self._start(data)
            if self._obj is None:
                return
        while True:
            try:
                out = self._obj.decompress(data, max_length)
            except zlib.error as exc:
                raise DecodingError(f"Invalid deflate data: {exc}") from exc
            if out:
                yield out
            data = self._obj.unconsumed_tail
            if self._obj.eof or (not data and len(out) < max_length):
                return

    def flush(self) -> bytes:
        if self._obj is None:
            if not self._head:
                return b""  # no body at all
            raise DecodingError("Invalid deflate data: a body of one byte")
        try:
            return bytes(self._obj.flush())
        except zlib.error as exc:  # pragma: no cover
            raise DecodingError(f"Invalid deflate data: {exc}") from exc


class BrotliDecoder:
    """br (RFC 7932), with ``brotli`` or ``brotlicffi``."""

    __slots__ = ("_obj", "_decompress", "_seen")

    def __init__(self) -> None:
        if _brotli is None:  # pragma: no cover
            raise ImportError("brotli decoding needs 'brotli' or 'brotlicffi' installed")
        self._obj = _brotli.Decompressor()
        self._decompress: Callable[[bytes], bytes] = (
            self._obj.process if hasattr(self._obj, "process") else self._obj.decompress
        )
        self._seen = False

    def decode(self, data: bytes) -> bytes:
        if not data:
            return b""
        self._seen = True
        try:
            return self._decompress(data)
        except Exception as exc:  # brotli.error / brotlicffi.Error
            raise DecodingError(f"Invalid brotli data: {exc}") from exc

    def decode_pieces(self, data: bytes, max_length: int) -> Iterator[bytes]:
        if not data:
            return
        self._seen = True
        obj = self._obj
        try:
            if hasattr(obj, "can_accept_more_data"):  # brotli >= 1.2: a real output limit
                # Output stops at about the limit; what is left comes from calls with no
                # input, until one makes nothing and the decoder takes input again.
                out = obj.process(data, output_buffer_limit=max_length)
                while out or not obj.can_accept_more_data():
                    if out:
                        yield out
                    out = obj.process(b"", output_buffer_limit=max_length)
                return
            for start in range(0, len(data), _BROTLI_SLICE):
                out = self._decompress(data[start:start + _BROTLI_SLICE])
                if out:
                    yield out
        except Exception as exc:  # brotli.error / brotlicffi.Error
            raise DecodingError(f"Invalid brotli data: {exc}") from exc

    def flush(self) -> bytes:
        if not self._seen:
            return b""
        try:
            finish = getattr(self._obj, "finish", None)
            if finish is not None:  # brotlicffi checks completeness here
                finish()
            elif hasattr(self._obj, "is_finished") and not self._obj.is_finished():
                raise DecodingError("Incomplete brotli data")
        except DecodingError:
            raise
        except Exception as exc:
            raise DecodingError(f"Invalid brotli data: {exc}") from exc
        return b""


class ZStandardDecoder:
    """zstd (RFC 8878), with ``zstandard``; several concatenated frames are accepted."""

    __slots__ = ("_dctx", "_obj", "_seen")

    def __init__(self) -> None:
        if _zstd is None:  # pragma: no cover
            raise ImportError("zstd decoding needs 'zstandard' installed")
        self._dctx = _zstd.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()
        self._seen = False

    def decode(self, data: bytes) -> bytes:
        if data:
            self._seen = True
        out = []
        try:
            while data:
                if self._obj.eof:  # a frame ended with the previous piece: a new one starts
                    self._obj = self._dctx.decompressobj()
                out.append(self._obj.decompress(data))
                if not self._obj.eof:
                    break
                data = self._obj.unused_data
        except _zstd.ZstdError as exc:
            raise DecodingError(f"Invalid zstd data: {exc}") from exc
        return b"".join(out)

    def decode_pieces(self, data: bytes, max_length: int) -> Iterator[bytes]:
        for start in range(0, len(data), _ZSTD_SLICE):
            out = self.decode(data[start:start + _ZSTD_SLICE])
            if out:
                yield out

    def flush(self) -> bytes:
        if not self._seen:
            return b""
        if not self._obj.eof:
            raise DecodingError("Incomplete zstd data")
        return b""


class MultiDecoder:
    """Several codings: undone last-applied first (RFC 9110 §8.4)."""

    __slots__ = ("_children",)

    def __init__(self, children: list[ContentDecoder]) -> None:
        self._children = list(reversed(children))

    def decode(self, data: bytes) -> bytes:
        for child in self._children:
            data = child.decode(data)
        return data

    def decode_pieces(self, data: bytes, max_length: int) -> Iterator[bytes]:
        return self._pieces_from(0, data, max_length)

    def _pieces_from(self, index: int, data: bytes, max_length: int) -> Iterator[bytes]:
        children = self._children
        for piece in children[index].decode_pieces(data, max_length):
            if index + 1 == len(children):
                yield piece
            else:
                yield from self._pieces_from(index + 1, piece, max_length)

    def flush(self) -> bytes:
        data = b""
        for child in self._children:
            data = child.decode(data) + child.flush()
        return data


SUPPORTED_ENCODINGS: dict[str, Callable[[], ContentDecoder]] = {
    "identity": IdentityDecoder,
    "gzip": GZipDecoder,
    "x-gzip": GZipDecoder,
    "deflate": DeflateDecoder,
}
if _brotli is not None:
    SUPPORTED_ENCODINGS["br"] = BrotliDecoder
if _zstd is not None:
    SUPPORTED_ENCODINGS["zstd"] = ZStandardDecoder

_ACCEPT_ENCODING = ", ".join(
    name for name in ("gzip", "deflate", "br", "zstd") if name in SUPPORTED_ENCODINGS
)


def accept_encoding_value() -> str:
    """The ``Accept-Encoding`` value for what this installation can decode."""
    return _ACCEPT_ENCODING


def decoder_for_codings(codings: list[str]) -> ContentDecoder:
    """A decoder for a list of coding names as they appear in Content-Encoding."""
    decoders = []
    for name in codings:
        factory = SUPPORTED_ENCODINGS.get(name.strip().lower())
        if factory is not None and factory is not IdentityDecoder:
            decoders.append(factory())
    if not decoders:
        return IdentityDecoder()
    if len(decoders) == 1:
        return decoders[0]
    return MultiDecoder(decoders)


def decoder_for_headers(headers: Headers) -> ContentDecoder:
    """The decoder that undoes a response's ``Content-Encoding`` (identity when absent)."""
    if "content-encoding" not in headers:
        return IdentityDecoder()
    return decoder_for_codings(headers.get_list("content-encoding", split_commas=True))


class TextDecoder:
    """Incremental bytes → str with ``errors="replace"``."""

    __slots__ = ("_decoder",)

    def __init__(self, encoding: str = "utf-8") -> None:
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")

    def decode(self, data: bytes) -> str:
        return self._decoder.decode(data)

    def flush(self) -> str:
        return self._decoder.decode(b"", True)


class ByteChunker:
    """Re-cut a stream of byte pieces into pieces of exactly ``chunk_size`` bytes (the last
    may be shorter), whatever sizes arrive; with no ``chunk_size``, pass non-empty pieces on."""

    __slots__ = ("_size", "_pending")

    def __init__(self, chunk_size: int | None = None) -> None:
        self._size = chunk_size
        self._pending = b""

    def decode(self, data: bytes) -> list[bytes]:
        size = self._size
        if not size:
            return [data] if data else []
        if self._pending:
            data = self._pending + data
        end = len(data) - len(data) % size
        self._pending = data[end:]
        return [data[start:start + size] for start in range(0, end, size)]

    def flush(self) -> list[bytes]:
        pending, self._pending = self._pending, b""
        return [pending] if pending else []


class TextChunker:
    """``ByteChunker`` for text: pieces of exactly ``chunk_size`` characters."""

    __slots__ = ("_size", "_pending")

    def __init__(self, chunk_size: int | None = None) -> None:
        self._size = chunk_size
        self._pending = ""

    def decode(self, text: str) -> list[str]:
        size = self._size
        if not size:
            return [text] if text else []
        if self._pending:
            text = self._pending + text
        end = len(text) - len(text) % size
        self._pending = text[end:]
        return [text[start:start + size] for start in range(0, end, size)]

    def flush(self) -> list[str]:
        pending, self._pending = self._pending, ""
        return [pending] if pending else []


class LineDecoder:
    """Incremental text → lines, splitting on ``\\n``, ``\\r\\n`` and ``\\r`` (ends dropped)."""

    __slots__ = ("_buffer", "_trailing_cr")

    def __init__(self) -> None:
        self._buffer: list[str] = []
        self._trailing_cr = False

    def decode(self, text: str) -> list[str]:
        if self._trailing_cr:
            text = "\r" + text
            self._trailing_cr = False
        if text.endswith("\r"):
            # Might be the first half of "\r\n": decide when the next piece comes.
            self._trailing_cr = True
            text = text[:-1]
        if not text:
            return []
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\n" not in text:
            self._buffer.append(text)
            return []
        lines = text.split("\n")
        if self._buffer:
            self._buffer.append(lines[0])
            lines[0] = "".join(self._buffer)
            self._buffer = []
        last = lines.pop()
        if last:
            self._buffer.append(last)
        return lines

    def flush(self) -> list[str]:
        if not self._buffer and not self._trailing_cr:
            return []
        line = "".join(self._buffer)
        self._buffer = []
        self._trailing_cr = False
        return [line]
