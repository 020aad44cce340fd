"""HTTP/2 against nginx, an independent server (issue 16): small and 1 MiB static files, a
gzip body streamed without a content-length, HEAD, 404, many concurrent streams on one
connection, an upload nginx discards, a stream abandoned mid-body; and the same nginx over
HTTP/1.1 (the gzip body arrives chunked there).

nginx is started by the ``nginx_server`` fixture (``tests/http2/nginx.py``) with its own
configuration; without nginx these tests skip and say why. Written once, async;
``tests/client/_sync/`` holds the generated sync twin.
"""

from __future__ import annotations

import hashlib
from typing import Any

import fasthttpx
from tests.http2.fixtures import Certs, certs, nginx_server  # noqa: F401
from tests.http2.nginx import LARGE, SMALL, TEXT


def _client(backend: Any, certs: Certs, **options: Any) -> fasthttpx.AsyncClient:  # noqa: F811
    return fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file, http2=True,
                                 timeout=10.0, **options)


async def test_static_files(backend: Any, nginx_server: Any, certs: Certs) -> None:  # noqa: F811
    async with _client(backend, certs) as c:
        small = await c.get(nginx_server.url("/small.txt"))
        large = await c.get(nginx_server.url("/large.bin"))
        head = await c.head(nginx_server.url("/large.bin"))
        missing = await c.get(nginx_server.url("/missing"))
        assert c.transport.connection_count == 1
    assert small.http_version == "HTTP/2"
    assert small.status_code == 200
    assert small.content == SMALL
    assert small.headers["server"].startswith("nginx")
    assert small.headers["content-type"] == "text/plain"
    assert large.headers["content-length"] == str(len(LARGE))
    assert hashlib.sha256(large.content).digest() == hashlib.sha256(LARGE).digest()
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(LARGE))
    assert missing.status_code == 404
    assert missing.http_version == "HTTP/2"


async def test_gzip_body_without_content_length(
    backend: Any, nginx_server: Any, certs: Certs  # noqa: F811
) -> None:
    url = nginx_server.url("/gz/text.txt")
    async with _client(backend, certs) as c:
        response = await c.get(url, headers={"accept-encoding": "gzip"})
        sent = 0
        async with c.stream("GET", url, headers={"accept-encoding": "gzip"}) as streamed:
            async for piece in streamed.aiter_raw():
                sent += len(piece)
        plain = await c.get(url, headers={"accept-encoding": "identity"})
    assert response.http_version == "HTTP/2"
    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers  # compressed as it is sent
    assert response.content == TEXT
    assert 0 < sent < len(TEXT) // 4
    assert plain.content == TEXT and "content-encoding" not in plain.headers


async def test_concurrent_streams_share_one_connection(
    backend: Any, nginx_server: Any, certs: Certs  # noqa: F811
) -> None:
    async with _client(backend, certs) as c:
        async with c.parallel() as parallel:
            pending = [parallel.get(nginx_server.url("/small.txt")) for _ in range(60)]
            pending += [parallel.get(nginx_server.url("/large.bin")) for _ in range(4)]
            responses = [await p.get_response() for p in pending]
        assert c.transport.connection_count == 1
    assert all(r.http_version == "HTTP/2" and r.status_code == 200 for r in responses)
    assert [r.content for r in responses[:60]] == [SMALL] * 60
    assert all(r.content == LARGE for r in responses[60:])


async def test_upload_and_abandoned_stream_keep_the_connection(
    backend: Any, nginx_server: Any, certs: Certs  # noqa: F811
) -> None:
    async with _client(backend, certs) as c:
        uploaded = await c.post(nginx_server.url("/upload"), content=LARGE)
        assert uploaded.status_code == 200 and uploaded.text == "uploaded"
        async with c.stream("GET", nginx_server.url("/large.bin")) as response:
            pieces = response.aiter_raw()
            assert await pieces.__anext__()
            await pieces.aclose()  # the rest unread: leaving resets the stream (CANCEL)
        again = await c.get(nginx_server.url("/small.txt"))
        assert again.content == SMALL
        assert c.transport.connection_count == 1


async def test_http11_to_the_same_nginx(
    backend: Any, nginx_server: Any, certs: Certs  # noqa: F811
) -> None:
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file, timeout=10.0) as c:
        response = await c.get(nginx_server.url("/gz/text.txt"),
                               headers={"accept-encoding": "gzip"})
        large = await c.get(nginx_server.url("/large.bin"))
    assert response.http_version == "HTTP/1.1"
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.content == TEXT
    assert large.content == LARGE
