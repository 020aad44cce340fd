"""Proxies: forward requests (absolute-form) for http://, CONNECT tunnels for https://,
Proxy-Authorization, a refused CONNECT, an unreachable proxy, and the environment's
HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY with ``trust_env``.

The proxy is :class:`tests.client.proxy_server.ProxyServer`, which records what it saw.
Written once, async; ``tests/client/_sync/`` holds the generated sync twin.
"""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

import fasthttpx
from tests.client.proxy_server import ProxyServer
from tests.http2.fixtures import Certs, certs, h2_server  # noqa: F401

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def proxy() -> Iterator[ProxyServer]:
    with ProxyServer() as server:
        yield server


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy variable of this machine's environment leaks into a test."""
    for name in list(os.environ):
        if name.lower() in _PROXY_VARIABLES or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def tls_app_server(asgi_server: Any, certs: Certs) -> Any:  # noqa: F811
    return asgi_server(ssl_certfile=certs.server_file, ssl_keyfile=certs.server_file)


def _basic(user: str, password: str) -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_forward_proxy_absolute_form_and_reuse(
    backend: Any, app_server: Any, proxy: ProxyServer
) -> None:
    port = app_server.port
    async with fasthttpx.AsyncClient(backend=backend, proxy=proxy.url) as client:
        first = await client.get(f"http://127.0.0.1:{port}/echo?x=1")
        second = await client.get(f"http://127.0.0.1:{port}/json")
        other_origin = await client.get(f"http://localhost:{port}/")
        assert client.transport.connections_opened == 1
    assert first.status_code == 200
    assert first.json()["raw_path"] == "/echo"
    assert first.json()["query"] == "x=1"
    assert second.json()["name"] == "fasthttpx"
    assert other_origin.text == "Hello, world!"
    assert str(other_origin.url) == f"http://localhost:{port}/"
    assert proxy.request_lines == [
        f"GET http://127.0.0.1:{port}/echo?x=1 HTTP/1.1".encode(),
        f"GET http://127.0.0.1:{port}/json HTTP/1.1".encode(),
        f"GET http://localhost:{port}/ HTTP/1.1".encode(),
    ]
    assert proxy.host_headers == [
        f"127.0.0.1:{port}".encode(), f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()
    ]
    assert proxy.connections == 1  # one proxy connection carried all three
    assert proxy.proxy_authorizations == [None, None, None]
    assert proxy.connect_targets == []


async def test_proxy_authorization_from_userinfo_and_proxy_object(
    backend: Any, app_server: Any, proxy: ProxyServer
) -> None:
    url = f"http://127.0.0.1:{app_server.port}/"
    userinfo_proxy = proxy.url.replace("http://", "http://alice:s%40cret@")
    async with fasthttpx.AsyncClient(backend=backend, proxy=userinfo_proxy) as client:
        assert (await client.get(url)).text == "Hello, world!"
    config = fasthttpx.Proxy(proxy.url, auth=("bob", "pw"), headers={"X-Proxy-Test": "1"})
    async with fasthttpx.AsyncClient(backend=backend, proxy=config) as client:
        echoed = await client.get(url + "echo")
        # The request's own Proxy-Authorization wins over the configured one.
        own = await client.get(url, headers={"Proxy-Authorization": "Bearer t"})
    assert proxy.proxy_authorizations == [_basic("alice", "s@cret"), _basic("bob", "pw"),
                                          b"Bearer t"]
    # The proxy's extra header reached the proxy (which forwards it; the app echoes it).
    assert ["x-proxy-test", "1"] in echoed.json()["headers"]
    assert own.status_code == 200


async def test_https_through_connect_tunnel(
    backend: Any, tls_app_server: Any, proxy: ProxyServer, certs: Certs  # noqa: F811
) -> None:
    port = tls_app_server.port
    config = fasthttpx.Proxy(proxy.url.replace("http://", "http://u:p@"))
    async with fasthttpx.AsyncClient(
        backend=backend, proxy=config, verify=certs.ca_file
    ) as client:
        first = await client.get(f"https://localhost:{port}/")
        second = await client.get(f"https://localhost:{port}/json")
    assert first.status_code == 200
    assert first.text == "Hello, world!"
    assert first.http_version == "HTTP/1.1"
    assert second.json()["name"] == "fasthttpx"
    # The proxy saw only the CONNECT: the requests went through the tunnel, encrypted.
    assert proxy.request_lines == [f"CONNECT localhost:{port} HTTP/1.1".encode()]
    assert proxy.host_headers == [f"localhost:{port}".encode()]
    assert proxy.connect_targets == [f"localhost:{port}"]
    assert proxy.proxy_authorizations == [_basic("u", "p")]
    assert proxy.connections == 1  # the tunnel was reused


