"""Proxies beyond plain ``http://``: ``https://`` proxies (TLS with the proxy itself, then
forwarding or a CONNECT tunnel inside it, which for an https:// origin is TLS inside TLS),
and SOCKS5 / SOCKS5h proxies (:class:`tests.client.socks_server.SocksServer`): remote or
local name resolution, credentials, and a proxy that refuses, closes or answers garbage.

The proxy is :class:`tests.client.proxy_server.ProxyServer` given a server TLS context, with
a certificate for 127.0.0.1 from the same trustme CA as the origin's (``verify=`` with that
CA trusts both). Written once, async; ``tests/client/_sync/`` holds the generated twin.
"""

from __future__ import annotations

import socket
import ssl
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import trustme

import fasthttpx
from fasthttpx._proxy import Socks5Handshake
from tests.client.proxy_server import ProxyServer
from tests.client.socks_server import SocksServer
from tests.http2.fixtures import Certs, certs  # noqa: F401


def _proxy_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def tls_proxy(certs: Certs) -> Iterator[ProxyServer]:  # noqa: F811
    with ProxyServer(ssl_context=_proxy_context(certs.ca)) as server:
        yield server


@pytest.fixture
def tls_app_server(asgi_server: Any, certs: Certs) -> Any:  # noqa: F811
    return asgi_server(ssl_certfile=certs.server_file, ssl_keyfile=certs.server_file)


async def test_https_proxy_forwards_http_requests(
    backend: Any, app_server: Any, tls_proxy: ProxyServer, certs: Certs  # noqa: F811
) -> None:
    assert tls_proxy.url.startswith("https://")
    transport = fasthttpx.AsyncHTTPTransport(
        proxy=fasthttpx.Proxy(tls_proxy.url, auth=("user", "pw")), verify=certs.ca_file,
        backend=backend,
    )
    async with fasthttpx.AsyncClient(transport=transport) as client:
        first = await client.get(f"{app_server.url}/json")
        second = await client.get(f"{app_server.url}/echo")
    assert first.json()["name"] == "fasthttpx"
    assert second.status_code == 200
    assert tls_proxy.request_lines == [
        f"GET {app_server.url}/json HTTP/1.1".encode(),
        f"GET {app_server.url}/echo HTTP/1.1".encode(),
    ]
    assert tls_proxy.proxy_authorizations[0] is not None
    assert tls_proxy.connections == 1
    assert transport.connections_opened == 1


async def test_https_proxy_tunnels_https_requests_tls_in_tls(
    backend: Any, tls_app_server: Any, tls_proxy: ProxyServer, certs: Certs  # noqa: F811
) -> None:
    port = tls_app_server.port
    async with fasthttpx.AsyncClient(
        backend=backend, proxy=tls_proxy.url, verify=certs.ca_file
    ) as client:
        first = await client.get(f"https://localhost:{port}/echo")
        second = await client.post(f"https://localhost:{port}/echo", content=b"x" * 300_000)
        assert client.transport.connections_opened == 1
    assert first.status_code == 200
    assert dict(first.json()["headers"])["host"] == f"localhost:{port}"
    assert len(second.json()["body"]) == 300_000
    assert tls_proxy.connect_targets == [f"localhost:{port}"]
    assert tls_proxy.connections == 1


async def test_https_proxy_with_untrusted_certificate(
    backend: Any, app_server: Any, certs: Certs  # noqa: F811
) -> None:
    with ProxyServer(ssl_context=_proxy_context(trustme.CA())) as proxy:
        transport = fasthttpx.AsyncHTTPTransport(
            proxy=proxy.url, verify=certs.ca_file, backend=backend
        )
        async with fasthttpx.AsyncClient(transport=transport) as client:
            with pytest.raises(fasthttpx.ConnectError) as info:
                await client.get(f"{app_server.url}/")
    message = str(info.value)
    assert "proxy" in message and proxy.url in message
    assert "certificate" in message


async def test_https_proxy_refusing_the_tunnel(
    backend: Any, tls_app_server: Any, certs: Certs  # noqa: F811
) -> None:
    with ProxyServer(connect_status=407, ssl_context=_proxy_context(certs.ca)) as proxy:
        async with fasthttpx.AsyncClient(
            backend=backend, proxy=proxy.url, verify=certs.ca_file
        ) as client:
            with pytest.raises(fasthttpx.ProxyError, match="407"):
                await client.get(f"https://localhost:{tls_app_server.port}/")


# -- SOCKS5 --------------------------------------------------------------------------------


async def test_socks5h_sends_the_name_and_reuses_the_tunnel(
    backend: Any, app_server: Any
) -> None:
    port = app_server.port
    with SocksServer() as socks:
        async with fasthttpx.AsyncClient(backend=backend, proxy=socks.url("socks5h")) as client:
            first = await client.get(f"http://localhost:{port}/echo")
            second = await client.get(f"http://localhost:{port}/json")
            assert client.transport.connections_opened == 1
    assert dict(first.json()["headers"])["host"] == f"localhost:{port}"
    assert first.json()["path"] == "/echo"  # origin-form: the proxy is only a tunnel
    assert second.json()["name"] == "fasthttpx"
    assert socks.targets == [(3, "localhost", port)]
    assert socks.methods == [b"\x00"]


