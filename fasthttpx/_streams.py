"""HTTPX's public stream types, and the in-memory response bodies the transports hand over.

``SyncByteStream`` / ``AsyncByteStream`` are the base classes HTTPX code subclasses to give a
request or response body as an iterator with a ``close``. ``ByteStream`` is a fixed body that
is both: a view over the bytes it is given (never a copy), iterable any number of times. A
request keeps a body given as bytes as those bytes (what the connections write whole) and
makes the ``ByteStream`` only when someone asks for ``request.stream``.

``MemoryBody`` is what ``ASGITransport`` and ``WSGITransport`` give a response: a body already
complete in memory, behind the same interface a connection's body stream has (``take_complete``
/ ``read_all`` / iteration / close, sync and async), so that ``Response.read()`` decodes its
``Content-Encoding`` exactly as for a body read off the network.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from ._exceptions import StreamClosed

__all__ = [
    "SyncByteStream", "AsyncByteStream", "ByteStream", "MemoryBody", "AsyncMemoryBody",
    "UnattachedStream", "TransportBody", "AsyncTransportBody",
]


class SyncByteStream:
    """Base class of a sync body: iterate for the bytes, ``close()`` when done."""

    __slots__ = ()

    def __iter__(self) -> Iterator[bytes]:
        raise NotImplementedError("The '__iter__' method must be implemented.")  # noqa: EM101
        yield b""  # pragma: no cover

    def close(self) -> None:
        """Release what the stream holds; nothing by default."""


class AsyncByteStream:
    """Base class of an async body: ``async for`` the bytes, ``await aclose()`` when done."""

    __slots__ = ()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        raise NotImplementedError("The '__aiter__' method must be implemented.")  # noqa: EM101
        yield b""  # pragma: no cover

    async def aclose(self) -> None:
        """Release what the stream holds; nothing by default."""


class ByteStream(SyncByteStream, AsyncByteStream):
    """A fixed body, iterable (sync or async) as one piece, as often as asked; ``bytes()``
    of it gives the bytes back (the same object)."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __bytes__(self) -> bytes:
        return self._data

    def __iter__(self) -> Iterator[bytes]:
        if self._data:
            yield self._data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._data:
            yield self._data

    def __repr__(self) -> str:
        return f"<ByteStream [{len(self._data)} bytes]>"


class UnattachedStream(SyncByteStream, AsyncByteStream):
    """Stands for a streamed body after pickling: reading it raises ``StreamClosed``."""

    __slots__ = ()

    def __iter__(self) -> Iterator[bytes]:
        raise StreamClosed()
        yield b""  # pragma: no cover

    async def __aiter__(self) -> AsyncIterator[bytes]:
        raise StreamClosed()
        yield b""  # pragma: no cover


class TransportBody:
    """Base of the body streams a sync connection or transport hands a response: the
    response's seed spellings (``read()``, ``stream()``, ``raw()``, ``close()``) are plain."""

    __slots__ = ()
    seed_awaited = False


class AsyncTransportBody:
    """Base of the body streams an async connection or transport hands a response (the
    generated sync I/O shell names ``TransportBody`` instead): the seed spellings are
    awaited, as an ``AsyncClient``'s response's are."""

    __slots__ = ()
    seed_awaited = True


class _InMemory:
    """A response body already in memory, readable once like a connection's body stream
    (its ``take_complete`` always has the whole body, so it is never read by pieces)."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data

    def take_complete(self) -> bytes | None:
        data, self._data = self._data, None
        return data if data is not None else b""


class MemoryBody(_InMemory):
    """In memory, readable both ways (sync and async), as HTTPX's ``ByteStream``."""

    __slots__ = ()

    def read_all(self) -> bytes:
        return self.take_complete() or b""

    def __iter__(self) -> Iterator[bytes]:
        data = self.take_complete()
        if data:
            yield data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        data = self.take_complete()
        if data:
            yield data

    def close(self) -> None:
        self._data = None

    async def aclose(self) -> None:
        self._data = None


class AsyncMemoryBody(_InMemory, AsyncTransportBody):
    """In memory, read async only: what an async transport (``ASGITransport``) hands
    over, so that the response's seed spellings are awaited."""

    __slots__ = ()

    async def read_all(self) -> bytes:
        return self.take_complete() or b""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        data = self.take_complete()
        if data:
            yield data

    async def aclose(self) -> None:
        self._data = None
