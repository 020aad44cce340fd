"""The SPEC Part A examples that exist only in sync form: module-level functions and
``fasthttpx.parallel()``."""

from __future__ import annotations

from typing import Any

import fasthttpx
from tests.client.handlers import DelayServerState, delayed_echo


def test_module_level_get(app_server: Any) -> None:
    r = fasthttpx.get(app_server.url + "/")
    assert repr(r) == "<Response [200 OK]>"
    with fasthttpx.Client() as client:
        r = client.get(app_server.url + "/")
    assert r.text == "Hello, world!"


def test_module_level_parallel(raw_server: Any) -> None:
    server = raw_server(delayed_echo(DelayServerState()))
    with fasthttpx.parallel() as parallel:
        for n in range(1, 10):
            parallel.get(f"{server.url}/d/{n}/{n}")
        got = []
        while parallel.has_pending_responses:
            got.append(parallel.next_response().text)
    assert sorted(got, key=int) == [str(n) for n in range(1, 10)]


def test_trio_backend_import_message() -> None:
    from fasthttpx.concurrency.trio import TrioBackend

    assert TrioBackend().__class__.__name__ == "TrioBackend"


def test_module_level_websocket() -> None:
    """``fasthttpx.websocket(url)`` as httpx2's: client and session settings in one call, and
    the throw-away client closes with the session."""
    from tests.kit.ws_server import WebSocketsServer, echo

    with WebSocketsServer(echo, subprotocols=["chat"]) as server:
        with fasthttpx.websocket(server.url, subprotocols=["chat"], timeout=5,
                                 max_message_size_bytes=None) as ws:
            assert ws.subprotocol == "chat"
            ws.send_text("héllo")
            assert ws.receive_text() == "héllo"
            ws.send_bytes(b"z" * 300_000)
            assert ws.receive_bytes() == b"z" * 300_000
    assert server.closes == [(1000, "")]
