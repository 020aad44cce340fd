"""WebSocket sessions (issue 15) against the ``websockets`` library's server: echo, big
messages, fragmentation from the server, ping/pong, both close directions, subprotocols,
permessage-deflate, timeouts, close and keepalive behaviour, and what the handshake carries.

Written once, async (asyncio, uvloop, trio); ``tests/client/_sync/`` holds the generated
sync twin. Bad input from scripted servers is in ``test_websocket_bad_input.py``.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest
from wsproto.events import BytesMessage, TextMessage

import fasthttpx
from tests.kit.ws_server import (
    WebSocketsServer,
    close_with,
    echo,
    fragmenting_echo,
    ping_client,
    send_first,
    silent,
)

MIB = 1024 * 1024


async def test_echo_text_bytes_json(backend: Any) -> None:
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                await ws.send_text("héllo ✓")
                assert await ws.receive_text() == "héllo ✓"
                await ws.send_bytes(b"\x00\xffbin")
                assert await ws.receive_bytes() == b"\x00\xffbin"
                await ws.send_json({"a": [1, 2]})
                assert await ws.receive_json() == {"a": [1, 2]}
                await ws.send_json({"b": None}, mode="binary")
                assert await ws.receive_json(mode="binary") == {"b": None}
                await ws.send_text("")
                assert await ws.receive_text() == ""
                assert ws.response.status_code == 101
                assert ws.subprotocol is None
    assert server.closes == [(1000, "")]
    assert not server.errors


async def test_receive_returns_wsproto_events_and_send_takes_them(backend: Any) -> None:
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                await ws.send(TextMessage(data="event"))
                event = await ws.receive()
                assert isinstance(event, TextMessage) and event.data == "event"
                await ws.send(BytesMessage(data=b"raw"))
                event = await ws.receive()
                assert isinstance(event, BytesMessage) and event.data == b"raw"


async def test_wrong_type_is_an_error_and_the_session_goes_on(backend: Any) -> None:
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                await ws.send_bytes(b"data")
                with pytest.raises(fasthttpx.WebSocketInvalidTypeReceived) as info:
                    await ws.receive_text()
                assert isinstance(info.value.event, BytesMessage)
                await ws.send_text("text")
                with pytest.raises(fasthttpx.WebSocketInvalidTypeReceived):
                    await ws.receive_bytes()
                await ws.send_text("still open")
                assert await ws.receive_text() == "still open"


@pytest.mark.parametrize("kind", ["text", "binary"])
async def test_16_mib_messages(backend: Any, kind: str) -> None:
    payload: str | bytes = "é" * (8 * MIB) if kind == "text" else os.urandom(16 * MIB)
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url, max_message_size_bytes=32 * MIB) as ws:
                if isinstance(payload, str):
                    await ws.send_text(payload)
                    assert await ws.receive_text() == payload
                else:
                    await ws.send_bytes(payload)
                    assert await ws.receive_bytes() == payload


async def test_fragmented_messages_from_the_server(backend: Any) -> None:
    text = "".join(chr(0x41 + i % 26) + "é✓" for i in range(5000))  # splits inside UTF-8
    data = os.urandom(10_000)
    with WebSocketsServer(fragmenting_echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                await ws.send_text(text)
                assert await ws.receive_text() == text
                await ws.send_bytes(data)
                assert await ws.receive_bytes() == data


async def test_iteration_ends_at_a_normal_close(backend: Any) -> None:
    with WebSocketsServer(close_with(1000, "done", after=3)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                for text in ("a", "b"):
                    await ws.send_text(text)
                await ws.send_bytes(b"c")
                received = [message async for message in ws]
    assert received == ["a", "b", b"c"]


async def test_server_close_raises_disconnect_with_code_and_reason(backend: Any) -> None:
    with WebSocketsServer(close_with(4001, "bye now", after=1)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                await ws.send_text("one")
                assert await ws.receive_text() == "one"
                with pytest.raises(fasthttpx.WebSocketDisconnect) as info:
                    await ws.receive_text()
                assert (info.value.code, info.value.reason) == (4001, "bye now")
                with pytest.raises(fasthttpx.WebSocketDisconnect):  # and every time after
                    await ws.receive_bytes()
                with pytest.raises(fasthttpx.WebSocketDisconnect):
                    await ws.send_text("too late")
                with pytest.raises(fasthttpx.WebSocketDisconnect):
                    async for _ in ws:
                        pass
    assert server.closes == [(4001, "")]  # our answer echoed its code


async def test_client_close_with_code_and_reason(backend: Any) -> None:
    with WebSocketsServer(silent) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                await ws.close(4000, "client done")
                with pytest.raises(fasthttpx.WebSocketDisconnect) as info:
                    await ws.receive_text()
                assert info.value.code == 4000
                await ws.close()  # again: nothing happens
    assert server.closes == [(4000, "client done")]


async def test_invalid_close_codes_are_refused(backend: Any) -> None:
    with WebSocketsServer(silent) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                for code in (999, 1005, 1006, 1015, 2000, 5000):
                    with pytest.raises(ValueError):
                        await ws.close(code)
                with pytest.raises(ValueError):
                    await ws.close(1000, "x" * 124)
    assert server.closes == [(1000, "")]


async def test_ping_pong_both_ways(backend: Any) -> None:
    server_pings: list[float] = []
    with WebSocketsServer(ping_client(server_pings)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                pong = await ws.ping()  # nobody receives: wait() reads by itself
                assert await pong.wait(5) is True  # as httpx2's event
                assert pong.is_set()
                pong = await ws.ping(b"payload")
                await pong.wait(5)
                await ws.send_text("after pings")
                assert await ws.receive_text() == "after pings"
    assert len(server_pings) == 1  # the server's ping was answered


async def test_subprotocol_negotiation(backend: Any) -> None:
    with WebSocketsServer(echo, subprotocols=["chat", "superchat"]) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url, subprotocols=["superchat", "chat"]) as ws:
                assert ws.subprotocol == "chat"  # the server's choice, among those offered
                await ws.send_text("x")
                assert await ws.receive_text() == "x"
    assert server.requests[0]["sec-websocket-protocol"] == "superchat, chat"


async def test_permessage_deflate_negotiated_and_used(backend: Any) -> None:
    text = json.dumps([{"name": "fasthttpx", "index": i} for i in range(3000)])
    with WebSocketsServer(echo, compression="deflate") as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url, max_message_size_bytes=MIB) as ws:
                assert "permessage-deflate" in ws.response.headers["sec-websocket-extensions"]
                for _ in range(3):  # context takeover across messages, both ways
                    await ws.send_text(text)
                    assert await ws.receive_text() == text
                await ws.send_bytes(b"tiny")  # below the threshold: sent uncompressed
                assert await ws.receive_bytes() == b"tiny"
    offered = server.requests[0]["sec-websocket-extensions"]
    assert offered.startswith("permessage-deflate")
    assert not server.errors


async def test_big_messages_leave_in_pieces_compressed_or_not(backend: Any) -> None:
    """Messages from 128 KiB leave as one frame written in pieces, RSV1 kept when they are
    compressed; a text message is sent from its string's UTF-8."""
    noise = os.urandom(3 * MIB + 5)  # compresses to more than 128 KiB
    text = "✓ fasthttpx " * 40_000
    with WebSocketsServer(echo, compression="deflate") as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url, max_message_size_bytes=4 * MIB) as ws:
                for _ in range(2):
                    await ws.send_bytes(noise)
                    assert await ws.receive_bytes() == noise
                    await ws.send_text(text)
                    assert await ws.receive_text() == text
            async with client.websocket(server.url, max_message_size_bytes=4 * MIB,
                                        compression=None) as ws:
                await ws.send_bytes(bytearray(noise))
                assert await ws.receive_bytes() == noise
                await ws.send_text(text)
                assert await ws.receive_text() == text
                await ws.send_json({"text": text}, mode="binary")
                assert await ws.receive_json(mode="binary") == {"text": text}
    assert not server.errors


