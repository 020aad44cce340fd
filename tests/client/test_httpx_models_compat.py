"""Models behaving as HTTPX 0.28's do (issue 13), for ``import fasthttpx as httpx`` programs:
response extensions off the wire, the exported names, ``Request(params=)``, request streams,
multipart parts, and the redirect error for an unsupported scheme."""

from __future__ import annotations

import asyncio
import io
import tempfile
from typing import Any

import pytest

import fasthttpx
from fasthttpx._content import AsyncIteratorByteStream, IteratorByteStream, encode_response
from tests.kit.raw_server import RawServer, respond_with

PUBLIC_DUNDERS = ("__description__", "__title__", "__version__")


def test_extensions_of_a_response_off_the_wire() -> None:
    head = b"HTTP/1.1 200 Fine Thanks\r\nContent-Length: 2\r\n\r\nhi"
    with RawServer(respond_with(head)) as srv, fasthttpx.Client() as client:
        response = client.get(srv.url)
    assert response.extensions["http_version"] == b"HTTP/1.1"
    assert response.extensions["reason_phrase"] == b"Fine Thanks"
    assert response.text == "hi"


def test_extensions_of_an_http10_response_off_the_wire() -> None:
    head = b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    with RawServer(respond_with(head, keep_alive=False)) as srv:
        async def main() -> fasthttpx.AsyncResponse:
            async with fasthttpx.AsyncClient() as client:
                return await client.get(srv.url)

        response = asyncio.run(main())
    assert response.extensions == {"http_version": b"HTTP/1.0", "reason_phrase": b"Not Found"}


def test_extensions_of_a_built_response_are_what_was_given() -> None:
    assert fasthttpx.Response(200).extensions == {}
    given = {"custom": 1}
    response = fasthttpx.Response(200, extensions=given)
    assert response.extensions is given and given == {"custom": 1}
    response.extensions = {"other": 2}
    assert response.extensions == {"other": 2}


def test_all_lists_every_public_name_sorted() -> None:
    public = [
        name for name in vars(fasthttpx) if not name.startswith("_") or name in PUBLIC_DUNDERS
    ]
    assert fasthttpx.__all__ == sorted(public, key=str.casefold)
    assert "__implementation__" not in fasthttpx.__all__  # an attribute, as before
    assert fasthttpx.__title__ == "fasthttpx"


@pytest.mark.parametrize(
    ("url", "params", "expected"),
    [
        ("http://example.com", {}, "http://example.com"),
        ("http://example.com?c=3", {"a": "1", "b": "2"}, "http://example.com?a=1&b=2"),
        ("http://example.com?a=1", {}, "http://example.com"),
        ("http://example.com?a=1", None, "http://example.com?a=1"),
        (fasthttpx.URL("http://example.com/p?x=1"), [("y", "2")], "http://example.com/p?y=2"),
    ],
)
def test_request_params_replace_the_query(url: Any, params: Any, expected: str) -> None:
    # As HTTPX 0.28: Request(url, params=...) replaces the URL's query (a client merges its
    # own params with the request's before building the request).
    assert str(fasthttpx.Request("GET", url, params=params).url) == expected


def test_client_params_still_merge_with_the_url() -> None:
    def echo(request: fasthttpx.Request) -> fasthttpx.Response:
        return fasthttpx.Response(200, text=str(request.url))

    client = fasthttpx.Client(transport=fasthttpx.MockTransport(echo), params={"a": "1"})
    assert client.get("http://example.com/?b=2", params={"c": "3"}).text == (
        "http://example.com/?b=2&a=1&c=3"
    )


def test_request_streams_are_httpx_stream_types() -> None:
    for kwargs in ({"data": {}, "files": {}}, {"content": b""}):
        request = fasthttpx.Request("POST", "https://example.com", **kwargs)
        assert isinstance(request.stream, fasthttpx.AsyncByteStream)
        assert request.content == b"" and request.headers["Content-Length"] == "0"
    empty = fasthttpx.Request("POST", "https://example.com").stream
    assert isinstance(empty, fasthttpx.SyncByteStream)
    assert isinstance(empty, fasthttpx.AsyncByteStream)
    assert list(empty) == [] and bytes(empty) == b""  # type: ignore[arg-type]

    async def collect() -> list[bytes]:
        return [part async for part in empty]

    assert asyncio.run(collect()) == []

    chunks = fasthttpx.Request("POST", "https://example.com", content=iter([b"a"])).stream
    assert isinstance(chunks, IteratorByteStream)
    assert isinstance(chunks, fasthttpx.SyncByteStream)

    async def agen() -> Any:
        yield b"a"

    achunks = fasthttpx.Request("POST", "https://example.com", content=agen()).stream
    assert isinstance(achunks, AsyncIteratorByteStream)
    assert isinstance(achunks, fasthttpx.AsyncByteStream)


class _ConsumingTransport(fasthttpx.BaseTransport):
    """Takes the request body by iterating its stream, as a network transport does."""

    def handle_request(self, request: fasthttpx.Request) -> fasthttpx.Response:
        assert isinstance(request.stream, fasthttpx.SyncByteStream)
        b"".join(request.stream)
        if request.url.path == "/start":
            return fasthttpx.Response(307, headers={"Location": "/next"})
        return fasthttpx.Response(200)


def test_one_shot_body_refuses_a_redirect_that_keeps_the_method() -> None:
    client = fasthttpx.Client(transport=_ConsumingTransport())
    with pytest.raises(fasthttpx.StreamConsumed):
        client.post("https://example.com/start", content=iter([b"x"]), follow_redirects=True)


def test_redirect_to_an_unsupported_scheme() -> None:
    def handler(request: fasthttpx.Request) -> fasthttpx.Response:
        return fasthttpx.Response(302, headers={"Location": "market://details?id=42"})

    client = fasthttpx.Client(transport=fasthttpx.MockTransport(handler))
    with pytest.raises(fasthttpx.UnsupportedProtocol) as info:
        client.get("https://example.com/", follow_redirects=True)
    assert str(info.value) == "Scheme 'market' not supported."


@pytest.mark.parametrize("content_type", [None, "text/plain"])
def test_multipart_part_headers_come_before_its_content_type(content_type: str | None) -> None:
    files = {"file": ("notes.txt", io.BytesIO(b"<body>"), content_type, {"Expires": "0"})}
    request = fasthttpx.Request(
        "POST", "https://example.com/",
        headers={"Content-Type": "multipart/form-data; boundary=B"}, files=files,
    )
    assert request.read() == (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
        b"Expires: 0\r\nContent-Type: text/plain\r\n\r\n<body>\r\n--B--\r\n"
    )
    assert request.headers["Content-Length"] == str(len(request.content))


def test_multipart_sends_a_file_whole_however_far_it_was_read() -> None:
    seen: list[bytes] = []

    def handler(request: fasthttpx.Request) -> fasthttpx.Response:
        body = request.read()
        seen.append(body)
        assert request.headers["Content-Length"] == str(len(body))
        return fasthttpx.Response(200)

    client = fasthttpx.Client(transport=fasthttpx.MockTransport(handler))
    with tempfile.TemporaryFile() as upload:
        upload.write(b"Hello, world!")  # the position is now at the end
        client.post("http://example.com/", files={"file": upload})
        client.post("http://example.com/", files={"file": upload})
    assert len(seen) == 2
    for body in seen:
        assert b"\r\n\r\nHello, world!\r\n--" in body


def test_encode_response_refuses_content_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="content"):
        encode_response(content=123)  # type: ignore[arg-type]
    assert encode_response(content=b"ab") == ({"Content-Length": "2"}, b"ab")
