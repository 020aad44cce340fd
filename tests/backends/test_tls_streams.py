"""TLS streams on every backend, at the edges: big transfers both ways, the peer's
close_notify, corrupt records, handshakes that stall or are cut, and what the stream says
about its TLS session.

The asyncio backend runs TLS itself over memory BIOs (``concurrency/_tls.py``) instead of
the loop's SSL transport, so these cases are what it must get right on its own: records
larger than its receive buffer and many records per read, writes bigger than one encrypted
piece with the transport pushing back, and failures that end in our exceptions, never a hang.
"""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any

import pytest

from fasthttpx import ConnectError, ConnectTimeout, ReadError

from ._helpers import RUNNERS, TLS, Runner, peer


@pytest.fixture(params=list(RUNNERS), ids=list(RUNNERS))
def runner(request: pytest.FixtureRequest) -> Runner:
    return RUNNERS[request.param]()


@pytest.fixture(scope="module")
def tls() -> TLS:
    return TLS(alpn=["http/1.1"])


def _client_context(tls: TLS) -> ssl.SSLContext:
    context = ssl.create_default_context()
    tls.ca.configure_trust(context)
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


def test_big_transfer_both_ways(runner: Runner, tls: TLS) -> None:
    """6 MiB up in one write (many encrypted pieces; the peer reads slowly at first, so the
    transport pushes back), then 6 MiB down in 16 KiB records, more than one receive
    buffer holds: every byte arrives, in order."""
    payload = os.urandom(6 << 20)
    echoed = hashlib.sha256(payload).digest()
    with peer(tls.server) as p:
        def serve() -> None:
            conn = p.accepted()
            conn.settimeout(10)
            received = bytearray()
            while len(received) < len(payload):
                piece = conn.recv(65536)
                if not piece:
                    break
                received += piece
            conn.sendall(hashlib.sha256(received).digest() + bytes(received))

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()

        async def body(r: Runner) -> None:
            stream = await r.connect(p.port, ssl_context=_client_context(tls),
                                     server_hostname="localhost")
            await stream.write(payload, timeout=10)
            received = b""
            while len(received) < 32 + len(payload):
                piece = await stream.read(65536, timeout=10)
                assert piece, "EOF before the echo ended"
                received += piece
            assert received[:32] == echoed
            assert received[32:] == payload
            await stream.close()

        runner.run(body)
        thread.join(10)


def test_close_notify_ends_the_stream(runner: Runner, tls: TLS) -> None:
    with peer(tls.server) as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port, ssl_context=_client_context(tls),
                                     server_hostname="localhost")
            conn = p.accepted()
            conn.sendall(b"last words")
            assert await stream.read() == b"last words"
            # close_notify, then the TCP close (unwrap waits for ours only if we sent one).
            conn.settimeout(0.2)
            try:
                conn.unwrap().close()
            except (OSError, ssl.SSLError):
                conn.close()
            assert await r.wait_until(stream.is_readable_or_closed)
            assert await stream.read() == b""
            await stream.close()

        runner.run(body)


def test_corrupt_record_is_a_read_error(runner: Runner, tls: TLS) -> None:
    """An application-data record whose authentication fails: a ReadError naming TLS,
    not data and not a hang."""
    with peer(tls.server) as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port, ssl_context=_client_context(tls),
                                     server_hostname="localhost")
            conn = p.accepted()
            conn.sendall(b"fine")
            assert await stream.read() == b"fine"
            # Raw bytes under the TLS layer: a TLS 1.2/1.3 application_data record header
            # and 32 bytes that no key produced.
            os.write(conn.fileno(), b"\x17\x03\x03\x00\x20" + bytes(32))
            with pytest.raises(ReadError):
                await stream.read(timeout=5)
            await stream.close()

        runner.run(body)