async def test_send_text_refuses_bytes_of_any_size(backend: Any) -> None:
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url, max_message_size_bytes=MIB) as ws:
                for data in (b"\xff" * 10, b"\xff" * 300_000):
                    with pytest.raises(TypeError, match="must be str"):
                        await ws.send_text(data)  # type: ignore[arg-type]
                await ws.send_text("still open")
                assert await ws.receive_text() == "still open"
    assert not server.errors


async def test_permessage_deflate_can_be_switched_off(backend: Any) -> None:
    with WebSocketsServer(echo, compression="deflate") as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url, compression=None) as ws:
                assert "sec-websocket-extensions" not in ws.response.headers
                await ws.send_text("plain" * 100)
                assert await ws.receive_text() == "plain" * 100
    assert "sec-websocket-extensions" not in server.requests[0]


async def test_message_over_the_limit_closes_with_1009(backend: Any) -> None:
    with WebSocketsServer(send_first(b"x" * 70_000)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:  # the default limit: 64 KiB
                with pytest.raises(fasthttpx.WebSocketProtocolError) as info:
                    await ws.receive_bytes()
                assert info.value.code == 1009
                assert "65536" in str(info.value)
    assert server.closes[0][0] == 1009


async def test_compressed_message_over_the_limit_closes_with_1009(backend: Any) -> None:
    # 200,000 bytes that compress to a few hundred.
    with WebSocketsServer(send_first("a" * 200_000), compression="deflate") as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url, max_message_size_bytes=100_000) as ws:
                with pytest.raises(fasthttpx.WebSocketProtocolError) as info:
                    await ws.receive_text()
                assert info.value.code == 1009
    assert server.closes[0][0] == 1009


