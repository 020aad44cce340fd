"""WebSocket sessions against scripted raw servers (issue 15): every kind of bad input ends
the session with the right close code (RFC 6455 §7.4.1: 1002 protocol error, 1007 invalid
data) and an exception of fasthttpx's own, and nothing hangs; plus the handshake failures,
bytes that arrive with the 101, server pings, a dead peer and an unanswered close.

Written once, async (asyncio, uvloop, trio); ``tests/client/_sync/`` holds the generated
sync twin.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import fasthttpx
from tests.kit.raw_server import RawServer
from tests.kit.ws_server import frame, handshake_answer, pinging, scripted, unresponsive

TEXT, BINARY, CLOSE, PING = 0x1, 0x2, 0x8, 0x9


async def _recorded(backend: Any, seen: list[Any], count: int = 1) -> list[Any]:
    """``seen`` once the server's handler (another thread) has recorded ``count`` items
    (sleeping on the client's loop: a closed connection is only dropped when it runs)."""
    deadline = time.monotonic() + 5
    while len(seen) < count and time.monotonic() < deadline:
        await backend.sleep(0.01)
    return seen

BAD_FRAMES = {
    "masked server frame": ([frame(TEXT, b"hi", mask=b"abcd")], 1002),
    "RSV2 set": ([frame(TEXT, b"hi", rsv=2)], 1002),
    "RSV3 set": ([frame(BINARY, b"hi", rsv=1)], 1002),
    "RSV1 without an extension": ([frame(TEXT, b"hi", rsv=4)], 1002),
    "invalid UTF-8": ([frame(TEXT, b"ok \xff\xfe")], 1007),
    "invalid UTF-8 in a first fragment": ([frame(TEXT, b"a\xed\xa0\x80", fin=False)], 1007),
    "a text message ending inside a character": (
        [frame(TEXT, b"a\xc3", fin=False), frame(0x0, b"")], 1007),
    "control frame over 125 bytes": ([frame(PING, b"x" * 126)], 1002),
    "fragmented control frame": ([frame(PING, b"x", fin=False)], 1002),
    "unknown data opcode": ([frame(0x3, b"x")], 1002),
    "unknown control opcode": ([frame(0xB, b"x")], 1002),
    "continuation without a message": ([frame(0x0, b"x")], 1002),
    "new message inside a fragmented one": (
        [frame(TEXT, b"a", fin=False), frame(TEXT, b"b")], 1002),
    "close frame with a one-byte payload": ([frame(CLOSE, b"\x03")], 1002),
    "close frame with code 1005": ([frame(CLOSE, (1005).to_bytes(2, "big"))], 1002),
    "close frame with code 999": ([frame(CLOSE, (999).to_bytes(2, "big"))], 1002),
    "close reason not UTF-8": ([frame(CLOSE, (1000).to_bytes(2, "big") + b"\xff")], 1007),
    "64-bit length with the top bit set": (
        [bytes((0x82, 127)) + (1 << 63).to_bytes(8, "big")], 1002),
}


@pytest.mark.parametrize("case", list(BAD_FRAMES))
async def test_bad_frames_close_with_the_right_code(backend: Any, case: str) -> None:
    sends, code = BAD_FRAMES[case]
    seen: list[Any] = []
    with RawServer(scripted(*sends, record=seen)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url, compression=None) as ws:
                started = time.monotonic()
                with pytest.raises(fasthttpx.WebSocketProtocolError) as info:
                    await ws.receive_text(timeout=10)
                assert info.value.code == code
                assert time.monotonic() - started < 5
                with pytest.raises(fasthttpx.WebSocketProtocolError):  # and ever after
                    await ws.receive_bytes()
                with pytest.raises(fasthttpx.WebSocketDisconnect):
                    await ws.send_text("too late")
        # The client fails the connection without waiting for the server: its close frame
        # is in the server's buffer, but leaving the block stops the server, which would
        # cancel a handler that has not parsed it yet (its thread is late under load).
        assert await _recorded(backend, seen) == [code]  # the close frame the client sent
    assert not server.errors


async def test_messages_before_a_bad_frame_are_delivered(backend: Any) -> None:
    seen: list[Any] = []
    sends = frame(TEXT, b"first") + frame(BINARY, b"second") + frame(0x3, b"bad")
    with RawServer(scripted(sends, record=seen)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                assert await ws.receive_text() == "first"
                assert await ws.receive_bytes() == b"second"
                with pytest.raises(fasthttpx.WebSocketProtocolError):
                    await ws.receive_text()
        assert await _recorded(backend, seen) == [1002]  # before the server stops


async def test_truncated_frame_then_eof(backend: Any) -> None:
    with RawServer(scripted(frame(TEXT, b"abc", length=10), record=[], close=True)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                with pytest.raises(fasthttpx.WebSocketProtocolError) as info:
                    await ws.receive_text(timeout=10)
                assert info.value.code == 1002 and "truncated" in str(info.value)


async def test_connection_dropped_without_a_close_frame(backend: Any) -> None:
    with RawServer(scripted(frame(TEXT, b"last words"), record=[], close=True)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                assert await ws.receive_text() == "last words"
                with pytest.raises(fasthttpx.WebSocketNetworkError):
                    await ws.receive_text(timeout=10)
                with pytest.raises(fasthttpx.NetworkError):  # also a fasthttpx NetworkError
                    await ws.receive_text()


async def test_frames_sent_with_the_101_head_are_not_lost(backend: Any) -> None:
    seen: list[Any] = []
    early = frame(TEXT, b"early") + frame(PING, b"p") + frame(BINARY, b"bird")
    with RawServer(scripted(trailing=early, record=seen)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                assert await ws.receive_text() == "early"
                assert await ws.receive_bytes() == b"bird"
    assert seen == [1000]


async def test_server_ping_is_answered_with_its_payload(backend: Any) -> None:
    seen: list[Any] = []
    with RawServer(pinging(b"are you there", seen)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url) as ws:
                assert await ws.receive_text() == "pong seen"
    assert seen == [(0xA, True, b"are you there"), 1000]


async def test_non_101_answer_is_an_upgrade_error_with_the_response(backend: Any) -> None:
    seen: list[Any] = []
    head = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\nContent-Type: text/plain\r\n\r\n"
    with RawServer(handshake_answer(head, body=b"go away", record=seen)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            with pytest.raises(fasthttpx.WebSocketUpgradeError) as info:
                async with client.websocket(server.url):
                    pass  # pragma: no cover
            assert info.value.response.status_code == 403
            assert info.value.response.text == "go away"
            assert "403" in str(info.value)
            # The connection went back to the pool like any other.
            assert client._transport.connection_count == 1  # type: ignore[attr-defined]


BAD_HANDSHAKES = {
    "wrong Sec-WebSocket-Accept": (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", "Sec-WebSocket-Accept"),
    "no Upgrade field": (
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: {accept}\r\n\r\n", "Upgrade"),
    "no Connection: upgrade": (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Sec-WebSocket-Accept: {accept}\r\n\r\n", "Connection"),
    "a subprotocol never offered": (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: chat\r\n\r\n", "chat"),
    "an extension never offered": (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: x-custom\r\n\r\n",
        "x-custom"),
    "a bad permessage-deflate parameter": (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: {accept}\r\n"
        b"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16\r\n\r\n",
        "server_max_window_bits"),
}


@pytest.mark.parametrize("case", list(BAD_HANDSHAKES))
async def test_bad_handshake_answers_fail_the_connection(backend: Any, case: str) -> None:
    head, words = BAD_HANDSHAKES[case]
    seen: list[Any] = []
    with RawServer(handshake_answer(head, record=seen)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            with pytest.raises(fasthttpx.WebSocketUpgradeError) as info:
                async with client.websocket(server.url):
                    pass  # pragma: no cover
            assert words in str(info.value)
            assert info.value.response.status_code == 101
            assert client._transport.connection_count == 0  # type: ignore[attr-defined]
            assert await _recorded(backend, seen) == [b""]  # closed without sending a frame


async def test_a_dead_peer_is_detected_by_the_keepalive_timeout(backend: Any) -> None:
    seen: list[Any] = []
    with RawServer(unresponsive(seen)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(
                server.url, keepalive_ping_interval_seconds=0.1,
                keepalive_ping_timeout_seconds=0.3,
            ) as ws:
                started = time.monotonic()
                with pytest.raises(fasthttpx.WebSocketNetworkError) as info:
                    await ws.receive_text()  # pending when the peer is declared dead
                assert time.monotonic() - started < 5
                assert "pong" in str(info.value)
        assert len(await _recorded(backend, seen)) == 1 and seen[0] < 5


async def test_unanswered_close_returns_within_the_close_timeout(backend: Any) -> None:
    seen: list[Any] = []
    with RawServer(unresponsive(seen)) as server:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            async with client.websocket(server.url, close_timeout_seconds=0.3) as ws:
                started = time.monotonic()
                await ws.close()
                assert 0.25 < time.monotonic() - started < 3
                with pytest.raises(fasthttpx.WebSocketDisconnect):
                    await ws.receive_text()
        assert len(await _recorded(backend, seen)) == 1  # and the connection was closed