def test_stalled_handshake_times_out(runner: Runner, tls: TLS) -> None:
    """A peer that accepts TCP and never answers the ClientHello: ConnectTimeout within the
    connect timeout."""
    with peer() as p:  # no TLS on the peer's side
        async def body(r: Runner) -> None:
            with pytest.raises(ConnectTimeout):
                await r.connect(p.port, ssl_context=_client_context(tls),
                                server_hostname="localhost", timeout=0.3)

        runner.run(body)


def test_handshake_cut_short_is_a_connect_error(runner: Runner, tls: TLS) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def slam() -> None:
        conn, _ = listener.accept()
        conn.recv(1024)  # the ClientHello
        conn.close()

    thread = threading.Thread(target=slam, daemon=True)
    thread.start()
    try:
        async def body(r: Runner) -> None:
            with pytest.raises(ConnectError):
                await r.connect(port, ssl_context=_client_context(tls),
                                server_hostname="localhost")

        runner.run(body)
    finally:
        thread.join(5)
        listener.close()


def test_wrong_hostname_is_refused_with_the_reason(runner: Runner, tls: TLS) -> None:
    with peer(tls.server) as p:
        async def body(r: Runner) -> None:
            with pytest.raises(ConnectError, match="(?i)hostname|match"):
                await r.connect(p.port, ssl_context=_client_context(tls),
                                server_hostname="not-this-host.example")

        runner.run(body)


