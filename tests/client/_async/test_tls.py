"""TLS: verification against certifi / a CA file / an SSLContext / SSL_CERT_FILE, hostname
checks, SNI and Host as IDNA A-labels, client certificates, verify=False.

Servers: uvicorn with a trustme certificate for ``localhost`` (HTTP/1.1 over TLS), hypercorn
requiring a client certificate, and a small TLS server that records the SNI it received.
Written once, async; ``tests/client/_sync/`` holds the generated sync twin.
"""

from __future__ import annotations

import ssl
from typing import Any

import pytest

import fasthttpx
from tests.http2.fixtures import Certs, certs, mtls_server, sni_server  # noqa: F401


def _tls_url(server: Any, host: str = "localhost", path: str = "/") -> str:
    return f"https://{host}:{server.port}{path}"


@pytest.fixture
def tls_app_server(asgi_server: Any, certs: Certs) -> Any:  # noqa: F811
    return asgi_server(ssl_certfile=certs.server_file, ssl_keyfile=certs.server_file)


async def test_verified_handshake_with_ca_file(
    backend: Any, tls_app_server: Any, certs: Certs  # noqa: F811
) -> None:
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file) as client:
        response = await client.get(_tls_url(tls_app_server))
        again = await client.get(_tls_url(tls_app_server, path="/json"))
    assert response.status_code == 200
    assert response.text == "Hello, world!"
    assert response.http_version == "HTTP/1.1"
    assert again.json()["name"] == "fasthttpx"


async def test_verified_handshake_with_ssl_context(
    backend: Any, tls_app_server: Any, certs: Certs  # noqa: F811
) -> None:
    context = ssl.create_default_context(cafile=certs.ca_file)
    async with fasthttpx.AsyncClient(backend=backend, verify=context) as client:
        response = await client.get(_tls_url(tls_app_server))
    assert response.status_code == 200


async def test_untrusted_certificate_refused_by_default_store(
    backend: Any, tls_app_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This machine sets SSL_CERT_FILE/SSL_CERT_DIR: clear them so certifi's bundle is used.
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    async with fasthttpx.AsyncClient(backend=backend) as client:
        with pytest.raises(fasthttpx.ConnectError) as info:
            await client.get(_tls_url(tls_app_server))
    assert "certificate verify failed" in str(info.value) or \
        "unable to get local issuer" in str(info.value)
    assert isinstance(info.value.__cause__, ssl.SSLError) or info.value.__cause__ is not None


async def test_ssl_cert_file_honoured_only_with_trust_env(
    backend: Any, tls_app_server: Any, certs: Certs, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", certs.ca_file)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert (await client.get(_tls_url(tls_app_server))).status_code == 200
    async with fasthttpx.AsyncClient(backend=backend, trust_env=False) as client:
        with pytest.raises(fasthttpx.ConnectError):
            await client.get(_tls_url(tls_app_server))


async def test_wrong_hostname_refused(
    backend: Any, tls_app_server: Any, certs: Certs  # noqa: F811
) -> None:
    # The certificate names "localhost" only.
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file) as client:
        with pytest.raises(fasthttpx.ConnectError) as info:
            await client.get(_tls_url(tls_app_server, host="127.0.0.1"))
    assert "mismatch" in str(info.value) or "match" in str(info.value)


async def test_verify_false_accepts_any_certificate(
    backend: Any, tls_app_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    async with fasthttpx.AsyncClient(backend=backend, verify=False) as client:
        response = await client.get(_tls_url(tls_app_server, host="127.0.0.1"))
    assert response.status_code == 200


async def test_client_certificate_required_by_server(
    backend: Any, mtls_server: Any, certs: Certs  # noqa: F811
) -> None:
    url = _tls_url(mtls_server)
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file) as client:
        # TLS 1.3: the server's refusal may only show on the first read.
        with pytest.raises(fasthttpx.TransportError):
            await client.get(url)
    async with fasthttpx.AsyncClient(
        backend=backend, verify=certs.ca_file, cert=certs.client_file
    ) as client:
        response = await client.get(url)
    assert response.status_code == 200
    async with fasthttpx.AsyncClient(
        backend=backend, verify=certs.ca_file, cert=(certs.client_file, certs.client_file)
    ) as client:
        assert (await client.get(url)).status_code == 200


async def test_sni_and_host_header(
    backend: Any, sni_server: Any, certs: Certs  # noqa: F811
) -> None:
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file) as client:
        response = await client.get(f"https://localhost:{sni_server.port}/")
    assert response.text == "ok"
    assert sni_server.server_names == ["localhost"]
    assert sni_server.hosts == [f"localhost:{sni_server.port}".encode()]


async def test_ssl_context_built_once_tls12_minimum(
    backend: Any, tls_app_server: Any, certs: Certs  # noqa: F811
) -> None:
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file) as client:
        await client.get(_tls_url(tls_app_server))
        context = client._get_ssl_context()
        assert context is client._get_ssl_context()
        assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
        assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED


def test_idna_host_becomes_a_label_for_sni_and_host() -> None:
    # No resolver maps an IDNA name to 127.0.0.1 here, so check what the pool would use:
    # the origin's host (SNI and connect) and the Host header are the A-label.
    request = fasthttpx.Request("GET", "https://bücher.example/")
    assert request.url.origin[1] == b"xn--bcher-kva.example"
    assert request.headers["Host"] == "xn--bcher-kva.example"


async def test_keep_alive_over_tls_reuses_the_connection(
    backend: Any, tls_app_server: Any, certs: Certs  # noqa: F811
) -> None:
    # TLS 1.3 session tickets arrive after the handshake as unread records: they must not
    # make an idle connection look "readable" (stray bytes) and so never reused.
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file) as client:
        for _ in range(5):
            assert (await client.get(_tls_url(tls_app_server))).status_code == 200
        assert client.transport.connection_count == 1
        first = client.transport
        opened = first.connections_opened
    assert opened == 1
