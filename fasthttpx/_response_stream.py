"""``response.stream``: HTTPX's byte-stream attribute and the seed's ``stream()`` method, one
object.

HTTPX code iterates ``response.stream`` (``for``/``async for``) for the body as it came;
fasthttpx code calls ``response.stream(chunk_size)`` for the decoded body in pieces. The
object ``Response.stream`` makes on access answers both:

* iterated, it is the body as sent (``iter_raw``/``aiter_raw``: transfer coding removed,
  content coding kept), readable once; a body held in memory (a response built with
  ``content=``) gives its bytes each time it is iterated, as HTTPX's ``ByteStream`` does;
* called, it is the seed method: ``iter_bytes``/``aiter_bytes``, the async one for a
  response whose seed spellings are awaited (an ``AsyncClient``'s).

Its class says which ways it iterates, as the body does (``typing.Iterable`` /
``AsyncIterable`` checks in HTTPX code depend on it): sync, async, or both for a body in
memory. Nothing of this runs unless ``response.stream`` is asked for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from ._async.body import AsyncBodyReading, close_iterator
from ._streams import AsyncByteStream, SyncByteStream
from ._sync.body import BodyReading

if TYPE_CHECKING:
    from ._response import Response

__all__ = ["ResponseStream", "response_stream"]


class ResponseStream:
    """What ``response.stream`` is; the subclasses add the ways it iterates."""

    __slots__ = ("_response",)

    def __init__(self, response: Response) -> None:
        self._response = response

    def __call__(self, chunk_size: int | None = None) -> Any:
        """The seed's ``response.stream(chunk_size)``: the body decoded from its
        Content-Encoding, in pieces (an async iterator for an async response)."""
        response = self._response
        if response._awaited():
            return response.aiter_bytes(chunk_size)
        return response.iter_bytes(chunk_size)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._response!r}>"


class SyncResponseStream(ResponseStream, SyncByteStream):
    """The stream of a body read sync."""

    __slots__ = ()

    def __iter__(self) -> Iterator[bytes]:
        response = self._response
        if response._body_stream is None:  # in memory: the same bytes every time
            content = response._content
            if content:
                yield content
            return
        yield from BodyReading.iter_raw(response)

    def close(self) -> None:
        BodyReading.close(self._response)


class AsyncResponseStream(ResponseStream, AsyncByteStream):
    """The stream of a body read async."""

    __slots__ = ()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        response = self._response
        if response._body_stream is None:
            content = response._content
            if content:
                yield content
            return
        pieces = AsyncBodyReading.aiter_raw(response)
        try:
            async for piece in pieces:
                yield piece
        finally:
            await close_iterator(pieces)

    async def aclose(self) -> None:
        await AsyncBodyReading.aclose(self._response)


class MemoryResponseStream(SyncResponseStream, AsyncResponseStream):
    """The stream of a body in memory: iterated either way."""

    __slots__ = ()


def response_stream(response: Response) -> ResponseStream:
    """The stream object for ``response``, of the kind its body is."""
    body = response._body_stream
    if body is None:
        return MemoryResponseStream(response)
    reads_sync = hasattr(body, "__iter__")
    if hasattr(body, "__aiter__"):
        return MemoryResponseStream(response) if reads_sync else AsyncResponseStream(response)
    return SyncResponseStream(response)
