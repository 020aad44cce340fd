"""Timeout, Limits, TLS context creation, and status codes."""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import pytest
import trustme

from fasthttpx._config import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_TIMEOUT,
    Limits,
    Timeout,
    create_ssl_context,
)
from fasthttpx._status_codes import codes


def test_timeout_forms() -> None:
    assert Timeout(5.0) == DEFAULT_TIMEOUT
    assert Timeout(None).as_dict() == {"connect": None, "read": None, "write": None, "pool": None}
    t = Timeout(5.0, connect=1.0)
    assert (t.connect, t.read, t.write, t.pool) == (1.0, 5.0, 5.0, 5.0)
    assert Timeout(t) == t and Timeout(t) is not t
    assert Timeout((1, 2, 3, 4)).as_dict() == {"connect": 1, "read": 2, "write": 3, "pool": 4}
    assert Timeout((1, 2)).as_dict() == {"connect": 1, "read": 2, "write": None, "pool": None}
    assert Timeout(connect=1, read=2, write=3, pool=None).pool is None
    assert Timeout(1.0, connect=2).read == 1.0
    assert repr(Timeout(3.0)) == "Timeout(timeout=3.0)"
    assert repr(t) == "Timeout(connect=1.0, read=5.0, write=5.0, pool=5.0)"
    assert Timeout(1) != Timeout(2) and Timeout(1) != 1
    with pytest.raises(ValueError):
        Timeout(-1)
    with pytest.raises(ValueError):
        Timeout((1,))
    with pytest.raises(ValueError):
        Timeout(t, connect=1)


@pytest.mark.parametrize(
    "kwargs", [{}, {"pool": 60.0}, {"connect": 1.0}, {"connect": 1, "read": 2, "write": 3}]
)
def test_timeout_without_default_needs_all_four(kwargs: dict[str, float]) -> None:
    # As HTTPX: a phase with neither a value nor a default to fall back on is an error.
    with pytest.raises(ValueError, match="default"):
        Timeout(**kwargs)


def test_limits() -> None:
    assert DEFAULT_LIMITS == Limits(max_connections=100, max_keepalive_connections=20,
                                    keepalive_expiry=5.0)
    assert repr(DEFAULT_LIMITS) == (
        "Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)"
    )
    # As HTTPX, the class itself defaults to no limits; the clients use DEFAULT_LIMITS.
    assert repr(Limits(max_connections=7)) == (
        "Limits(max_connections=7, max_keepalive_connections=None, keepalive_expiry=5.0)"
    )
    assert Limits() == Limits(max_connections=None, max_keepalive_connections=None)
    assert Limits(max_connections=1) != Limits()
    for bad in ({"max_connections": 0}, {"max_keepalive_connections": -1},
                {"keepalive_expiry": -0.5}):
        with pytest.raises(ValueError):
            Limits(**bad)
    assert DEFAULT_MAX_REDIRECTS == 20


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def _subjects(ctx: ssl.SSLContext) -> list[object]:
    return [c["subject"] for c in ctx.get_ca_certs()]


def test_ssl_default_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    ctx = create_ssl_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    assert ctx.options & ssl.OP_NO_COMPRESSION
    reference = ssl.create_default_context(cafile=certifi.where())
    assert len(ctx.get_ca_certs()) == len(reference.get_ca_certs()) > 50


def test_ssl_verify_false() -> None:
    ctx = create_ssl_context(verify=False)
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname


def test_ssl_verify_path(ca: trustme.CA, tmp_path: Path) -> None:
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    ctx = create_ssl_context(verify=str(pem))
    assert len(ctx.get_ca_certs()) == 1
    ctx_dir = create_ssl_context(verify=str(tmp_path))  # capath: loaded lazily
    assert ctx_dir.verify_mode == ssl.CERT_REQUIRED
    with pytest.raises(FileNotFoundError):
        create_ssl_context(verify=str(tmp_path / "missing.pem"))


def test_ssl_context_passthrough() -> None:
    mine = ssl.create_default_context()
    assert create_ssl_context(verify=mine) is mine


def test_ssl_cert_file_env(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    assert len(create_ssl_context().get_ca_certs()) == 1  # honoured
    assert len(create_ssl_context(trust_env=False).get_ca_certs()) > 50  # ignored
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    assert len(create_ssl_context().get_ca_certs()) > 50  # not a file: certifi


def test_ssl_client_cert(ca: trustme.CA, tmp_path: Path) -> None:
    cert = ca.issue_cert("client.example")
    both = tmp_path / "both.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(both))
    create_ssl_context(cert=str(both))
    key = tmp_path / "key.pem"
    crt = tmp_path / "crt.pem"
    cert.private_key_pem.write_to_path(str(key))
    cert.cert_chain_pems[0].write_to_path(str(crt))
    create_ssl_context(cert=(str(crt), str(key)))
    create_ssl_context(cert=(str(crt), str(key), None))
    with pytest.raises(ssl.SSLError):
        create_ssl_context(cert=str(key))  # a key alone is not a certificate
    with pytest.raises(TypeError):
        create_ssl_context(cert=("a",))


def test_ssl_alpn_handshake(ca: trustme.CA) -> None:
    """ALPN offers are what the server sees (in-memory TLS, no sockets)."""
    for http2, expected in ((False, "http/1.1"), (True, "h2")):
        client_ctx = create_ssl_context(verify=False, http2=http2)
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("localhost").configure_cert(server_ctx)
        server_ctx.set_alpn_protocols(["h2", "http/1.1"])
        c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
        client = client_ctx.wrap_bio(c_in, c_out, server_hostname="localhost")
        server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
        for _ in range(10):
            for obj in (client, server):
                try:
                    obj.do_handshake()
                except ssl.SSLWantReadError:
                    pass
            s_in.write(c_out.read())
            c_in.write(s_out.read())
        assert client.selected_alpn_protocol() == expected


def test_status_codes() -> None:
    assert codes.OK == 200 and codes.ok == 200 and codes.not_found == 404
    assert codes.NOT_FOUND.phrase == "Not Found"
    assert codes(418).phrase == "I'm a teapot"
    assert str(codes.OK) == "200"
    assert codes.get_reason_phrase(204) == "No Content"
    assert codes.get_reason_phrase(299) == ""
    assert codes.is_success(204) and codes.is_redirect(301) and codes.is_error(404)
    assert codes.is_client_error(499) and codes.is_server_error(500)
    assert codes.is_informational(101) and not codes.is_error(399)
    assert codes.PERMANENT_REDIRECT == 308 and codes.temporary_redirect == 307
