"""Client attributes that HTTPX users set after construction (as HTTPX's own
``tests/client/test_properties.py`` checks them), on both clients."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import fasthttpx

CLIENTS = [fasthttpx.Client, fasthttpx.AsyncClient]


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://www.example.org/", "https://www.example.org/"),
        ("https://www.example.org/path", "https://www.example.org/path/"),
        ("https://www.example.org/path/", "https://www.example.org/path/"),
        (fasthttpx.URL("https://www.example.org/a"), "https://www.example.org/a/"),
    ],
)
def test_base_url(client_class: Any, given: Any, expected: str) -> None:
    client = client_class()
    client.base_url = given
    assert isinstance(client.base_url, fasthttpx.URL)
    assert client.base_url == expected
    assert client.build_request("GET", "/x").url == expected + "x"


@pytest.mark.parametrize("client_class", CLIENTS)
def test_headers(client_class: Any) -> None:
    client = client_class()
    client.headers = {"a": "b"}
    assert isinstance(client.headers, fasthttpx.Headers)
    assert client.headers["A"] == "b"
    assert client.headers["accept"] == "*/*"
    assert client.build_request("GET", "http://example.org/").headers["a"] == "b"


@pytest.mark.parametrize("client_class", CLIENTS)
def test_cookies(client_class: Any) -> None:
    client = client_class()
    client.cookies = {"a": "b"}
    assert isinstance(client.cookies, fasthttpx.Cookies)
    assert [cookie.name for cookie in client.cookies.jar] == ["a"]


@pytest.mark.parametrize("client_class", CLIENTS)
def test_timeout(client_class: Any) -> None:
    client = client_class()
    client.timeout = None
    assert client.timeout == fasthttpx.Timeout(None)
    client.timeout = 3.0
    assert isinstance(client.timeout, fasthttpx.Timeout)
    assert client.timeout == fasthttpx.Timeout(3.0)
    assert client.build_request("GET", "http://example.org/").extensions["timeout"] == {
        "connect": 3.0, "read": 3.0, "write": 3.0, "pool": 3.0}


@pytest.mark.parametrize("client_class", CLIENTS)
def test_event_hooks(client_class: Any) -> None:
    client = client_class()

    def on_request(request: fasthttpx.Request) -> None:
        pass

    client.event_hooks = {"request": [on_request]}
    assert client.event_hooks == {"request": [on_request], "response": []}


@pytest.mark.parametrize("client_class", CLIENTS)
def test_params_and_auth(client_class: Any) -> None:
    client = client_class()
    client.params = {"a": "1"}
    assert isinstance(client.params, fasthttpx.QueryParams)
    assert client.build_request("GET", "http://example.org/").url.query == b"a=1"
    client.auth = ("user", "pass")
    assert isinstance(client.auth, fasthttpx.BasicAuth)
    client.auth = None
    assert client.auth is None


@pytest.mark.parametrize("client_class", CLIENTS)
def test_trust_env(client_class: Any) -> None:
    assert client_class().trust_env is True
    assert client_class(trust_env=False).trust_env is False


def test_request_errors_are_raised_on_await() -> None:
    """``AsyncClient.request()`` returns an awaitable; like a coroutine function it raises a
    request-building error when awaited, not when called (nothing left un-awaited)."""

    async def main() -> None:
        async with fasthttpx.AsyncClient() as client:
            pending = client.get(42)  # type: ignore[arg-type]
            with pytest.raises(TypeError, match="Invalid type for url"):
                await pending
            pending = client.request("GET", "http://[::1/")
            with pytest.raises(fasthttpx.InvalidURL):
                await pending

    asyncio.run(main())


def test_a_body_of_the_wrong_kind_is_refused() -> None:
    """The async client cannot read a plain iterator without blocking its loop, and the sync
    client cannot read an async one: both refuse, as HTTPX does, before anything is sent."""
    answer = fasthttpx.MockTransport(lambda request: fasthttpx.Response(200))

    async def async_pieces() -> Any:
        yield b"async"

    with fasthttpx.Client(transport=answer) as client:
        pieces = async_pieces()
        with pytest.raises(RuntimeError, match="body Client cannot read: .* not Iterable"):
            client.post("http://example.com/", content=pieces)

    async def main() -> None:
        async with fasthttpx.AsyncClient(transport=answer) as client:
            with pytest.raises(RuntimeError, match="AsyncClient cannot read: .* AsyncIterable"):
                await client.post("http://example.com/", content=iter([b"sync"]))
            await pieces.aclose()

    asyncio.run(main())


@pytest.mark.parametrize("client_class", CLIENTS)
def test_redirect_headers_as_httpx_names_them(client_class: Any) -> None:
    """HTTPX's private ``_redirect_headers`` (some subclasses and tests call it)."""
    client = client_class()
    request = fasthttpx.Request(
        "POST", "https://example.com/", headers={"Authorization": "a", "Cookie": "c=1"},
        content=b"body",
    )
    same = client._redirect_headers(request, fasthttpx.URL("https://example.com/x"), "POST")
    assert same["Authorization"] == "a" and "Cookie" not in same
    assert same["Content-Length"] == "4"
    other = client._redirect_headers(request, fasthttpx.URL("https://other.test/"), "GET")
    assert "Authorization" not in other and "Content-Length" not in other
    assert other["Host"] == "other.test"