def test_session_information(runner: Runner, tls: TLS) -> None:
    with peer(tls.server) as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port, ssl_context=_client_context(tls),
                                     server_hostname="localhost")
            p.accepted()
            raw = stream.raw
            assert raw.get_extra_info("alpn_protocol") == "http/1.1"
            assert raw.get_extra_info("ssl_object").version() in ("TLSv1.2", "TLSv1.3")
            assert raw.get_extra_info("peername")[0] == "127.0.0.1"
            await stream.close()

        runner.run(body)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_records_bigger_than_the_receive_buffer(
    loop: str, tls: TLS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The asyncio backend decrypts into its loop's receive buffer: with a buffer smaller
    than a record, a record comes out in several reads and a read event in several passes,
    and nothing is lost or reordered."""
    from fasthttpx.concurrency import asyncio as asyncio_backend

    monkeypatch.setattr(asyncio_backend, "RECEIVE_BUFFER_SIZE", 1000)  # a new loop's buffer
    payload = os.urandom(300_000)
    with peer(tls.server) as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port, ssl_context=_client_context(tls),
                                     server_hostname="localhost")
            conn = p.accepted()
            conn.sendall(payload)
            received = b""
            while len(received) < len(payload):
                piece = await stream.read(65536)
                assert piece and len(piece) <= 1000
                received += piece
            assert received == payload
            await stream.close()

        RUNNERS[loop]().run(body)


def _serve(p: Any, handle: Callable[[ssl.SSLSocket, bytes], object]) -> threading.Thread:
    """A thread taking the peer's connection and handing each piece it receives to
    ``handle`` until the client closes."""

    def run() -> None:
        conn = p.accepted()
        conn.settimeout(10)
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            handle(conn, data)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _start_writers(stream: Any, pieces: list[bytes], rounds: int,
                   errors: list[BaseException]) -> list[threading.Thread]:
    """One thread per piece, each writing it ``rounds`` times; failures go to ``errors``."""

    def write(piece: bytes) -> None:
        try:
            for _ in range(rounds):
                stream.write(piece, 10)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(piece,)) for piece in pieces]
    for thread in threads:
        thread.start()
    return threads


@pytest.mark.parametrize("layer", ["socket", "layered"])
def test_sync_tls_stream_read_in_one_thread_while_others_write(tls: TLS, layer: str) -> None:
    """A blocking TLS stream shared by threads, as an HTTP/2 connection or a WebSocket
    session shares it: one thread reads while four others write. OpenSSL forbids concurrent
    calls on one TLS connection (before the stream serialised them, this broke the session:
    the client sent the server a TLS ``internal_error`` alert); every byte must come back
    and the session must stay intact. ``layered``: the TLS layer an https:// proxy's tunnel
    uses, here over a plain connection."""
    from fasthttpx.concurrency._layered import TLSLayer
    from fasthttpx.concurrency.sync import SyncBackend

    pieces = [bytes([65 + n]) * 1500 for n in range(4)]
    rounds = 400
    total = rounds * sum(len(p) for p in pieces)
    with peer(tls.server) as p:
        server = _serve(p, lambda conn, data: conn.sendall(data))
        stream: Any
        if layer == "socket":
            stream = SyncBackend().connect_tcp(
                "127.0.0.1", p.port, timeout=5, ssl_context=_client_context(tls),
                server_hostname="localhost",
            )
        else:
            stream = TLSLayer.open(
                SyncBackend().connect_tcp("127.0.0.1", p.port, timeout=5),
                _client_context(tls), "localhost", 5,
            )
        errors: list[BaseException] = []
        writers = _start_writers(stream, pieces, rounds, errors)
        received = bytearray()
        try:
            while len(received) < total:
                data = stream.read(65536, 10)
                assert data, "the server closed the connection"
                received += data
        finally:
            for thread in writers:
                thread.join(10)
            stream.close()
            server.join(10)
        assert not errors
        assert sorted(received) == sorted(b"".join(pieces) * rounds)


def test_sync_tls_writers_never_mix_records(tls: TLS) -> None:
    """Four threads writing to a slow reader, so OpenSSL keeps saying "want write": it takes
    the next write call as the retry of the pending record, so a second writer slipping in
    would have its bytes dropped and the first one's sent twice. Each writer's pieces must
    arrive exactly as many times as they were written."""
    from collections import Counter

    from fasthttpx.concurrency.sync import SyncBackend

    pieces = [bytes([65 + n]) * 1500 for n in range(4)]
    rounds = 200
    received = bytearray()
    with peer(tls.server) as p:
        server = _serve(p, lambda conn, data: received.extend(data))
        stream = SyncBackend().connect_tcp(
            "127.0.0.1", p.port, timeout=5, ssl_context=_client_context(tls),
            server_hostname="localhost",
        )
        stream.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        errors: list[BaseException] = []
        writers = _start_writers(stream, pieces, rounds, errors)
        for thread in writers:
            thread.join(30)
        stream.close()
        server.join(10)
    assert not errors
    counts = Counter(received)
    assert {chr(k): v // 1500 for k, v in counts.items()} == {c: rounds for c in "ABCD"}


def test_sync_tls_layer_writer_does_not_stop_the_reader(tls: TLS) -> None:
    """The TLS layer of an https:// proxy's tunnel, shared by a reader and a writer, with a
    server that reads only between its own big sends. A writer blocked in the outer stream
    must not hold the session's lock: the reader has to keep draining the socket, or the
    server never reads again and the writer times out (as it did before)."""
    from fasthttpx.concurrency._layered import TLSLayer
    from fasthttpx.concurrency.sync import SyncBackend

    block = 1 << 20
    blocks = 12
    with peer(tls.server) as p:
        def send_then_read() -> None:
            conn = p.accepted()
            conn.settimeout(10)
            try:
                for _ in range(blocks):
                    conn.sendall(b"x" * block)  # not reading meanwhile
                    conn.recv(block)
                while conn.recv(block):
                    pass
            except OSError:
                return

        server = threading.Thread(target=send_then_read, daemon=True)
        server.start()
        stream = TLSLayer.open(
            SyncBackend().connect_tcp("127.0.0.1", p.port, timeout=5),
            _client_context(tls), "localhost", 5,
        )
        errors: list[BaseException] = []

        def writer() -> None:
            try:
                for _ in range(blocks):
                    stream.write(b"y" * block, 5)
            except BaseException as exc:  # reported below
                errors.append(exc)

        sending = threading.Thread(target=writer)
        sending.start()
        got = 0
        try:
            while got < blocks * block:
                data = stream.read(65536, 10)
                assert data, "the server closed the connection"
                got += len(data)
        finally:
            sending.join(30)
            stream.close()
            server.join(10)
    assert not errors
    assert got == blocks * block
