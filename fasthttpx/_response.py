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

``response.stream`` is both HTTPX's attribute (the byte stream, iterated) and the seed's
method (called: the decoded body in pieces, ``iter_bytes``/``aiter_bytes``): see
``_response_stream.py``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

from ._async.body import AsyncBodyReading, AsyncIterableBody
from ._events import SET_COOKIE_FIELD
from ._models import Headers, Request
from ._response_stream import response_stream
from ._streams import ByteStream, MemoryBody
from ._sync.body import BodyReading, IterableBody

__all__ = ["Response"]

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
        response). Made when asked for: see ``_response_stream.py``. Its kind (sync,
        async, both) is the body's, so it is typed ``Any``."""
        return response_stream(self)

    def raw(self, chunk_size: int | None = None) -> Iterator[bytes] | AsyncIterator[bytes]:
        """The body as sent, transfer coding removed, content coding kept (an async
        iterator for an async response)."""
        return self.aiter_raw(chunk_size) if self._awaited() else self.iter_raw(chunk_size)

    def close(self) -> Any:
        """Release the connection; a body not read to its end closes it (awaitable for an
        async response)."""
        return self.aclose() if self._awaited() else BodyReading.close(self)


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