async def test_socks5_resolves_locally(backend: Any, app_server: Any) -> None:
    port = app_server.port
    expected = str(socket.getaddrinfo("localhost", port, type=socket.SOCK_STREAM)[0][4][0])
    with SocksServer() as socks:
        transport = fasthttpx.AsyncHTTPTransport(proxy=socks.url("socks5"), backend=backend)
        async with fasthttpx.AsyncClient(transport=transport) as client:
            response = await client.get(f"http://localhost:{port}/echo")
    assert response.status_code == 200
    assert dict(response.json()["headers"])["host"] == f"localhost:{port}"
    assert socks.targets == [(1 if "." in expected else 4, expected, port)]


async def test_socks5_https_target(
    backend: Any, tls_app_server: Any, certs: Certs  # noqa: F811
) -> None:
    port = tls_app_server.port
    with SocksServer() as socks:
        async with fasthttpx.AsyncClient(
            backend=backend, proxy=socks.url("socks5h"), verify=certs.ca_file
        ) as client:
            response = await client.get(f"https://localhost:{port}/echo")
    assert response.status_code == 200
    assert socks.targets == [(3, "localhost", port)]


async def test_socks5_credentials(backend: Any, app_server: Any) -> None:
    with SocksServer(credentials=(b"user", b"p@ss")) as socks:
        url = socks.url("socks5h", "user:p%40ss@")
        async with fasthttpx.AsyncClient(backend=backend, proxy=url) as client:
            response = await client.get(f"{app_server.url}/json")
        assert response.json()["name"] == "fasthttpx"
        assert socks.methods == [b"\x00\x02"]
        assert socks.sent_credentials == [(b"user", b"p@ss")]
        wrong = socks.url("socks5h", "user:wrong@")
        async with fasthttpx.AsyncClient(backend=backend, proxy=wrong) as client:
            with pytest.raises(fasthttpx.ProxyError, match="authentication step.*rejected"):
                await client.get(f"{app_server.url}/json")
        async with fasthttpx.AsyncClient(backend=backend, proxy=socks.url("socks5h")) as client:
            with pytest.raises(fasthttpx.ProxyError, match="greeting step.*none of"):
                await client.get(f"{app_server.url}/json")


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("refuse", "connect step: the proxy refused to connect to localhost:.*connection refused"),
        ("close-at-greeting", "greeting step: the proxy closed the connection"),
        ("close-at-connect", "connect step: the proxy closed the connection"),
        ("garbage-at-greeting", "greeting step: not a SOCKS5 answer"),
        ("garbage-at-connect", "connect step: unknown address type 9"),
        ("no-method", "greeting step: the proxy accepted none"),
    ],
)
async def test_socks5_failures_name_the_step(
    backend: Any, app_server: Any, mode: str, message: str
) -> None:
    with SocksServer(mode=mode) as socks:
        async with fasthttpx.AsyncClient(backend=backend, proxy=socks.url("socks5h")) as client:
            with pytest.raises(fasthttpx.ProxyError, match=message) as info:
                await client.get(f"http://localhost:{app_server.port}/")
            assert client.transport.connection_count == 0
    assert socks.url("socks5h") in str(info.value)


async def test_unreachable_socks_proxy(backend: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with fasthttpx.AsyncClient(
        backend=backend, proxy=f"socks5h://127.0.0.1:{port}"
    ) as client:
        with pytest.raises(fasthttpx.ConnectError, match="proxy"):
            await client.get("http://localhost/")


async def test_missing_socksio_names_the_extra(
    backend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "socksio", None)
    with pytest.raises(ImportError, match=r"fasthttpx\[socks\]"):
        fasthttpx.AsyncHTTPTransport(proxy="socks5://127.0.0.1:1080", backend=backend)


def test_socks_handshake_split_anywhere() -> None:
    """The sans-I/O handshake frames each answer itself: an answer split anywhere (or sent
    byte by byte) gives the same result as one in a single piece."""
    answers = [b"\x05\x02", b"\x01\x00", b"\x05\x00\x00\x03\x04host\x00\x50"]
    expected = [
        b"\x05\x02\x00\x02", b"\x01\x01u\x01p",
        b"\x05\x01\x00\x03\x0bexample.org\x01\xbb", b"",
    ]
    splitters = [lambda answer: [answer],
                 lambda answer: [answer[i:i + 1] for i in range(len(answer))]]
    splitters += [lambda answer, k=k: [answer[:k], answer[k:]] for k in (1, 3, 5)]
    for split in splitters:
        handshake = Socks5Handshake(fasthttpx.URL("socks5h://p:1"), ("example.org", 443),
                                    (b"u", b"p"))
        sent = [handshake.start()]
        for answer in answers:
            sent.append(b"".join(handshake.receive(piece) for piece in split(answer) if piece))
        assert handshake.done
        assert sent == expected
    early = Socks5Handshake(fasthttpx.URL("socks5h://p:1"), ("example.org", 443), (b"u", b"p"))
    early.start()
    with pytest.raises(fasthttpx.ProxyError, match="before our request"):
        early.receive(answers[0] + answers[1])  # an answer to credentials not yet sent