async def test_http2_by_alpn_inside_the_tunnel(
    backend: Any, h2_server: Any, app_server: Any, proxy: ProxyServer, certs: Certs  # noqa: F811
) -> None:
    url = f"https://localhost:{h2_server.port}/"
    async with fasthttpx.AsyncClient(
        backend=backend, proxy=proxy.url, verify=certs.ca_file, http2=True
    ) as client:
        first = await client.get(url)
        second = await client.get(url + "json")
        forwarded = await client.get(f"{app_server.url}/")  # http:// stays HTTP/1.1, forwarded
    assert first.http_version == second.http_version == "HTTP/2"
    assert second.json()["name"] == "fasthttpx"
    assert forwarded.http_version == "HTTP/1.1"
    assert proxy.request_lines == [
        f"CONNECT localhost:{h2_server.port} HTTP/1.1".encode(),
        f"GET {app_server.url}/ HTTP/1.1".encode(),
    ]
    assert proxy.connections == 2  # one tunnel (one shared HTTP/2 connection), one forward


async def test_connect_refused_is_proxy_error(backend: Any, app_server: Any) -> None:
    with ProxyServer(connect_status=407) as refusing:
        async with fasthttpx.AsyncClient(backend=backend, proxy=refusing.url) as client:
            with pytest.raises(fasthttpx.ProxyError) as info:
                await client.get("https://localhost:1/")
            assert client.transport.connection_count == 0
            # Plain http:// through the same proxy still works (forwarded, no CONNECT).
            assert (await client.get(f"{app_server.url}/")).status_code == 200
        assert refusing.connect_targets == ["localhost:1"]
    assert "407" in str(info.value)
    assert "localhost:1" in str(info.value)


async def test_unreachable_proxy_is_connect_error(backend: Any) -> None:
    port = _closed_port()
    async with fasthttpx.AsyncClient(
        backend=backend, proxy=f"http://127.0.0.1:{port}"
    ) as client:
        for url in ("http://example.invalid/", "https://example.invalid/"):
            with pytest.raises(fasthttpx.ConnectError) as info:
                await client.get(url)
            assert f"proxy http://127.0.0.1:{port}" in str(info.value)
        assert client.transport.connection_count == 0


async def test_environment_proxies_no_proxy_and_trust_env(
    backend: Any, app_server: Any, proxy: ProxyServer, clean_env: pytest.MonkeyPatch
) -> None:
    port = app_server.port
    clean_env.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")  # lower case wins
    clean_env.setenv("http_proxy", proxy.url)
    clean_env.setenv("NO_PROXY", "example.com, localhost:1, localhost")
    async with fasthttpx.AsyncClient(backend=backend) as client:
        via_proxy = await client.get(f"http://127.0.0.1:{port}/")
        direct = await client.get(f"http://localhost:{port}/")
    assert via_proxy.text == direct.text == "Hello, world!"
    assert proxy.request_lines == [f"GET http://127.0.0.1:{port}/ HTTP/1.1".encode()]

    async with fasthttpx.AsyncClient(backend=backend, trust_env=False) as client:
        assert (await client.get(f"http://127.0.0.1:{port}/")).status_code == 200
    assert len(proxy.request_lines) == 1  # trust_env=False: the variables are ignored

    clean_env.setenv("NO_PROXY", "127.0.0.0/8")
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert (await client.get(f"http://127.0.0.1:{port}/")).status_code == 200
    assert len(proxy.request_lines) == 1  # an address inside a NO_PROXY network: direct

    # ALL_PROXY without a scheme means http://; https:// requests are tunnelled through it.
    clean_env.delenv("http_proxy")
    clean_env.delenv("HTTP_PROXY")
    clean_env.delenv("NO_PROXY")
    clean_env.setenv("ALL_PROXY", proxy.url.removeprefix("http://"))
    async with fasthttpx.AsyncClient(backend=backend, verify=False) as client:
        with pytest.raises(fasthttpx.ProxyError, match="502"):  # nothing listens there
            await client.get(f"https://localhost:{_closed_port()}/")
        assert (await client.get(f"http://localhost:{port}/")).status_code == 200
    assert proxy.request_lines[1].startswith(b"CONNECT localhost:")
    assert proxy.request_lines[2] == f"GET http://localhost:{port}/ HTTP/1.1".encode()
