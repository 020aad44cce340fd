"""The same stream behaviour on every backend: asyncio, trio and blocking sockets.

Above all the reuse check, ``is_readable_or_closed``: the pool asks it of an idle keep-alive
connection, and it must say False while the peer is quiet and True once the peer sent a stray
byte, closed, or reset, or once we closed the stream ourselves; over TLS too, including when
the stray bytes already sit inside the TLS layer rather than in the socket.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from fasthttpx import ConnectError, ReadError, ReadTimeout

from ._helpers import RUNNERS, TLS, Runner, peer, refused_port, reset

#: Bugs found by these tests in backends this file does not own: (test, backend) -> reason.
#: Strict xfail, so a fix shows up as XPASS and the entry must go.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


@pytest.fixture(params=list(RUNNERS), ids=list(RUNNERS))
def runner(request: pytest.FixtureRequest) -> Runner:
    reason = KNOWN_BUGS.get((request.function.__name__, request.param))
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    return RUNNERS[request.param]()


@pytest.fixture(scope="module")
def tls() -> TLS:
    return TLS()


def test_quiet_connection_is_not_readable(runner: Runner) -> None:
    with peer() as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port)
            conn = p.accepted()
            conn.sendall(b"hello")
            assert await stream.read(5) == b"hello"
            await r.sleep(0.05)
            assert stream.is_readable_or_closed() is False
            await stream.close()

        runner.run(body)


def test_stray_byte_makes_it_readable(runner: Runner) -> None:
    with peer() as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port)
            conn = p.accepted()
            assert stream.is_readable_or_closed() is False
            conn.sendall(b"x")
            assert await r.wait_until(stream.is_readable_or_closed)
            assert await stream.read(10) == b"x"
            await r.sleep(0.05)
            assert stream.is_readable_or_closed() is False
            await stream.close()

        runner.run(body)


def test_peer_close_makes_it_readable_then_eof(runner: Runner) -> None:
    with peer() as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port)
            p.accepted().close()
            assert await r.wait_until(stream.is_readable_or_closed)
            assert await stream.read(10) == b""
            await stream.close()

        runner.run(body)


def test_peer_reset_makes_it_readable(runner: Runner) -> None:
    with peer() as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port)
            reset(p.accepted())
            assert await r.wait_until(stream.is_readable_or_closed)
            with pytest.raises(ReadError) as info:
                await stream.read(10)
            assert info.value.__cause__ is not None
            await stream.close()

        runner.run(body)


def test_closed_by_us_is_readable_or_closed_and_close_twice_is_fine(runner: Runner) -> None:
    with peer() as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port)
            p.accepted()
            await stream.close()
            assert stream.is_readable_or_closed() is True
            await stream.close()
            with pytest.raises(ReadError):
                await stream.read(10)

        runner.run(body)


def test_read_timeout(runner: Runner) -> None:
    with peer() as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port)
            p.accepted()
            with pytest.raises(ReadTimeout):
                await stream.read(10, timeout=0.05)
            await stream.close()

        runner.run(body)


def test_shorter_read_timeout_after_a_longer_one_fires_on_time(runner: Runner) -> None:
    """A read with a long timeout that was answered, then one with a short timeout: the
    second expires after its own timeout, not the first one's (a connection's read timer
    armed for the earlier, later deadline must be moved sooner)."""
    with peer() as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port)
            conn = p.accepted()
            conn.sendall(b"a")
            assert await stream.read(10, timeout=30.0) == b"a"
            started = time.monotonic()
            with pytest.raises(ReadTimeout):
                await stream.read(10, timeout=0.05)
            assert time.monotonic() - started < 5.0
            await stream.close()

        runner.run(body)


def test_read_and_write_timeouts_are_kept_apart(runner: Runner) -> None:
    """Writes with one timeout between reads with another (a WebSocket session: reads wait
    without a limit, writes have one): each read still expires after its own timeout, and a
    read without one still waits past the writes' timeout."""
    with peer() as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port)
            conn = p.accepted()
            for _ in range(3):
                await stream.write(b"ping", timeout=0.02)
                started = time.monotonic()
                with pytest.raises(ReadTimeout):
                    await stream.read(10, timeout=0.1)
                assert 0.05 < time.monotonic() - started < 5.0
            await stream.write(b"ping", timeout=0.02)
            assert conn.recv(100) == b"ping" * 4
            # Answered later than the writes' timeout: the read without one must still wait.
            timer = threading.Timer(0.1, conn.sendall, [b"late"])
            timer.start()
            try:
                assert await stream.read(10, timeout=None) == b"late"
            finally:
                timer.join()
            await stream.close()

        runner.run(body)


def test_connect_refused(runner: Runner) -> None:
    port = refused_port()

    async def body(r: Runner) -> None:
        with pytest.raises(ConnectError, match="refused") as info:
            await r.connect(port)
        assert isinstance(info.value.__cause__, OSError)

    runner.run(body)


