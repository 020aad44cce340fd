"""``mounts=`` (a transport per URL pattern, the most specific first), the client's lifetime
(open once, never reopened, mounted transports entered and closed with it), as HTTPX 0.28 has
them. Written once, async; the sync twin is generated."""

from __future__ import annotations

from typing import Any

import pytest

import fasthttpx


def _answering(name: str) -> fasthttpx.MockTransport:
    return fasthttpx.MockTransport(lambda request: fasthttpx.Response(200, text=name))


class CountingTransport(fasthttpx.MockTransport):
    """A transport that records being entered, exited and closed."""

    def __init__(self) -> None:
        super().__init__(lambda request: fasthttpx.Response(200, text="counted"))
        self.events: list[str] = []

    async def __aenter__(self) -> CountingTransport:
        self.events.append("enter")
        return self

    async def __aexit__(self, *args: object) -> None:
        self.events.append("exit")

    async def aclose(self) -> None:
        self.events.append("close")


async def test_the_most_specific_mount_carries_the_request(backend: Any) -> None:
    mounts = {
        "all://": _answering("all"),
        "https://": _answering("https"),
        "all://example.com": _answering("example.com"),
        "all://*.example.com": _answering("subdomains"),
        "all://*example.org": _answering("org and subdomains"),
        "http://example.com:8080": _answering("port 8080"),
    }
    expected = {
        "http://other.test/": "all",
        "https://other.test/": "https",
        "https://example.com/": "example.com",
        "http://www.example.com/": "subdomains",
        "http://example.org/": "org and subdomains",
        "http://www.example.org/": "org and subdomains",
        "http://wwwexample.org/": "all",
        "http://example.com:8080/": "port 8080",
        "https://example.com:8080/": "example.com",  # the port pattern is http:// only
    }
    async with fasthttpx.AsyncClient(backend=backend, mounts=mounts) as client:
        for url, name in expected.items():
            assert (await client.get(url)).text == name, url


async def test_a_mount_of_none_leaves_the_client_transport(backend: Any, app_server: Any) -> None:
    """``None`` exempts a pattern: those requests use the client's own connection pool."""
    mounts: dict[str, Any] = {"all://": _answering("mocked"), "http://127.0.0.1": None}
    async with fasthttpx.AsyncClient(backend=backend, mounts=mounts) as client:
        assert (await client.get(app_server.url + "/")).text == "Hello, world!"
        assert (await client.get("http://example.com/")).text == "mocked"


async def test_redirects_follow_the_mounts(backend: Any) -> None:
    def first(request: fasthttpx.Request) -> fasthttpx.Response:
        return fasthttpx.Response(302, headers={"Location": "https://second.test/x"})

    mounts = {"all://first.test": fasthttpx.MockTransport(first),
              "all://second.test": _answering("second")}
    async with fasthttpx.AsyncClient(
        backend=backend, mounts=mounts, follow_redirects=True
    ) as client:
        response = await client.get("http://first.test/")
    assert response.text == "second"
    assert [r.status_code for r in response.history] == [302]


def test_mount_keys_must_be_url_patterns(backend: Any) -> None:
    with pytest.raises(ValueError, match='use "http://"'):
        fasthttpx.AsyncClient(backend=backend, mounts={"http": _answering("x")})


async def test_transports_are_entered_and_closed_with_their_client(backend: Any) -> None:
    default, mounted = CountingTransport(), CountingTransport()
    async with fasthttpx.AsyncClient(
        backend=backend, transport=default, mounts={"all://mounted.test": mounted}
    ) as client:
        assert default.events == ["enter"] and mounted.events == ["enter"]
        assert (await client.get("http://mounted.test/")).text == "counted"
    assert default.events == ["enter", "exit"] and mounted.events == ["enter", "exit"]

    default, mounted = CountingTransport(), CountingTransport()
    client = fasthttpx.AsyncClient(
        backend=backend, transport=default, mounts={"all://mounted.test": mounted}
    )
    await client.get("http://mounted.test/")
    await client.aclose()  # without ``async with``: closed, never entered
    assert default.events == ["close"] and mounted.events == ["close"]


async def test_a_client_opens_once_and_never_reopens(backend: Any) -> None:
    client = fasthttpx.AsyncClient(backend=backend, transport=_answering("x"))
    async with client:
        await client.get("http://example.com/")
    assert client.is_closed
    with pytest.raises(RuntimeError, match="Cannot reopen a client instance"):
        async with client:
            pass
    with pytest.raises(RuntimeError, match="client has been closed"):
        await client.get("http://example.com/")

    used = fasthttpx.AsyncClient(backend=backend, transport=_answering("x"))
    await used.get("http://example.com/")  # opened implicitly by a request, as HTTPX
    with pytest.raises(RuntimeError, match="more than once"):
        async with used:
            pass
    await used.aclose()
