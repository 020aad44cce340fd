"""Test helpers shared by the backend tests: TLS material, a threaded peer, backend runners.

``Peer`` is a blocking-socket listener on 127.0.0.1 whose accept thread hands each accepted
(and, with TLS, handshaken) server-side socket to the test, so the test plays the server by
hand: send a byte, close, reset. A ``Runner`` runs one async test body on one backend:
``asyncio.run``, ``trio.run``, or, for the blocking backend, by driving the coroutine itself
(the body awaits only ``call()``, which returns the sync backend's results directly, so a
sync run never suspends; if it did, the runner fails loudly).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import queue
import socket
import ssl
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import trio
import trustme

from fasthttpx.concurrency.asyncio import AsyncioBackend
from fasthttpx.concurrency.sync import SyncBackend
from fasthttpx.concurrency.trio import TrioBackend

T = TypeVar("T")


class TLS:
    """A trustme CA, a server context for localhost/127.0.0.1 and a client context."""

    def __init__(self, alpn: list[str] | None = None) -> None:
        self.ca = trustme.CA()
        cert = self.ca.issue_cert("localhost", "127.0.0.1")
        self.server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self.server)
        if alpn:
            self.server.set_alpn_protocols(alpn)
        self.client = ssl.create_default_context()
        self.ca.configure_trust(self.client)


class Peer:
    """Blocking listener; ``accepted()`` returns the next server-side socket."""

    def __init__(self, server_ssl: ssl.SSLContext | None = None) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._ssl = server_ssl
        self._queue: queue.Queue[socket.socket] = queue.Queue()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # listener closed
            if self._ssl is not None:
                try:
                    conn.settimeout(5)
                    conn = self._ssl.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    conn.close()
                    continue
            self._conns.append(conn)
            self._queue.put(conn)

    def accepted(self, timeout: float = 5.0) -> socket.socket:
        return self._queue.get(timeout=timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self._listener.close()
        self._thread.join(5)
        for conn in self._conns:
            conn.close()


@contextlib.contextmanager
def peer(server_ssl: ssl.SSLContext | None = None) -> Iterator[Peer]:
    p = Peer(server_ssl)
    try:
        yield p
    finally:
        p.close()


def reset(conn: socket.socket) -> None:
    """Close with RST instead of FIN (SO_LINGER with a zero timeout)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def refused_port() -> int:
    """A loopback port nobody listens on (bound then closed, without listen())."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def call(result: Any) -> Any:
    """Await an async backend's result; pass a sync backend's result through."""
    if inspect.isawaitable(result):
        return await result
    return result


class Stream:
    """One face over the async and the blocking stream, for tests shared by all backends."""

    def __init__(self, stream: Any) -> None:
        self.raw = stream

    async def read(self, max_bytes: int = 65536, timeout: float | None = 5.0) -> bytes:
        data: bytes = await call(self.raw.read(max_bytes, timeout))
        return data

    async def write(self, data: bytes, timeout: float | None = 5.0) -> None:
        await call(self.raw.write(data, timeout))

    async def close(self) -> None:
        close = getattr(self.raw, "aclose", None) or self.raw.close
        await call(close())

    def is_readable_or_closed(self) -> bool:
        result: bool = self.raw.is_readable_or_closed()
        return result


class Runner:
    """Runs an async test body on one backend; ``backend`` is that backend."""

    name = ""
    backend: Any

    async def connect(self, port: int, **kwargs: Any) -> Stream:
        kwargs.setdefault("timeout", 5.0)
        return Stream(await call(self.backend.connect_tcp("127.0.0.1", port, **kwargs)))

    async def sleep(self, seconds: float) -> None:
        await call(self.backend.sleep(seconds))

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Poll ``predicate`` between backend sleeps (so event loops get to run)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            await self.sleep(0.005)
        return True

    def run(self, body: Callable[[Runner], Awaitable[T]]) -> T:
        result = self._run(body)
        # A socket left open warns now, inside the test that leaked it, not in a later one.
        gc.collect()
        return result

    def _run(self, body: Callable[[Runner], Awaitable[T]]) -> T:
        raise NotImplementedError


class AsyncioRunner(Runner):
    name = "asyncio"

    def __init__(self) -> None:
        self.backend = AsyncioBackend()

    def _run(self, body: Callable[[Runner], Awaitable[T]]) -> T:
        async def main() -> T:
            return await body(self)

        return asyncio.run(main())


class UvloopRunner(AsyncioRunner):
    """The asyncio backend on uvloop's event loop (its transports differ from asyncio's)."""

    name = "uvloop"

    def _run(self, body: Callable[[Runner], Awaitable[T]]) -> T:
        import uvloop

        loop = uvloop.new_event_loop()
        try:
            return loop.run_until_complete(body(self))
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()


class TrioRunner(Runner):
    name = "trio"

    def __init__(self) -> None:
        self.backend = TrioBackend()

    def _run(self, body: Callable[[Runner], Awaitable[T]]) -> T:
        async def main() -> T:
            return await body(self)

        return trio.run(main)


class SyncRunner(Runner):
    name = "sync"

    def __init__(self) -> None:
        self.backend = SyncBackend()

    def _run(self, body: Callable[[Runner], Awaitable[T]]) -> T:
        coro = body(self)
        assert inspect.iscoroutine(coro)
        try:
            coro.send(None)
        except StopIteration as done:
            result: T = done.value
            return result
        coro.close()
        raise AssertionError("a sync-backend test body suspended: it awaited a real awaitable")


RUNNERS: dict[str, Callable[[], Runner]] = {
    "asyncio": AsyncioRunner,
    "uvloop": UvloopRunner,
    "trio": TrioRunner,
    "sync": SyncRunner,
}
