"""A hostile HTTP/2 server, one RFC 9113 §5.4.1 connection error at a time (bad preface and
SETTINGS, frame sizes, HPACK failures, oversized header lists, window overflows, frames on idle
or closed streams, PUSH_PROMISE we refused, CONTINUATION/PING/SETTINGS floods, rapid resets):
the request fails with ``RemoteProtocolError`` (or, when the fault comes after a complete
response, that response stands), nothing hangs, and the client tears the connection down
with a GOAWAY carrying the right error code.

Stream errors (a malformed response, §8.1.1; a stream window overflow, §6.9.1) fail only their
request: the client resets that stream and a concurrent one completes. A request over the
server's SETTINGS_MAX_HEADER_LIST_SIZE is refused before it is sent.

The compiled core must send exactly the listed codes. The twin over ``h2`` must too, except
where ``h2`` treats the fault as a stream error (frames on closed streams) or never sees it
(RST_STREAM on a forgotten stream): there it only must not hang (``tests/http2/hostile.py``).
"""

from __future__ import annotations

from typing import Any

import hpack
import pytest

import fasthttpx
from fasthttpx._implementation import IMPLEMENTATION
from tests.http2.hostile import ATTACKS, STREAM_ATTACKS, HostileH2Server, header_list_limit

#: Attacks that come after a complete response: the response stands.
AFTER_RESPONSE = {"data-after-end-stream"}


@pytest.mark.parametrize("name", sorted(ATTACKS))
async def test_hostile_server(backend: Any, name: str) -> None:
    attack, codes, twin_codes = ATTACKS[name]
    server = HostileH2Server(attack).start()
    try:
        async with fasthttpx.AsyncClient(
            backend=backend, http2=True, http1=False, timeout=5.0
        ) as client:
            if name in AFTER_RESPONSE:
                response = await client.get(server.url + "/")
                assert response.content == b"ok"
            else:
                with pytest.raises(fasthttpx.RemoteProtocolError):
                    await client.get(server.url + "/")
        await _wait_finished(backend, server)
        sent = server.goaway_codes()
    finally:
        server.stop()
    assert len(sent) == 1  # no retry on a new connection
    if IMPLEMENTATION == "cython":
        assert sent[0] in codes, (name, sent)
    elif twin_codes:
        assert sent[0] in twin_codes, (name, sent)


async def _wait_finished(backend: Any, server: HostileH2Server) -> None:
    for _ in range(500):  # the server sees the client close (let the loop run meanwhile)
        if server.all_finished():
            return
        await backend.sleep(0.01)


@pytest.mark.parametrize("name", sorted(STREAM_ATTACKS))
async def test_stream_error_spares_the_other_streams(backend: Any, name: str) -> None:
    """A malformed response (RFC 9113 §8.1.1) or a stream window overflow (§6.9.1) fails its
    own request only: the client resets that stream, the concurrent one completes, and the
    connection serves the next request."""
    attack, code = STREAM_ATTACKS[name]
    server = HostileH2Server(attack, streams=2).start()
    try:
        async with fasthttpx.AsyncClient(
            backend=backend, http2=True, http1=False, timeout=5.0
        ) as client:
            outcomes: list[Any] = []
            async with client.parallel() as parallel:
                pending = [parallel.get(server.url + "/a"), parallel.get(server.url + "/b")]
                for item in pending:
                    try:
                        outcomes.append((await item.get_response()).content)
                    except fasthttpx.RemoteProtocolError as exc:
                        outcomes.append(exc)
            errors = [o for o in outcomes if isinstance(o, Exception)]
            assert [o for o in outcomes if not isinstance(o, Exception)] == [b"ok"], outcomes
            assert len(errors) == 1 and "stream 1 " in str(errors[0]), outcomes
            after = await client.get(server.url + "/after")
            assert after.content == b"ok"
            assert client.transport.connection_count == 1
        await _wait_finished(backend, server)
    finally:
        server.stop()
    assert len(server.received) == 1  # one connection throughout
    assert server.goaway_codes()[0] in (None, 0)  # no connection error
    assert server.rst_codes()[0].get(1) == code


async def test_header_list_over_the_servers_limit_is_refused_locally(backend: Any) -> None:
    """SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2) applies to our requests: one over the
    server's limit fails with LocalProtocolError before anything is sent, and the connection
    goes on."""
    server = HostileH2Server(header_list_limit(4096)).start()
    try:
        async with fasthttpx.AsyncClient(
            backend=backend, http2=True, http1=False, timeout=5.0
        ) as client:
            assert (await client.get(server.url + "/first")).content == b"ok"
            with pytest.raises(fasthttpx.LocalProtocolError,
                               match="SETTINGS_MAX_HEADER_LIST_SIZE"):
                await client.get(server.url + "/big", headers={"x-big": "v" * 5000})
            assert (await client.get(server.url + "/after",
                                     headers={"x-fits": "v" * 3000})).content == b"ok"
            assert client.transport.connection_count == 1
        await _wait_finished(backend, server)
    finally:
        server.stop()
    assert len(server.received) == 1
    assert server.goaway_codes()[0] in (None, 0)
    assert server.rst_codes() == [{}]
    decoder = hpack.Decoder()
    paths = [dict(decoder.decode(block, raw=True))[b":path"]
             for block in server.header_blocks()[0]]
    assert paths == [b"/first", b"/after"]  # the refused request sent nothing
