"""Encode what the user gave as a request body into bytes or a stream, plus its headers.

``encode_request`` returns ``(headers, body)``. Fixed bodies (bytes, str, form data, JSON)
become ``bytes`` with ``Content-Length`` (RFC 9110 §8.6); iterables and async iterables are
wrapped so that a one-shot iterator cannot be silently sent twice, and go out with
``Transfer-Encoding: chunked`` (RFC 9112 §7.1) unless a file object's size is known.
Multipart bodies come from ``_multipart``. JSON is serialised compactly as HTTPX 0.28 does.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from ._exceptions import StreamConsumed
from ._multipart import DEFAULT_CHUNK_SIZE, MultipartStream, remaining_length
from ._streams import AsyncByteStream, ByteStream, SyncByteStream
from ._urls import primitive_str

__all__ = [
    "encode_request", "encode_response", "IteratorByteStream", "AsyncIteratorByteStream",
    "is_replayable", "RequestContent", "RequestData", "RequestFiles",
]


class IteratorByteStream(SyncByteStream):
    """A sync body from an iterable or a binary file; a one-shot iterator refuses a 2nd pass.
    A ``SyncByteStream``, as HTTPX's request streams are."""

    __slots__ = ("_stream", "_one_shot", "_consumed", "chunk_size")

    def __init__(self, stream: Iterable[bytes], chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        self._stream = stream
        self._one_shot = isinstance(stream, Iterator) or hasattr(stream, "read")
        self._consumed = False
        self.chunk_size = chunk_size

    @property
    def replayable(self) -> bool:
        return not self._one_shot

    def __iter__(self) -> Iterator[bytes]:
        if self._consumed and self._one_shot:
            raise StreamConsumed()
        self._consumed = True
        read = getattr(self._stream, "read", None)
        if read is not None:
            while True:
                chunk = read(self.chunk_size)
                if not chunk:
                    return
                yield chunk
        else:
            yield from self._stream


class AsyncIteratorByteStream(AsyncByteStream):
    """An async body from an async iterable; it can be sent once (an ``AsyncByteStream``)."""

    __slots__ = ("_stream", "_consumed")

    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream
        self._consumed = False

    replayable = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._consumed:
            raise StreamConsumed()
        self._consumed = True
        async for part in self._stream:
            yield part


def is_replayable(body: Any) -> bool:
    """Whether a body returned by ``encode_request`` can be sent again (redirects, retries)."""
    if isinstance(body, (bytes, ByteStream, MultipartStream)):
        return True
    return bool(getattr(body, "replayable", False))


def _encode_content(content: Any) -> tuple[dict[str, str], Any]:
    if isinstance(content, (bytes, str)):
        body = content.encode("utf-8") if isinstance(content, str) else content
        return ({"Content-Length": str(len(body))} if body else {}), body
    if isinstance(content, (bytearray, memoryview)):
        body = bytes(content)
        return ({"Content-Length": str(len(body))} if body else {}), body
    if isinstance(content, Iterable) and not isinstance(content, Mapping):
        length = remaining_length(content) if hasattr(content, "read") else None
        headers = (
            {"Transfer-Encoding": "chunked"} if length is None
            else {"Content-Length": str(length)}
        )
        return headers, IteratorByteStream(content)
    if isinstance(content, AsyncIterable):
        return {"Transfer-Encoding": "chunked"}, AsyncIteratorByteStream(content)
    raise TypeError(f"Unexpected type for 'content', {type(content)!r}")


def _encode_urlencoded(data: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, (list, tuple)):
            pairs.extend((key, primitive_str(item)) for item in value)
        else:
            pairs.append((key, primitive_str(value)))
    body = urlencode(pairs).encode("ascii")
    return {
        "Content-Length": str(len(body)),
        "Content-Type": "application/x-www-form-urlencoded",
    }, body


def _encode_json(json: Any) -> tuple[dict[str, str], bytes]:
    body = jsonlib.dumps(
        json, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")
    return {"Content-Length": str(len(body)), "Content-Type": "application/json"}, body


def encode_request(
    content: Any = None,
    data: Mapping[str, Any] | None = None,
    files: Any = None,
    json: Any = None,
    boundary: bytes | None = None,
) -> tuple[dict[str, str], bytes | Iterable[bytes] | AsyncIterable[bytes]]:
    """Headers and body for a request; an absent body is ``b""`` with no headers."""
    if content is not None:
        return _encode_content(content)
    if files:
        stream = MultipartStream(data, files, boundary)
        return stream.get_headers(), stream
    if data:
        return _encode_urlencoded(data)
    if json is not None:
        return _encode_json(json)
    return {}, b""


def encode_response(
    content: bytes | str | None = None,
    text: str | None = None,
    html: str | None = None,
    json: Any = None,
) -> tuple[dict[str, str], bytes]:
    """Headers and body for a Response built in memory (tests, mock transports)."""
    if content is not None:
        if isinstance(content, str):
            body = content.encode("utf-8")
        elif isinstance(content, (bytes, bytearray, memoryview)):
            body = bytes(content)
        else:  # ``bytes(123)`` would be 123 zero bytes
            raise TypeError(f"Unexpected type for 'content', {type(content)!r}")
        return ({"Content-Length": str(len(body))} if body else {}), body
    if text is not None:
        body = text.encode("utf-8")
        return {
            "Content-Length": str(len(body)),
            "Content-Type": "text/plain; charset=utf-8",
        }, body
    if html is not None:
        body = html.encode("utf-8")
        return {
            "Content-Length": str(len(body)),
            "Content-Type": "text/html; charset=utf-8",
        }, body
    if json is not None:
        return _encode_json(json)
    return {}, b""


#: What ``content=`` takes: the body as bytes or text, or an iterable of byte pieces.
RequestContent = str | bytes | Iterable[bytes] | AsyncIterable[bytes]
#: What ``data=`` takes: form fields (values may be lists).
RequestData = Mapping[str, Any]
#: What ``files=`` takes: field name to a file, ``(name, file[, type[, headers]])`` tuple...
RequestFiles = Mapping[str, Any] | Iterable[tuple[str, Any]]
