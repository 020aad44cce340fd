"""HTTP/2: ALPN and prior knowledge, many streams on one connection, flow control for big
bodies both ways, streaming, and the failures that must stay per-stream (RST_STREAM) or
per-range (GOAWAY).

Servers: hypercorn over TLS (trustme certificate) and in cleartext (h2c), and a scripted
server built on h2 itself for GOAWAY, RST_STREAM, PING and SETTINGS. Written once, async;
``tests/client/_sync/`` holds the generated sync twin (its requests run on threads).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

import fasthttpx
from tests.http2.fixtures import (  # noqa: F401
    Certs,
    certs,
    h1_only_tls_server,
    h2_server,
    h2c_server,
    scripted_h2,
    start_scripted,
)
from tests.http2.scripts import goaway_after, ping_and_settings, reset_path_reset
from tests.kit.app import MIB, large_block


def _url(server: Any, path: str = "/") -> str:
    return f"https://localhost:{server.port}{path}"


def _big_size(backend_name: str) -> int:
    """50 MiB on asyncio (the case the issue names); 8 MiB elsewhere to keep the run short."""
    return 50 if backend_name == "asyncio" else 8


async def test_alpn_picks_h2(backend: Any, h2_server: Any, certs: Certs) -> None:  # noqa: F811
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file, http2=True) as c:
        response = await c.get(_url(h2_server))
        echo = (await c.post(_url(h2_server, "/echo?x=1"), content=b"abc")).json()
    assert response.http_version == "HTTP/2"
    assert response.status_code == 200
    assert response.reason_phrase == "OK"
    assert response.text == "Hello, world!"
    assert echo["http_version"] == "2"
    assert echo["method"] == "POST"
    assert echo["query"] == "x=1"
    assert echo["body"] == "abc"
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file) as c:
        assert (await c.get(_url(h2_server))).http_version == "HTTP/1.1"  # http2 not asked


async def test_alpn_falls_back_to_http11(
    backend: Any, h1_only_tls_server: Any, certs: Certs  # noqa: F811
) -> None:
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file, http2=True) as c:
        first = await c.get(_url(h1_only_tls_server))
        second = await c.get(_url(h1_only_tls_server, "/json"))
    assert first.http_version == second.http_version == "HTTP/1.1"
    assert first.text == "Hello, world!"


async def test_h2c_prior_knowledge_only_when_http1_is_off(
    backend: Any, h2c_server: Any  # noqa: F811
) -> None:
    async with fasthttpx.AsyncClient(backend=backend, http2=True, http1=False) as c:
        response = await c.get(h2c_server.url() + "/")
    assert response.http_version == "HTTP/2"
    assert response.text == "Hello, world!"
    async with fasthttpx.AsyncClient(backend=backend, http2=True) as c:
        assert (await c.get(h2c_server.url() + "/")).http_version == "HTTP/1.1"


async def test_100_concurrent_requests_share_one_connection(
    backend: Any, h2_server: Any, certs: Certs  # noqa: F811
) -> None:
    before = set(h2_server.seen)
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file, http2=True) as c:
        async with c.parallel() as parallel:
            pending = [parallel.get(_url(h2_server, f"/bytes/100?seed={n}")) for n in range(100)]
            responses = [await p.get_response() for p in pending]
        assert c.transport.connection_count == 1
    assert [r.status_code for r in responses] == [200] * 100
    assert all(r.http_version == "HTTP/2" for r in responses)
    assert len({r.content for r in responses}) == 100
    assert len(set(h2_server.seen) - before) == 1  # the server saw one connection


async def test_big_download_flow_control(
    backend: Any, backend_name: str, h2_server: Any, certs: Certs  # noqa: F811
) -> None:
    mib = _big_size(backend_name)
    expected = hashlib.sha256(large_block() * (16 * mib)).hexdigest()
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file, http2=True) as c:
        digest = hashlib.sha256()
        size = 0
        async with c.stream("GET", _url(h2_server, f"/large/{mib}")) as response:
            assert response.http_version == "HTTP/2"
            async for piece in response.raw():
                digest.update(piece)
                size += len(piece)
        assert size == mib * MIB
        assert digest.hexdigest() == expected
        # The connection is still good, and read() gives the same bytes.
        again = await c.get(_url(h2_server, f"/large/{min(mib, 4)}"))
        assert again.content == large_block() * (16 * min(mib, 4))


async def test_big_upload_flow_control(
    backend: Any, backend_name: str, h2_server: Any, certs: Certs  # noqa: F811
) -> None:
    mib = _big_size(backend_name)
    body = large_block() * (16 * mib)
    expected = f"{len(body)} {hashlib.sha256(body).hexdigest()}"

    async def pieces() -> Any:
        for start in range(0, len(body), 1 << 20):
            yield body[start:start + (1 << 20)]

    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file, http2=True) as c:
        assert (await c.post(_url(h2_server, "/upload"), content=body)).text == expected
        assert (await c.post(_url(h2_server, "/upload"), content=pieces())).text == expected


async def test_streamed_response_closed_early_keeps_connection(
    backend: Any, h2_server: Any, certs: Certs  # noqa: F811
) -> None:
    before = set(h2_server.seen)
    async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file, http2=True) as c:
        response = await c.get(_url(h2_server, "/large/4"), stream=True)
        assert response.status_code == 200
        await response.close()  # resets the stream (CANCEL), keeps the connection
        lines = await c.get(_url(h2_server, "/stream/5"))
        assert [line for line in lines.text.splitlines()][-1] == '{"id": 4}'
    assert len(set(h2_server.seen) - before) == 1


async def test_rst_stream_fails_only_that_request(
    backend: Any, scripted_h2: Any  # noqa: F811
) -> None:
    server = start_scripted(scripted_h2, reset_path_reset)
    async with fasthttpx.AsyncClient(backend=backend, http2=True, http1=False) as c:
        async with c.parallel() as parallel:
            one = parallel.get(server.url + "/one")
            bad = parallel.get(server.url + "/reset")
            two = parallel.get(server.url + "/two")
            assert (await one.get_response()).text == "ok /one"
            assert (await two.get_response()).text == "ok /two"
            with pytest.raises(fasthttpx.RemoteProtocolError, match="INTERNAL_ERROR"):
                await bad.get_response()
        assert (await c.get(server.url + "/after")).text == "ok /after"
    assert server.connections == 1
    assert server.errors == []


async def test_goaway_fails_only_streams_above_last_stream_id(
    backend: Any, scripted_h2: Any  # noqa: F811
) -> None:
    server = start_scripted(scripted_h2, goaway_after(3, last_stream_id=3))
    async with fasthttpx.AsyncClient(backend=backend, http2=True, http1=False) as c:
        async with c.parallel() as parallel:
            pending = [parallel.get(server.url + f"/{n}") for n in range(3)]
            outcomes: list[Any] = []
            for p in pending:
                try:
                    outcomes.append((await p.get_response()).text)
                except fasthttpx.RemoteProtocolError as exc:
                    outcomes.append(exc)
        texts = sorted(o for o in outcomes if isinstance(o, str))
        errors = [o for o in outcomes if not isinstance(o, str)]
        assert len(texts) == 2 and all(t.startswith("ok /") for t in texts)
        assert len(errors) == 1 and "GOAWAY" in str(errors[0])
        assert "stream 5" in str(errors[0])
        # The connection takes no new streams: the next request opens a new one.
        assert (await c.get(server.url + "/later")).text == "ok /later"
    assert server.connections == 2
    assert server.errors == []


async def test_ping_and_settings_are_answered(
    backend: Any, scripted_h2: Any  # noqa: F811
) -> None:
    record: list[str] = []
    server = start_scripted(scripted_h2, ping_and_settings(record))
    async with fasthttpx.AsyncClient(backend=backend, http2=True, http1=False) as c:
        response = await c.get(server.url + "/")
    assert response.text == "ok"
    assert response.http_version == "HTTP/2"
    assert sorted(record) == ["ping-ack", "settings-ack"]
    assert server.errors == []
