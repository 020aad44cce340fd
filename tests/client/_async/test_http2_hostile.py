"""A hostile HTTP/2 server, one RFC 9113 §5.4.1 connection error at a time (bad preface and
SETTINGS, frame sizes, HPACK failures, oversized header lists, window overflows, frames on idle
or closed streams, PUSH_PROMISE we refused, CONTINUATION/PING/SETTINGS floods, rapid resets):
the request fails with ``RemoteProtocolError`` (or, when the fault comes after a complete
response, that response stands), nothing hangs, and the client tears the connection down
with a GOAWAY carrying the right error code.

The compiled core must send exactly the listed codes. The twin over ``h2`` must too, except
where ``h2`` treats the fault as a stream error (frames on closed streams) or never sees it
(RST_STREAM on a forgotten stream): there it only must not hang (``tests/http2/hostile.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

import fasthttpx
from fasthttpx._implementation import IMPLEMENTATION
from tests.http2.hostile import ATTACKS, HostileH2Server

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
        for _ in range(500):  # the server sees the client close (let the loop run meanwhile)
            if server.all_finished():
                break
            await backend.sleep(0.01)
        sent = server.goaway_codes()
    finally:
        server.stop()
    assert len(sent) == 1  # no retry on a new connection
    if IMPLEMENTATION == "cython":
        assert sent[0] in codes, (name, sent)
    elif twin_codes:
        assert sent[0] in twin_codes, (name, sent)