async def test_receive_timeout_leaves_the_session_usable(backend: Any) -> None:
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                started = time.monotonic()
                with pytest.raises(fasthttpx.WebSocketTimeout):
                    await ws.receive_text(timeout=0.2)
                assert 0.15 < time.monotonic() - started < 3
                with pytest.raises(TimeoutError):  # what HTTPX-WS raises
                    await ws.receive(timeout=0.05)
                await ws.send_text("still here")
                assert await ws.receive_text(timeout=5) == "still here"


async def test_close_unblocks_a_pending_receive(backend: Any) -> None:
    outcome: list[Any] = []
    with WebSocketsServer(silent) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:

                async def receive() -> None:
                    try:
                        await ws.receive_text()
                    except fasthttpx.WebSocketDisconnect as exc:
                        outcome.append((exc.code, time.monotonic()))

                async with backend.create_task_group() as group:
                    group.start_soon(receive)
                    await backend.sleep(0.2)  # the receive is waiting on the socket
                    closed_at = time.monotonic()
                    await ws.close(1000, "stop")
                    while not outcome and time.monotonic() - closed_at < 5:
                        await backend.sleep(0.01)
    assert len(outcome) == 1
    code, woke_at = outcome[0]
    assert code == 1000 and woke_at - closed_at < 2
    assert server.closes == [(1000, "stop")]


async def test_concurrent_senders_do_not_interleave(backend: Any) -> None:
    count = 20
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url, max_message_size_bytes=4 * MIB) as ws:
                payloads = [bytes([i]) * (200_000 + i) for i in range(count)]

                async def send(payload: bytes) -> None:
                    await ws.send_bytes(payload)

                async with backend.create_task_group() as group:
                    for payload in payloads:
                        group.start_soon(send, payload)
                    # (leaving a task group cancels what is left: receive inside it)
                    received = [await ws.receive_bytes(timeout=10) for _ in range(count)]
    assert sorted(received) == sorted(payloads)


async def test_handshake_carries_client_headers_cookies_auth_and_params(backend: Any) -> None:
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(
            backend=backend, headers={"X-Client": "yes"}, cookies={"session": "abc"},
            auth=("user", "pass"), params={"from": "client"},
        ) as client:
            async with client.websocket(
                server.url + "/path", headers={"X-Request": "1"}, params={"q": "ws"}
            ) as ws:
                await ws.send_text("x")
                assert await ws.receive_text() == "x"
    seen = server.requests[0]
    assert seen["x-client"] == "yes" and seen["x-request"] == "1"
    assert seen["cookie"] == "session=abc"
    assert seen["authorization"] == "Basic dXNlcjpwYXNz"
    assert seen["upgrade"] == "websocket" and seen["connection"].lower() == "upgrade"
    assert seen["sec-websocket-version"] == "13"
    assert server.connections[0].request.path == "/path?from=client&q=ws"


async def test_http_scheme_urls_work_too(backend: Any) -> None:
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url.replace("ws://", "http://")) as ws:
                await ws.send_text("x")
                assert await ws.receive_text() == "x"


async def test_keepalive_pings_keep_a_live_session(backend: Any) -> None:
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(
                server.url, keepalive_ping_interval_seconds=0.05,
                keepalive_ping_timeout_seconds=2,
            ) as ws:
                for index in range(5):
                    await backend.sleep(0.06)
                    await ws.send_text(str(index))
                    assert await ws.receive_text(timeout=5) == str(index)
    assert server.closes == [(1000, "")]


async def test_the_connection_leaves_the_pool(backend: Any) -> None:
    with WebSocketsServer(echo) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                pool: Any = client._transport
                assert pool.connection_count == 0  # handed over, not counted
                await ws.send_text("x")
                assert await ws.receive_text() == "x"
            assert pool.connection_count == 0
