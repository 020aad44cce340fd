"""The async reading paths of ``Response`` (``aread``, ``aiter_bytes``, ``aiter_raw``,
``aiter_text``, ``aiter_lines``, ``aclose``), and the body streams a connection hands over.

``fasthttpx.Response`` (``_response.py``) is one class with both kinds of methods, as HTTPX's:
``AsyncBodyReading`` is its async half, written here once; its sync half ``BodyReading`` is
generated from it into ``_sync/body.py``. Each reading method claims the body stream for its
own kind (``__aiter__`` here, ``__iter__`` in the generated twin) and raises HTTPX's
``RuntimeError`` when the stream is of the other kind. A method of this half never calls a
method of the response by a name the other half shares (``close``): it names its own class.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from .._body_limits import BoundedDecoder
from .._decoders import ByteChunker, LineDecoder, TextChunker, TextDecoder
from .._models import BaseResponse
from .._streams import AsyncTransportBody

__all__ = [
    "AsyncBodyReading", "AsyncBodyStream", "AsyncIterableBody", "CompleteBody", "close_iterator",
]


class AsyncBodyStream(Protocol):
    """What a connection hands the response: its body, readable once."""

    def take_complete(self) -> bytes | None:
        """The whole body if it has already arrived (without awaiting; whatever the body
        held is then released), else None."""
    async def read_all(self) -> bytes: ...
    def __aiter__(self) -> AsyncIterator[bytes]: ...
    async def aclose(self) -> None: ...


class AsyncBodyReading(BaseResponse):
    """The async half of ``Response``: reads a body stream that has ``__aiter__``."""

    async def aread(self) -> bytes:
        """Read the whole body, decode it, keep it as ``.content`` and return it."""
        if self._content is None:
            if self._body_limits is not None:  # decoded piece by piece, each one checked
                chunks = [chunk async for chunk in AsyncBodyReading.aiter_bytes(self)]
                self._content = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                return self._content
            stream: AsyncBodyStream = self._claim_stream("__aiter__")
            try:
                raw = stream.take_complete()
                if raw is None:
                    raw = await stream.read_all()
            finally:
                await AsyncBodyReading.aclose(self)
            self._set_content(raw)
        return self._content  # type: ignore[return-value]  # set just above

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """Yield the body decoded from its Content-Encoding, piece by piece as it arrives;
        with ``chunk_size``, in pieces of exactly that many bytes (the last may be shorter)."""
        content = self._content
        if content is not None:
            size = chunk_size or len(content) or 1
            for start in range(0, len(content), size):
                yield content[start:start + size]
            return
        decoder = self._decoder()
        limits = self._body_limits
        chunker = ByteChunker(chunk_size)
        pieces = self.aiter_raw()
        if limits is not None:  # ``_body_limits.py``: bounded output, checked per piece
            bounded = BoundedDecoder(limits, decoder, self._request)
            try:
                async for piece in pieces:
                    for decoded in bounded.decode(piece):
                        for chunk in chunker.decode(decoded):
                            yield chunk
                rest = bounded.flush()
            finally:
                await close_iterator(pieces)
            for chunk in chunker.decode(rest):
                yield chunk
            for chunk in chunker.flush():
                yield chunk
            return
        try:
            async for piece in pieces:
                for chunk in chunker.decode(decoder.decode(piece) if decoder else piece):
                    yield chunk
        finally:
            await close_iterator(pieces)
        if decoder:
            for chunk in chunker.decode(decoder.flush()):
                yield chunk
        for chunk in chunker.flush():
            yield chunk

    async def aiter_raw(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """Yield the body as sent: transfer coding removed, content coding kept; with
        ``chunk_size``, in pieces of exactly that many bytes (the last may be shorter)."""
        body = self._claim_stream("__aiter__").__aiter__()
        chunker = ByteChunker(chunk_size) if chunk_size else None
        try:
            async for piece in body:
                self._num_bytes_downloaded += len(piece)
                if chunker is None:
                    yield piece
                else:
                    for chunk in chunker.decode(piece):
                        yield chunk
        finally:
            await close_iterator(body)
            await AsyncBodyReading.aclose(self)
        if chunker is not None:
            for chunk in chunker.flush():
                yield chunk

    async def aiter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """Yield the body as text, decoded with ``self.encoding``; with ``chunk_size``, in
        pieces of that many characters (the last may be shorter)."""
        decoder = TextDecoder(self.encoding or "utf-8")
        chunker = TextChunker(chunk_size)
        pieces = self.aiter_bytes()
        try:
            async for piece in pieces:
                for text in chunker.decode(decoder.decode(piece)):
                    yield text
        finally:
            await close_iterator(pieces)
        for text in chunker.decode(decoder.flush()):
            yield text
        for text in chunker.flush():
            yield text

    async def aiter_lines(self) -> AsyncIterator[str]:
        """Yield the body as text lines."""
        decoder = LineDecoder()
        texts = self.aiter_text()
        try:
            async for text in texts:
                for line in decoder.decode(text):
                    yield line
        finally:
            await close_iterator(texts)
        for line in decoder.flush():
            yield line

    async def aclose(self) -> None:
        """Release the connection; a body not read to its end closes it."""
        stream = self._stream_to_close("__aiter__")
        if stream is not None:
            await stream.aclose()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *args: object) -> None:
        await AsyncBodyReading.aclose(self)


async def close_iterator(iterator: object) -> None:
    """Close an inner generator at once when the outer one stops early, rather than leaving
    it to the garbage collector (which trio reports as an error)."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


class CompleteBody(AsyncTransportBody):
    """A body that arrived whole with its head: the connection went back to the pool
    already, and reading only joins the pieces."""

    __slots__ = ("_pieces",)

    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = pieces

    def take_complete(self) -> bytes:
        pieces = self._pieces
        self._pieces = []
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    async def read_all(self) -> bytes:
        return self.take_complete()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pieces = self._pieces
        self._pieces = []
        for piece in pieces:
            yield piece

    async def aclose(self) -> None:
        self._pieces = []


class AsyncIterableBody:
    """A body given as an async iterable (``Response(200, content=...)`` or HTTPX's
    ``stream=``): read as it is iterated; closed with it when it has ``aclose``."""

    __slots__ = ("_iterable",)

    def __init__(self, iterable: Any) -> None:
        self._iterable = iterable

    def take_complete(self) -> bytes | None:
        return None

    async def read_all(self) -> bytes:
        return b"".join([piece async for piece in self])

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for piece in self._iterable:
            if piece:
                yield bytes(piece)

    async def aclose(self) -> None:
        await close_iterator(self._iterable)
