"""``AsyncResponse``: the response model plus its body, read from the network on demand.

Everything that is not I/O (status, headers, text, json, raise_for_status...) lives in
``BaseResponse``; this class adds the four seed methods: ``read()`` (whole decoded body, kept
as ``.content``), ``stream()`` (decoded pieces), ``raw()`` (pieces as sent, transfer coding
removed) and ``close()`` (release the connection; an unread body closes it).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any, Protocol

from .._decoders import (
    ContentDecoder,
    IdentityDecoder,
    LineDecoder,
    TextDecoder,
    decoder_for_headers,
)
from .._events import CONTENT_ENCODING_FIELD, SET_COOKIE_FIELD
from .._exceptions import ResponseClosed, StreamConsumed
from .._implementation import response_fields
from .._models import BaseResponse, Headers, Request

__all__ = ["AsyncResponse", "AsyncBodyStream", "CompleteBody", "close_iterator"]


class AsyncBodyStream(Protocol):
    """What a connection hands the response: its body, readable once."""

    def take_complete(self) -> bytes | None:
        """The whole body if it has already arrived (without awaiting; whatever the body
        held is then released), else None."""
    async def read_all(self) -> bytes: ...
    def __aiter__(self) -> AsyncIterator[bytes]: ...
    async def aclose(self) -> None: ...


class AsyncResponse(BaseResponse):
    """A response whose body comes from an async stream."""

    #: ``from_wire``'s headers and their ``response_fields`` flags, as the connection found
    #: them while parsing; trusted while those headers are unchanged (version 0).
    _fields_known_for: Headers | None = None
    _wire_fields = 0

    def __init__(
        self,
        status_code: int,
        *,
        stream: AsyncBodyStream | None = None,
        content: Any = None,
        **kwargs: Any,
    ) -> None:
        if content is not None and not isinstance(content, (bytes, bytearray, str)):
            # An iterable body (as HTTPX): streamed, framed as chunked unless sized.
            stream, content = _IterableBody(content), None
            headers = kwargs.get("headers")
            if headers is None or not any(
                name.lower() in ("content-length", "transfer-encoding")
                for name in (headers.keys() if hasattr(headers, "keys") else
                             (pair[0] for pair in headers))
            ):
                kwargs["headers"] = [*_header_pairs(headers), ("Transfer-Encoding", "chunked")]
        super().__init__(status_code, content=content, **kwargs)
        self._body_stream = stream
        self.is_stream_consumed = stream is None
        self.is_closed = stream is None
        self._started = time.perf_counter()
        if stream is None:
            if self._content is None:
                self._content = b""  # no body at all: an empty one, as HTTPX
            self._elapsed = timedelta(0)

    @classmethod
    def from_wire(
        cls,
        status_code: int,
        headers: Headers,
        stream: AsyncBodyStream,
        request: Request,
        http_version: str,
        reason_phrase: str,
        started: float,
        fields: int | None = None,
    ) -> AsyncResponse:
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
        self._request = request
        self.http_version = http_version
        self.reason_phrase = reason_phrase
        self.history = []  # ``extensions``: made on first access (the class default is None)
        self._body_stream = stream
        self.is_stream_consumed = False
        self._started = started
        return self

    def wrap_body(self, wrap: Callable[[AsyncBodyStream], AsyncBodyStream]) -> None:
        """For the transport that lent the connection: put its own wrapper around the body
        (the pool's lease, which hands the connection back when the body ends)."""
        if self._body_stream is not None:
            self._body_stream = wrap(self._body_stream)

    def _decoder(self) -> ContentDecoder | None:
        """What undoes the body's Content-Encoding, decided from the headers as they are when
        the body is decoded (once per response); None when there is nothing to undo."""
        headers = self.headers
        if not self._field_flags() & CONTENT_ENCODING_FIELD:
            return None
        decoder = decoder_for_headers(headers)
        return None if isinstance(decoder, IdentityDecoder) else decoder

    def _field_flags(self) -> int:
        """``response_fields`` of the headers as they are now: the connection's finding
        while the headers are the ones it parsed, unchanged; else worked out again."""
        headers = self.headers
        if headers is self._fields_known_for and not headers.version:
            return self._wire_fields
        return response_fields(headers.raw)

    def sets_cookies(self) -> bool:
        """Whether the response has a Set-Cookie field: the client's jar has work to do.
        (``_field_flags`` written out: this runs for every response.)"""
        headers = self.headers
        if headers is self._fields_known_for and not headers.version:
            return bool(self._wire_fields & SET_COOKIE_FIELD)
        return "set-cookie" in headers

    def _claim_stream(self) -> AsyncBodyStream:
        if self.is_stream_consumed:
            raise StreamConsumed()
        if self.is_closed or self._body_stream is None:
            raise ResponseClosed()
        self.is_stream_consumed = True
        return self._body_stream

    def _mark_closed(self) -> None:
        self.is_closed = True
        self._elapsed_seconds = time.perf_counter() - self._started

    async def read(self) -> bytes:
        """Read the whole body, decode it, keep it as ``.content`` and return it."""
        if self._content is None and not self.read_if_complete():
            stream = self._claim_stream()
            try:
                raw = await stream.read_all()
            finally:
                await self.close()
            self._set_content(raw)
        return self._content  # type: ignore[return-value]  # set by either branch

    def read_if_complete(self) -> bool:
        """``read()`` without awaiting, when the whole body has already arrived with the
        head (the usual small response): True once ``.content`` is set. False when the body
        has still to be read, or when ``read()`` would raise (consumed, closed)."""
        if self._content is not None:
            return True
        stream = self._body_stream
        if self.is_stream_consumed or self.is_closed or stream is None:
            return False
        raw = stream.take_complete()
        if raw is None:
            return False
        self.is_stream_consumed = True
        # The connection went back when the body ended: closed now (``_mark_closed``).
        self.is_closed = True
        self._elapsed_seconds = time.perf_counter() - self._started
        self._num_bytes_downloaded = len(raw)
        headers = self.headers
        if raw and (
            self._wire_fields & CONTENT_ENCODING_FIELD
            or headers is not self._fields_known_for
            or headers.version
        ):
            decoder = self._decoder()  # coded, or the headers are not the parser's any more
            if decoder is not None:
                raw = decoder.decode(raw) + decoder.flush()
        self._content = raw
        return True

    def _set_content(self, raw: bytes) -> None:
        self._num_bytes_downloaded += len(raw)
        decoder = self._decoder() if raw else None
        self._content = decoder.decode(raw) + decoder.flush() if decoder else raw

    async def stream(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """Yield the body decoded from its Content-Encoding, piece by piece as it arrives."""
        if self._content is not None:
            content = self._content
            size = chunk_size or len(content) or 1
            for start in range(0, len(content), size):
                yield content[start:start + size]
            return
        decoder = self._decoder()
        pieces = self._raw_pieces()
        try:
            async for piece in pieces:
                data = decoder.decode(piece) if decoder else piece
                if chunk_size:
                    for start in range(0, len(data), chunk_size):
                        yield data[start:start + chunk_size]
                elif data:
                    yield data
        finally:
            await close_iterator(pieces)
        if decoder:
            tail = decoder.flush()
            if tail:
                yield tail

    async def raw(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """Yield the body as sent: transfer coding removed, content coding kept."""
        pieces = self._raw_pieces()
        try:
            async for piece in pieces:
                if chunk_size:
                    for start in range(0, len(piece), chunk_size):
                        yield piece[start:start + chunk_size]
                else:
                    yield piece
        finally:
            await close_iterator(pieces)

    async def _raw_pieces(self) -> AsyncIterator[bytes]:
        body = self._claim_stream().__aiter__()
        try:
            async for piece in body:
                self._num_bytes_downloaded += len(piece)
                yield piece
        finally:
            await close_iterator(body)
            await self.close()

    async def text_pieces(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """Yield the body as text, decoded with ``self.encoding``; with ``chunk_size``, in
        pieces of that many characters (the last may be shorter)."""
        decoder = TextDecoder(self.encoding or "utf-8")
        pending = ""
        pieces = self.stream()
        try:
            async for piece in pieces:
                text = decoder.decode(piece)
                if not chunk_size:
                    if text:
                        yield text
                    continue
                pending += text
                while len(pending) >= chunk_size:
                    yield pending[:chunk_size]
                    pending = pending[chunk_size:]
        finally:
            await close_iterator(pieces)
        pending += decoder.flush()
        if chunk_size:
            while len(pending) > chunk_size:
                yield pending[:chunk_size]
                pending = pending[chunk_size:]
        if pending:
            yield pending

    async def lines(self) -> AsyncIterator[str]:
        """Yield the body as text lines."""
        decoder = LineDecoder()
        texts = self.text_pieces()
        try:
            async for text in texts:
                for line in decoder.decode(text):
                    yield line
        finally:
            await close_iterator(texts)
        for line in decoder.flush():
            yield line

    async def close(self) -> None:
        """Release the connection; a body not read to its end closes it."""
        if not self.is_closed:
            self._mark_closed()
            if self._body_stream is not None:
                await self._body_stream.aclose()

    # HTTPX spellings of the seed methods.
    aread = read
    aiter_bytes = stream
    aiter_raw = raw
    aiter_text = text_pieces
    aiter_lines = lines
    aclose = close

    async def __aenter__(self) -> AsyncResponse:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.close()


async def close_iterator(iterator: object) -> None:
    """Close an inner generator at once when the outer one stops early, rather than leaving
    it to the garbage collector (which trio reports as an error)."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


def _header_pairs(headers: Any) -> list[tuple[Any, Any]]:
    if headers is None:
        return []
    if hasattr(headers, "multi_items"):
        return list(headers.multi_items())
    if hasattr(headers, "items"):
        return list(headers.items())
    return list(headers)


class CompleteBody:
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


class _IterableBody:
    """A response body given as an iterable (``Response(200, content=chunks)``)."""

    def __init__(self, iterable: Any) -> None:
        self._iterable = iterable

    def take_complete(self) -> bytes | None:
        return None

    async def read_all(self) -> bytes:
        return b"".join([piece async for piece in self])

    async def __aiter__(self) -> AsyncIterator[bytes]:
        iterable = self._iterable
        if hasattr(iterable, "__aiter__"):
            async for piece in iterable:
                if piece:
                    yield piece
        else:
            for piece in iterable:
                if piece:
                    yield piece

    async def aclose(self) -> None:
        return None
