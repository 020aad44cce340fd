"""Fixtures for the TLS and HTTP/2 client tests (imported by name into the test modules).

Certificates come from a trustme CA made once per session: a server certificate for
``localhost`` only (so ``https://127.0.0.1`` fails the hostname check), and a client
certificate for the tests of ``cert=``. Servers are module-scoped: starting hypercorn costs
tens of milliseconds, and each test reads only what it needs from ``seen``.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from tests.http2.nginx import NginxServer, find_nginx
from tests.http2.servers import HypercornServer, Script, ScriptedH2Server, SNIRecorder


@dataclass(frozen=True)
class Certs:
    ca: trustme.CA
    ca_file: str  # the CA certificate (for verify=)
    server_file: str  # server key + certificate chain for "localhost"
    client_file: str  # client key + certificate chain, issued by the same CA


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    ca = trustme.CA()
    path: Path = tmp_path_factory.mktemp("certs")
    ca_file = path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server_file = path / "server.pem"
    ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(str(server_file))
    client_file = path / "client.pem"
    ca.issue_cert("client@example.org").private_key_and_cert_chain_pem.write_to_path(
        str(client_file)
    )
    return Certs(ca, str(ca_file), str(server_file), str(client_file))


@pytest.fixture(scope="module")
def h2_server(certs: Certs) -> Iterator[HypercornServer]:
    """hypercorn over TLS offering h2 and http/1.1 by ALPN."""
    with HypercornServer(None, tls=(certs.server_file, certs.server_file)) as server:
        yield server


@pytest.fixture(scope="module")
def h1_only_tls_server(certs: Certs) -> Iterator[HypercornServer]:
    """hypercorn over TLS whose ALPN offers only http/1.1."""
    with HypercornServer(
        None, tls=(certs.server_file, certs.server_file), alpn_protocols=["http/1.1"]
    ) as server:
        yield server


@pytest.fixture(scope="module")
def h2c_server() -> Iterator[HypercornServer]:
    """hypercorn in cleartext (HTTP/1.1, or HTTP/2 with prior knowledge)."""
    with HypercornServer(None) as server:
        yield server


@pytest.fixture(scope="module")
def mtls_server(certs: Certs) -> Iterator[HypercornServer]:
    """hypercorn over TLS requiring a client certificate issued by the test CA."""
    with HypercornServer(
        None, tls=(certs.server_file, certs.server_file), ca_certs=certs.ca_file,
        verify_mode=ssl.CERT_REQUIRED,
    ) as server:
        yield server


@pytest.fixture
def sni_server(certs: Certs) -> Iterator[SNIRecorder]:
    server = SNIRecorder(certs.server_file).start()
    yield server
    server.stop()


@pytest.fixture
def scripted_h2() -> Iterator[list[ScriptedH2Server]]:
    """Factory list: ``start_scripted(scripted_h2, script)``; stopped at teardown."""
    servers: list[ScriptedH2Server] = []
    yield servers
    for server in servers:
        server.stop()


def start_scripted(servers: list[ScriptedH2Server], script: Script) -> ScriptedH2Server:
    server = ScriptedH2Server(script).start()
    servers.append(server)
    return server


@pytest.fixture(scope="session")
def nginx_server(certs: Certs) -> Iterator[NginxServer]:
    """nginx over TLS (h2 and http/1.1 by ALPN) with its own configuration; skipped, with
    the reason, when nginx is not installed."""
    binary = find_nginx()
    if binary is None:
        pytest.skip("nginx is not installed (looked for `nginx` on PATH and /usr/sbin/nginx; "
                    "apt-get install nginx-light): the tests against nginx are skipped")
    server = NginxServer(binary, certs.server_file).start()
    yield server
    server.close()
