"""Connections through the adapters: TLS with the library's own context, HTTP/2 by ALPN and
by prior knowledge, the ``sni_hostname`` extension, proxies (given, and from the environment
as the library mounts them), Unix sockets, and the client classes' default transports."""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.adapters.conftest import Lib
from tests.client.proxy_server import ProxyServer
from tests.http2.fixtures import Certs, certs, h2_server, h2c_server, sni_server  # noqa: F401


@pytest.fixture
def ca(certs: Certs) -> ssl.SSLContext:  # noqa: F811
    return ssl.create_default_context(cafile=certs.ca_file)


@pytest.fixture
def socket_path() -> Iterator[str]:
    directory = tempfile.mkdtemp(prefix="fx-adapter-uds-")
    try:
        yield os.path.join(directory, "app.sock")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def test_http2_by_alpn(
    lib: Lib, backend_name: str, h2_server: Any, ca: ssl.SSLContext  # noqa: F811
) -> None:
    url = f"https://localhost:{h2_server.port}"
    async with lib.adapter.AsyncClient(verify=ca, http2=True) as client:
        response = await client.get(url + "/")
        echo = (await client.post(url + "/echo?x=1", content=b"abc")).json()
        async with client.stream("GET", url + "/stream/3") as streamed:
            lines = [line async for line in streamed.aiter_lines() if line]
    assert response.http_version == "HTTP/2"
    assert response.extensions["http_version"] == b"HTTP/2"
    assert "reason_phrase" not in response.extensions  # HTTP/2 has none
    assert response.reason_phrase == "OK"
    assert response.text == "Hello, world!"
    assert echo["http_version"] == "2" and echo["body"] == "abc" and echo["query"] == "x=1"
    assert len(lines) == 3


async def test_http1_over_tls_unless_http2_is_asked(
    lib: Lib, backend_name: str, h2_server: Any, ca: ssl.SSLContext  # noqa: F811
) -> None:
    async with lib.adapter.AsyncClient(verify=ca) as client:
        response = await client.get(f"https://localhost:{h2_server.port}/")
    assert response.http_version == "HTTP/1.1"


async def test_http2_prior_knowledge(
    lib: Lib, backend_name: str, h2c_server: Any  # noqa: F811
) -> None:
    transport = lib.adapter.AsyncTransport(http1=False, http2=True)
    async with lib.module.AsyncClient(transport=transport) as client:
        response = await client.get(f"http://127.0.0.1:{h2c_server.port}/json")
    assert response.http_version == "HTTP/2"
    assert response.json()["name"] == "fasthttpx"


async def test_certificate_is_checked_against_the_host(
    lib: Lib, backend_name: str, h2_server: Any, ca: ssl.SSLContext  # noqa: F811
) -> None:
    async with lib.adapter.AsyncClient(verify=ca) as client:
        with pytest.raises(lib.module.ConnectError):
            await client.get(f"https://127.0.0.1:{h2_server.port}/")  # issued for localhost


async def test_sni_hostname_extension(
    lib: Lib, backend_name: str, sni_server: Any, ca: ssl.SSLContext  # noqa: F811
) -> None:
    async with lib.adapter.AsyncClient(verify=ca) as client:
        response = await client.get(
            f"https://127.0.0.1:{sni_server.port}/", extensions={"sni_hostname": "localhost"}
        )
    assert response.status_code == 200
    assert sni_server.server_names == ["localhost"]
    assert sni_server.hosts == [f"127.0.0.1:{sni_server.port}".encode()]


async def test_forward_proxy(lib: Lib, backend_name: str, app_server: Any) -> None:
    with ProxyServer() as proxy:
        async with lib.adapter.AsyncClient(proxy=proxy.url) as client:
            transport = client._transport_for_url(lib.module.URL(app_server.url))
            assert isinstance(transport, lib.adapter.AsyncTransport)
            response = await client.get(app_server.url + "/json")
        assert proxy.request_lines == [f"GET {app_server.url}/json HTTP/1.1".encode()]
    assert response.json()["name"] == "fasthttpx"


async def test_proxy_object_with_credentials(lib: Lib, backend_name: str, app_server: Any) -> None:
    with ProxyServer() as proxy:
        proxy_config = lib.module.Proxy(proxy.url, auth=("alice", "secret"))
        async with lib.adapter.AsyncClient(proxy=proxy_config) as client:
            assert (await client.get(app_server.url + "/")).text == "Hello, world!"
        assert proxy.proxy_authorizations == [b"Basic YWxpY2U6c2VjcmV0"]


async def test_environment_proxies_are_mounted_as_our_transports(
    lib: Lib, backend_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    async with lib.adapter.AsyncClient() as client:
        mounted = [t for t in client._mounts.values() if t is not None]
        assert mounted and all(isinstance(t, lib.adapter.AsyncTransport) for t in mounted)
        assert isinstance(client._transport, lib.adapter.AsyncTransport)
    async with lib.adapter.AsyncClient(trust_env=False) as client:
        assert all(t is None for t in client._mounts.values())


async def test_given_transport_is_kept(lib: Lib, backend_name: str) -> None:
    transport = lib.module.MockTransport(lambda request: lib.module.Response(204))
    async with lib.adapter.AsyncClient(transport=transport) as client:
        assert client._transport is transport
        assert (await client.get("http://example.invalid/")).status_code == 204


async def test_unix_socket(lib: Lib, backend_name: str, asgi_server: Any, socket_path: str) -> None:
    asgi_server(uds=socket_path)
    transport = lib.adapter.AsyncTransport(uds=socket_path)
    async with lib.module.AsyncClient(transport=transport) as client:
        response = await client.get("http://app.example/echo")
    assert ["host", "app.example"] in response.json()["headers"]


async def test_clients_are_the_library_classes(lib: Lib, backend_name: str) -> None:
    async with lib.adapter.AsyncClient(http2=True) as client:
        assert isinstance(client, lib.module.AsyncClient)
        assert isinstance(client._transport, lib.module.AsyncBaseTransport)
        assert isinstance(client._transport, lib.adapter.AsyncTransport)