def test_write_then_echo(runner: Runner) -> None:
    with peer() as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port)
            conn = p.accepted()
            await stream.write(b"ping")
            conn.settimeout(5)
            assert conn.recv(10) == b"ping"
            await stream.close()

        runner.run(body)


def test_tls_quiet_then_stray_then_close(runner: Runner, tls: TLS) -> None:
    with peer(tls.server) as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port, ssl_context=tls.client, server_hostname="localhost")
            conn = p.accepted()
            # One exchange first: it also consumes TLS 1.3 session tickets, which arrive
            # after the handshake and would make a fresh connection look readable.
            conn.sendall(b"hello")
            assert await stream.read(5) == b"hello"
            await r.sleep(0.05)
            assert stream.is_readable_or_closed() is False
            conn.sendall(b"x")
            assert await r.wait_until(stream.is_readable_or_closed)
            assert await stream.read(10) == b"x"
            await r.sleep(0.05)
            assert stream.is_readable_or_closed() is False
            conn.close()
            assert await r.wait_until(stream.is_readable_or_closed)
            assert await stream.read(10) == b""
            await stream.close()

        runner.run(body)


async def _read_in_parts(stream: Any, expected: bytes, size: int) -> None:
    """Read ``expected`` with ``read(size)``. A backend may hand over a piece it already
    holds whole (asyncio does: no copies), so a read can return more than ``size``; but
    while anything is left, the stream must say it is readable."""
    received = b""
    while len(received) < len(expected):
        piece = await stream.read(size)
        assert piece, "EOF before all the data"
        received += piece
        assert expected.startswith(received)
        if len(received) < len(expected):
            assert stream.is_readable_or_closed() is True
    assert received == expected


def test_tls_stray_bytes_inside_the_tls_layer(runner: Runner, tls: TLS) -> None:
    """Two TLS records arrive together; reading the first must not hide the second, which a
    TLS layer with its own buffer (trio's memory BIO, asyncio's SSL protocol) has already
    taken off the socket."""
    with peer(tls.server) as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port, ssl_context=tls.client, server_hostname="localhost")
            conn = p.accepted()
            conn.sendall(b"warm")
            assert await stream.read(4) == b"warm"
            conn.sendall(b"hello")  # one record
            conn.sendall(b"!")  # another record, right behind it
            await r.sleep(0.1)
            await _read_in_parts(stream, b"hello!", 5)
            await stream.close()

        runner.run(body)


def test_tls_decrypted_bytes_left_over(runner: Runner, tls: TLS) -> None:
    """One record read in two parts: the rest waits decrypted in the TLS layer."""
    with peer(tls.server) as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port, ssl_context=tls.client, server_hostname="localhost")
            conn = p.accepted()
            conn.sendall(b"hello world")
            await r.sleep(0.05)
            await _read_in_parts(stream, b"hello world", 5)
            await stream.close()

        runner.run(body)


@pytest.mark.parametrize("secure", [False, True], ids=["plain", "tls"])
def test_big_reads_small_and_bulk_in_turn(runner: Runner, tls: TLS, secure: bool) -> None:
    """Reads of up to 256 KiB (WebSocket and HTTP/2 sessions) go through a reused buffer
    while pieces are small and straight from the socket during a bulk transfer: each piece
    read is the bytes sent, in order, whichever way the reads switch."""
    parts = [b"a" * 34, bytes(range(256)) * 4096, b"b" * 10, b"c" * 200_000, b"d", b"e" * 70_000]
    with peer(tls.server if secure else None) as p:
        async def body(r: Runner) -> None:
            if secure:
                stream = await r.connect(p.port, ssl_context=tls.client,
                                         server_hostname="localhost")
            else:
                stream = await r.connect(p.port)
            conn = p.accepted()
            for part in parts:
                conn.sendall(part)
                received = b""
                while len(received) < len(part):
                    piece = await stream.read(256 * 1024)
                    assert piece, "EOF before all the data"
                    received += piece
                assert received == part
            await stream.close()

        runner.run(body)


def test_a_big_read_reentered_on_the_same_thread_keeps_both_reads_apart() -> None:
    """The reused read buffer is out of use while a read fills it: a read made meanwhile on
    the same thread (a signal handler or a finalizer closing another session) must neither
    use nor clobber it."""
    import socket

    from fasthttpx.concurrency._read_buffer import read_socket

    inner_a, inner_b = socket.socketpair()
    nested: list[bytes] = []

    class Interrupted(socket.socket):
        def recv_into(self, buffer: Any, *args: Any) -> int:  # type: ignore[override]
            count = super().recv_into(buffer, *args)
            nested.append(read_socket(inner_a, 256 * 1024))  # runs between read and copy
            return count

    outer_a, outer_b = socket.socketpair()
    outer = Interrupted(outer_a.family, outer_a.type, fileno=outer_a.detach())
    try:
        outer_b.sendall(b"A" * 1000)
        inner_b.sendall(b"B" * 10)
        assert read_socket(outer, 256 * 1024) == b"A" * 1000
        assert nested == [b"B" * 10]
    finally:
        for sock in (outer, outer_b, inner_a, inner_b):
            sock.close()
