"""Ways to connect beyond plain TCP, on every backend (asyncio, uvloop, trio, blocking):
``connect_unix_socket`` (``uds=``), ``socket_options`` read back from the client's socket
through ``get_extra_info("socket")``, and ``local_address`` as the peer sees it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import tempfile
import threading
from collections.abc import Iterator

import pytest

from fasthttpx import ConnectError

from ._helpers import RUNNERS, TLS, Runner, Stream, call, peer


@pytest.fixture(params=list(RUNNERS), ids=list(RUNNERS))
def runner(request: pytest.FixtureRequest) -> Runner:
    return RUNNERS[request.param]()


class UnixPeer:
    """A blocking Unix-socket listener in a short temporary directory (socket paths are
    limited to ~107 bytes); ``accepted()`` returns the next server-side socket."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="fx-uds-")
        self.path = os.path.join(self._dir, "s.sock")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        self._listener.listen()
        self._queue: queue.Queue[socket.socket] = queue.Queue()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._conns.append(conn)
            self._queue.put(conn)

    def accepted(self, timeout: float = 5.0) -> socket.socket:
        return self._queue.get(timeout=timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(5)
        for conn in self._conns:
            conn.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.rmdir(self._dir)


@contextlib.contextmanager
def unix_peer() -> Iterator[UnixPeer]:
    p = UnixPeer()
    try:
        yield p
    finally:
        p.close()


def test_unix_socket_round_trip(runner: Runner) -> None:
    with unix_peer() as p:
        async def body(r: Runner) -> None:
            stream = Stream(await call(r.backend.connect_unix_socket(p.path, timeout=5)))
            conn = p.accepted()
            await stream.write(b"ping")
            assert conn.recv(10) == b"ping"
            assert stream.is_readable_or_closed() is False
            conn.sendall(b"pong")
            assert await stream.read() == b"pong"
            conn.close()
            assert await r.wait_until(stream.is_readable_or_closed)
            assert await stream.read() == b""
            await stream.close()

        runner.run(body)


def test_unix_socket_missing_path_names_it(runner: Runner) -> None:
    path = os.path.join(tempfile.gettempdir(), "fx-no-such-dir", "missing.sock")

    async def body(r: Runner) -> None:
        with pytest.raises(ConnectError) as info:
            await call(r.backend.connect_unix_socket(path, timeout=5))
        assert path in str(info.value)
        assert "No such file or directory" in str(info.value)
        assert isinstance(info.value.__cause__, FileNotFoundError)

    runner.run(body)


def test_unix_socket_with_tls(runner: Runner) -> None:
    """TLS over a Unix socket (``uds=`` with an https:// URL): ``start_tls`` on its stream."""
    tls = TLS()
    with unix_peer() as p:
        result: list[bytes] = []

        def serve() -> None:
            conn = tls.server.wrap_socket(p.accepted(), server_side=True)
            result.append(conn.recv(10))
            conn.sendall(b"secret-pong")
            conn.close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()

        async def body(r: Runner) -> None:
            raw = await call(r.backend.connect_unix_socket(p.path, timeout=5))
            stream = Stream(await call(raw.start_tls(tls.client, "localhost", 5)))
            assert stream.raw.get_extra_info("ssl_object") is not None
            await stream.write(b"ping")
            assert await stream.read() == b"secret-pong"
            await stream.close()

        runner.run(body)
        thread.join(5)
        assert result == [b"ping"]


def test_socket_options_are_set_on_tcp_and_unix_sockets(runner: Runner) -> None:
    options = [
        (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
        (socket.SOL_SOCKET, socket.SO_SNDBUF, 65536),
    ]
    with peer() as tcp, unix_peer() as unix:
        async def body(r: Runner) -> None:
            plain = await r.connect(tcp.port)
            assert plain.raw.get_extra_info("socket").getsockopt(
                socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0
            await plain.close()
            stream = await r.connect(tcp.port, socket_options=options)
            sock = stream.raw.get_extra_info("socket")
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) >= 65536
            await stream.close()
            raw = await call(r.backend.connect_unix_socket(
                unix.path, timeout=5, socket_options=options[:1]))
            sock = raw.get_extra_info("socket")
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            await Stream(raw).close()

        runner.run(body)


def test_refused_socket_option_is_a_connect_error(runner: Runner) -> None:
    with peer() as p:
        async def body(r: Runner) -> None:
            with pytest.raises(ConnectError) as info:
                await r.connect(p.port, socket_options=[(socket.SOL_SOCKET, 999999, 1)])
            assert "999999" in str(info.value)

        runner.run(body)


def test_local_address_is_what_the_peer_sees(runner: Runner) -> None:
    """Every 127.0.0.0/8 address is loopback on Linux: bind to 127.0.0.2, reach 127.0.0.1."""
    with peer() as p:
        async def body(r: Runner) -> None:
            stream = await r.connect(p.port, local_address="127.0.0.2")
            conn = p.accepted()
            assert conn.getpeername()[0] == "127.0.0.2"
            assert stream.raw.get_extra_info("sockname")[0] == "127.0.0.2"
            await stream.close()

        runner.run(body)
