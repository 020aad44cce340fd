"""Proves the kit's ASGI app under uvicorn, with http.client as the client."""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.kit.app import (
    HELLO,
    JSON_DOC,
    MIB,
    brotli_body,
    charset_text,
    deflate_body,
    deterministic_bytes,
    gzip_body,
    large_block,
)
from tests.kit.uvicorn_server import UvicornServer


@pytest.fixture
def conn(app_server: UvicornServer) -> Iterator[http.client.HTTPConnection]:
    connection = http.client.HTTPConnection("127.0.0.1", app_server.port, timeout=10)
    yield connection
    connection.close()


def fetch(
    conn: http.client.HTTPConnection,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[http.client.HTTPResponse, bytes]:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def fetch_json(conn: http.client.HTTPConnection, path: str, **kw: Any) -> Any:
    response, body = fetch(conn, path, **kw)
    assert response.getheader("content-type") == "application/json"
    return json.loads(body)


def test_url(app_server: UvicornServer) -> None:
    assert app_server.url == f"http://127.0.0.1:{app_server.port}"


def test_root(conn: http.client.HTTPConnection) -> None:
    response, body = fetch(conn, "/")
    assert (response.status, body) == (200, HELLO)
    assert response.getheader("content-length") == "13"


def test_not_found(conn: http.client.HTTPConnection) -> None:
    assert fetch(conn, "/nope")[0].status == 404


def test_echo(conn: http.client.HTTPConnection) -> None:
    doc = fetch_json(conn, "/echo/x?a=1&b=2", method="POST", body=b"hi", headers={"X-T": "v"})
    assert doc["method"] == "POST"
    assert doc["path"] == "/echo/x"
    assert doc["query"] == "a=1&b=2"
    assert ["x-t", "v"] in doc["headers"]
    assert doc["body"] == "hi"
    binary = fetch_json(conn, "/echo", method="PUT", body=b"\xff\x00")
    assert binary["body"] is None
    assert base64.b64decode(binary["body_base64"]) == b"\xff\x00"


def test_head_has_no_body(conn: http.client.HTTPConnection) -> None:
    response, body = fetch(conn, "/", method="HEAD")
    assert (response.status, body, response.getheader("content-length")) == (200, b"", "13")


def test_json(conn: http.client.HTTPConnection) -> None:
    assert fetch_json(conn, "/json") == JSON_DOC


@pytest.mark.parametrize("code", [200, 204, 301, 304, 404, 418, 500, 503])
def test_status(conn: http.client.HTTPConnection, code: int) -> None:
    response, body = fetch(conn, f"/status/{code}")
    assert (response.status, body) == (code, b"")
    if code == 301:
        assert response.getheader("location") == "/"


def test_redirect_chain(conn: http.client.HTTPConnection) -> None:
    response, _ = fetch(conn, "/redirect/3")
    assert (response.status, response.getheader("location")) == (302, "/redirect/2")
    response, _ = fetch(conn, "/redirect/1")
    assert response.getheader("location") == "/"


def test_absolute_and_relative_redirects(
    conn: http.client.HTTPConnection, app_server: UvicornServer
) -> None:
    response, _ = fetch(conn, "/absolute-redirect/2")
    assert response.getheader("location") == f"{app_server.url}/absolute-redirect/1"
    response, _ = fetch(conn, "/relative-redirect")
    assert (response.status, response.getheader("location")) == (302, "json")


def test_redirect_to(conn: http.client.HTTPConnection) -> None:
    response, _ = fetch(conn, "/redirect-to?url=http%3A%2F%2Fexample.org%2Fx&status_code=307")
    assert (response.status, response.getheader("location")) == (307, "http://example.org/x")
    assert fetch(conn, "/redirect-to?url=/")[0].status == 302


def test_bytes(conn: http.client.HTTPConnection) -> None:
    response, body = fetch(conn, "/bytes/1000")
    assert body == deterministic_bytes(1000) and len(set(body)) > 200
    assert fetch(conn, "/bytes/10?seed=3")[1] == deterministic_bytes(10, 3) != body[:10]


def test_stream_is_chunked(conn: http.client.HTTPConnection) -> None:
    response, body = fetch(conn, "/stream/4")
    assert response.getheader("transfer-encoding") == "chunked"
    assert [json.loads(line) for line in body.splitlines()] == [{"id": i} for i in range(4)]


def test_encodings(conn: http.client.HTTPConnection) -> None:
    response, body = fetch(conn, "/gzip")
    assert response.getheader("content-encoding") == "gzip"
    assert gzip.decompress(body) == gzip_body()
    response, body = fetch(conn, "/deflate")
    assert response.getheader("content-encoding") == "deflate"
    assert zlib.decompress(body) == deflate_body()


def test_brotli(conn: http.client.HTTPConnection) -> None:
    brotli = pytest.importorskip("brotli")
    response, body = fetch(conn, "/brotli")
    assert response.getheader("content-encoding") == "br"
    assert brotli.decompress(body) == brotli_body()


def test_delay(conn: http.client.HTTPConnection) -> None:
    start = time.monotonic()
    response, body = fetch(conn, "/delay/150")
    assert body == HELLO and time.monotonic() - start >= 0.14


def test_headers(conn: http.client.HTTPConnection) -> None:
    doc = fetch_json(conn, "/headers", headers={"X-Multi": "a"})
    assert ["x-multi", "a"] in doc["headers"]


def test_cookies(conn: http.client.HTTPConnection) -> None:
    response, _ = fetch(conn, "/cookies/set?a=1&b=two")
    assert response.status == 302 and response.getheader("location") == "/cookies"
    assert response.headers.get_all("set-cookie") == ["a=1; Path=/", "b=two; Path=/"]
    doc = fetch_json(conn, "/cookies", headers={"Cookie": "a=1; b=two"})
    assert doc == {"cookies": {"a": "1", "b": "two"}}


def test_slow_body(conn: http.client.HTTPConnection) -> None:
    conn.request("GET", "/slow-body?chunks=4&size=3&delay=0.05")
    response = conn.getresponse()
    assert response.getheader("content-length") == "12"
    start = time.monotonic()
    assert response.read() == b"x" * 12
    assert time.monotonic() - start >= 0.1


def test_basic_auth(conn: http.client.HTTPConnection) -> None:
    good = base64.b64encode(b"user:pa ss").decode()
    doc = fetch_json(conn, "/basic-auth/user/pa%20ss", headers={"Authorization": f"Basic {good}"})
    assert doc == {"authenticated": True, "user": "user"}
    response, _ = fetch(conn, "/basic-auth/user/other", headers={"Authorization": f"Basic {good}"})
    assert response.status == 401
    assert response.getheader("www-authenticate") == 'Basic realm="kit"'
    assert fetch(conn, "/basic-auth/user/pass")[0].status == 401


@pytest.mark.parametrize("charset", ["utf-8", "latin-1", "koi8-r", "shift_jis", "ascii"])
def test_charset(conn: http.client.HTTPConnection, charset: str) -> None:
    response, body = fetch(conn, f"/charset/{charset}")
    assert response.getheader("content-type") == f"text/plain; charset={charset}"
    assert body.decode(charset) == charset_text(charset)
    response, _ = fetch(conn, f"/charset/{charset}?declare=0")
    assert response.getheader("content-type") == "text/plain"


def test_large(conn: http.client.HTTPConnection) -> None:
    response, body = fetch(conn, "/large/2")
    assert response.getheader("content-length") == str(2 * MIB)
    assert body == large_block() * 32
    response, body = fetch(conn, "/large/1?chunked=1")
    assert response.getheader("transfer-encoding") == "chunked"
    assert len(body) == MIB


def test_asgi_server_factory(asgi_server: Any, no_fd_leak: None) -> None:
    srv = asgi_server(http="h11")
    connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        response, body = fetch(connection, "/")
    finally:
        connection.close()
    assert body == HELLO


def test_uvicorn_server_stops_cleanly(no_fd_leak: None) -> None:
    with UvicornServer() as srv:
        connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        fetch(connection, "/")  # leave the keep-alive connection open on purpose
    connection.close()
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5).connect()
