"""``Response``: one class, as HTTPX's, whose body is read sync or async.

What a response is (status, headers, text, json...) and the bookkeeping of its body stream
live in ``BaseResponse`` (``_models.py``, no I/O). The reading paths are written once each:
the async half ``AsyncBodyReading`` in ``_async/body.py``, the sync half ``BodyReading``
generated from it (``_sync/body.py``). This class joins the two and adds:

* the constructor, which turns HTTPX's ``stream=`` and an iterable ``content=`` into a body
  stream of the right kind (bytes, str: in memory, readable both ways; an iterable: sync; an
  async iterable: async; anything else: ``TypeError``);
* ``from_wire``, the connections' constructor (the request path's hot spot);
* the seed spellings ``read()``, ``stream()``, ``raw()``, ``close()``: awaited for a
  response whose body is async (an ``AsyncClient``'s), plain for a sync one. The body stream
  says which; a body in memory is sync unless the transport that handed the response over
  said otherwise (``attach``). The HTTPX spellings (``aread``/``read``, ``aiter_bytes``/
  ``iter_bytes``...) always are what their names say.

``response.stream`` is HTTPX's attribute and the seed's method, one object made on access
(``ResponseStream``): HTTPX code iterates it (``for``/``async for``) for the body as sent
(``iter_raw``/``aiter_raw``: transfer coding removed, content coding kept), readable once,
while a body held in memory (a response built with ``content=``) gives its bytes each time,
as HTTPX's ``ByteStream`` does; fasthttpx code calls it, ``response.stream(chunk_size)``, for
the decoded body in pieces (``iter_bytes``/``aiter_bytes``, the async one for a response
whose seed spellings are awaited). Its class says which ways it iterates, as the body does
(HTTPX code checks ``typing.Iterable`` / ``AsyncIterable``): sync, async, or both for a body
in memory.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

from ._async.body import AsyncBodyReading, AsyncIterableBody, close_iterator
from ._events import SET_COOKIE_FIELD
from ._models import Headers, Request
from ._streams import AsyncByteStream, ByteStream, MemoryBody, SyncByteStream
from ._sync.body import BodyReading, IterableBody

__all__ = ["Response", "ResponseStream"]

_BYTES_LIKE = (bytes, bytearray, memoryview, str)


class Response(BodyReading, AsyncBodyReading):
    """An HTTP response: its model, and its body read through the sync or async methods."""

    def __init__(self, status_code: int, *, stream: Any = None, content: Any = None,
                 **kwargs: Any) -> None:
        body = None
        if stream is not None:
            body = _body_of(stream)
        elif content is not None and not isinstance(content, _BYTES_LIKE):
            body = _body_of(content)  # streamed: framed as chunked unless sized (as HTTPX)
            content = None
            headers = kwargs.get("headers")
            if headers is None or not any(
                name.lower() in ("content-length", "transfer-encoding")
                for name in (headers.keys() if hasattr(headers, "keys") else
                             (pair[0] for pair in headers))
            ):
                kwargs["headers"] = [*_header_pairs(headers), ("Transfer-Encoding", "chunked")]
        super().__init__(status_code, content=content, **kwargs)
        self._body_stream = body
        self.is_stream_consumed = body is None
        self.is_closed = body is None
        if body is None:
            if self._content is None:
                self._content = b""  # no body at all: an empty one, as HTTPX
            self._elapsed = timedelta(0)
        else:
            self._started = time.perf_counter()  # ``elapsed``: until the body is closed

    @classmethod
    def from_wire(
        cls,
        status_code: int,
        headers: Headers,
        stream: Any,
        request: Request,
        http_version: str,
        reason_phrase: str,
        started: float,
        fields: int | None = None,
    ) -> Response:
        """The constructor the connections use: only what a parsed head gives, set directly
        (the general ``__init__`` also encodes bodies and checks types, per request).
        ``fields``: ``response_fields(headers)`` for headers fresh from the parser, when the
        connection already worked them out."""
        self = cls.__new__(cls)
        self.status_code = status_code
        self.headers = headers
        if fields is not None:
            self._fields_known_for = headers
            self._wire_fields = fields
            self.may_set_cookies = bool(fields & SET_COOKIE_FIELD)
        self._request = request
        self.http_version = http_version
        self.reason_phrase = reason_phrase
        self.history = []  # ``extensions``: made on first access (the class default is None)
        self._body_stream = stream
        self.is_stream_consumed = False
        self._started = started
        return self

    # -- the seed spellings: awaited or plain, as the body is ----------------------------------

    def read(self) -> Any:
        """Read the whole body, decode it, keep it as ``.content`` and return it (awaitable
        for an async response)."""
        return self.aread() if self._awaited() else BodyReading.read(self)

    @property
    def stream(self) -> Any:
        """HTTPX's byte stream (iterate it: the body as sent) that is also the seed's method
        (call it: ``response.stream(chunk_size)``, the body decoded from its
        Content-Encoding, in pieces as they arrive; an async iterator for an async
        response). Made when asked for (``ResponseStream``). Its kind (sync, async, both)
        is the body's, so it is typed ``Any``."""
        return response_stream(self)

    def raw(self, chunk_size: int | None = None) -> Iterator[bytes] | AsyncIterator[bytes]:
        """The body as sent, transfer coding removed, content coding kept (an async
        iterator for an async response)."""
        return self.aiter_raw(chunk_size) if self._awaited() else self.iter_raw(chunk_size)

    def close(self) -> Any:
        """Release the connection; a body not read to its end closes it (awaitable for an
        async response)."""
        return self.aclose() if self._awaited() else BodyReading.close(self)


# -- ``response.stream`` ------------------------------------------------------------------------


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


#: The seed's name, kept: the same class.
AsyncResponse = Response


def _body_of(source: Any) -> Any:
    """A body stream for what ``Response(stream=...)`` / ``Response(content=...)`` got."""
    if hasattr(source, "take_complete"):
        return source  # a transport's body stream already
    if isinstance(source, ByteStream):
        return MemoryBody(bytes(source))  # HTTPX's fixed body: read in memory, not iterated
    if isinstance(source, _BYTES_LIKE):
        data = source.encode("utf-8") if isinstance(source, str) else bytes(source)
        return MemoryBody(data)
    if hasattr(source, "__aiter__"):
        return AsyncIterableBody(source)
    if hasattr(source, "__iter__"):
        return IterableBody(source)
    raise TypeError(f"Unexpected type for 'content', {type(source)!r}")


def _header_pairs(headers: Any) -> list[tuple[Any, Any]]:
    if headers is None:
        return []
    if hasattr(headers, "multi_items"):
        return list(headers.multi_items())
    if hasattr(headers, "items"):
        return list(headers.items())
    return list(headers)
