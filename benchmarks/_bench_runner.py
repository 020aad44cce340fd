"""Runs one client on one benchmark scenario, in a fresh interpreter, and prints one JSON line.

``bench_client.py`` starts this module once per (client, scenario) so no client's imports,
caches or garbage affect another's figures. It warms up, then measures the client's own CPU
time with ``time.process_time()`` (all threads of this process, so a Rust client's runtime
threads are counted; the server is another process) and the wall time, keeping the best of
``--repeat`` rounds. Output: ``{"cpu": s, "wall": s, "units": n}`` or ``{"na": reason}``.

Scenarios: ``S1`` sequential GETs on one keep-alive connection, ``S2`` GETs from
``--concurrency`` tasks, ``S3`` one streamed download of ``--mib`` MiB, ``SYNC`` sequential GETs
with a blocking client. Units are requests (S1, S2, SYNC) or bytes (S3).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

MIB = 1024 * 1024
SMALL_BODY = b"Hello, world!"


class NotAvailable(Exception):
    """This client cannot run this scenario; the message says why."""


# --- floor: the least a Python HTTP/1.1 client can do -----------------------------------------
#
# Each floor writes fixed request bytes and counts the response body by Content-Length, reading
# the cheapest way its loop offers: into one reused buffer (asyncio/uvloop: a BufferedProtocol
# the transport ``recv_into``s; trio: ``recv_into`` on the trio socket; sync: ``recv_into`` on
# the blocking socket). Reading with a plain ``asyncio.Protocol`` instead makes the transport
# allocate a fresh bytes object of up to 256 KiB per read, which glibc may serve with
# mmap/mremap/munmap: that churn is the loop's API choice, not a cost of being a client.

FLOOR_BUFFER_SIZE = 256 * 1024  # asyncio's own read size
_floor_buffers: dict[int, tuple[bytearray, memoryview]] = {}


def _floor_buffer(loop: Any) -> tuple[bytearray, memoryview]:
    """One receive buffer per event loop, shared by all its floor connections: a protocol
    handles the bytes in ``buffer_updated`` before anything else runs on the loop."""
    entry = _floor_buffers.get(id(loop))
    if entry is None:
        array = bytearray(FLOOR_BUFFER_SIZE)
        entry = _floor_buffers[id(loop)] = (array, memoryview(array))
    return entry


class _FloorProtocol(asyncio.BufferedProtocol):
    """Writes fixed request bytes; completes a future when Content-Length body bytes arrived.

    A buffered protocol: the transport receives into the loop's shared buffer and the head is
    searched there in place; only a head split across reads is copied out."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.loop = loop
        self.array, self.view = _floor_buffer(loop)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[int] | None = None
        self.partial = b""  # the start of a head split across reads
        self.remaining = -1  # body bytes still expected; -1 = reading the head
        self.received = 0
        self.lost: asyncio.Future[None] = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def request(self, data: bytes) -> asyncio.Future[int]:
        assert self.transport is not None
        self.waiter = self.loop.create_future()
        self.received = 0
        self.transport.write(data)
        return self.waiter

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view

    def buffer_updated(self, nbytes: int) -> None:
        self.body_received(self.array, nbytes)

    def body_received(self, array: bytearray, nbytes: int) -> None:
        """``array[:nbytes]`` arrived (plaintext)."""
        body = nbytes
        if self.remaining < 0:
            if self.partial:
                head: bytes | bytearray = self.partial + array[:nbytes]
                end = head.find(b"\r\n\r\n")
                if end < 0:
                    self.partial = head  # type: ignore[assignment]
                    return
                self.partial = b""
                body = len(head) - end - 4
            else:
                head = array
                end = array.find(b"\r\n\r\n", 0, nbytes)
                if end < 0:
                    self.partial = bytes(array[:nbytes])
                    return
                body = nbytes - end - 4
            self.remaining = _content_length(head[:end])
        self.remaining -= body
        self.received += body
        if self.remaining <= 0:
            self.remaining = -1
            waiter, self.waiter = self.waiter, None
            if waiter is not None:
                waiter.set_result(self.received)

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection lost"))
        self.lost.set_result(None)


class _PlainFloorProtocol(asyncio.Protocol):
    """The previous floor (client ``floor-plain``, for comparison only): a plain Protocol, so
    the transport allocates a fresh bytes object per read and the head is concatenated."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[int] | None = None
        self.buffer = b""
        self.remaining = -1
        self.received = 0
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def request(self, data: bytes) -> asyncio.Future[int]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.received = 0
        self.transport.write(data)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        if self.remaining < 0:
            self.buffer += data
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.remaining = _content_length(self.buffer[:end])
            data = self.buffer[end + 4 :]
            self.buffer = b""
        self.remaining -= len(data)
        self.received += len(data)
        if self.remaining <= 0:
            self.remaining = -1
            waiter, self.waiter = self.waiter, None
            if waiter is not None:
                waiter.set_result(self.received)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection lost"))
        self.lost.set_result(None)


class _TLSFloorProtocol(_FloorProtocol):
    """The S5 floor: TLS done in the protocol with memory BIOs (``ssl.SSLObject``) over a
    plain TCP transport, reading ciphertext into the shared buffer and decrypting back into it
    with ``SSLObject.read(n, buffer)`` -- no SSL transport layers in between."""

    def __init__(self, context: Any, server_hostname: str) -> None:
        import ssl

        super().__init__()
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.ssl_object = context.wrap_bio(
            self.incoming, self.outgoing, server_side=False, server_hostname=server_hostname
        )
        self.handshaking = True
        self.handshake: asyncio.Future[None] = self.loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._advance_handshake()

    def _advance_handshake(self) -> None:
        import ssl

        try:
            self.ssl_object.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            done = False
        if self.outgoing.pending:
            self.transport.write(self.outgoing.read())  # type: ignore[union-attr]
        if done:
            self.handshaking = False
            self.handshake.set_result(None)

    def request(self, data: bytes) -> asyncio.Future[int]:
        assert self.transport is not None
        self.waiter = self.loop.create_future()
        self.received = 0
        self.ssl_object.write(data)
        self.transport.write(self.outgoing.read())
        return self.waiter

    def buffer_updated(self, nbytes: int) -> None:
        import ssl

        view = self.view
        self.incoming.write(view[:nbytes])
        if self.handshaking:
            self._advance_handshake()
            if self.handshaking:
                return
        ssl_object = self.ssl_object
        size = len(view)
        while True:
            try:
                count = ssl_object.read(size, view)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                break
            if not count:
                break
            self.body_received(self.array, count)
        if self.outgoing.pending:  # e.g. a KeyUpdate answered
            self.transport.write(self.outgoing.read())  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.handshake.done():
            self.handshake.set_exception(ConnectionError("connection lost in TLS handshake"))
        super().connection_lost(exc)


async def _floor_connect(host: str, port: int, plain: bool = False) -> Any:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(
        _PlainFloorProtocol if plain else _FloorProtocol, host, port
    )
    return protocol


async def _floor_close(protocol: Any) -> None:
    if protocol.transport is not None:
        protocol.transport.close()
        await protocol.lost


def _content_length(head: bytes | bytearray) -> int:
    """Content-Length of a response head (without its final CRLF CRLF); 0 if absent."""
    lowered = head.lower()
    i = lowered.find(b"content-length:")
    if i < 0:
        return 0
    end = lowered.find(b"\r\n", i)
    return int(lowered[i + 15 : end if end >= 0 else len(lowered)])


def _request_bytes(host: str, port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()


# --- async clients: each returns (small_get, stream_download, close) ---------------------------

SmallGet = Callable[[], Awaitable[None]]
Download = Callable[[], Awaitable[int]]
Close = Callable[[], Awaitable[None]]


async def make_async_client(
    name: str, host: str, port: int, mib: int, backend: str
) -> tuple[Callable[[], Awaitable[SmallGet]], Download, Close]:
    """``(new_worker, download, close)``: ``new_worker()`` gives a coroutine function doing one
    small GET (the floor gives each worker its own connection; real clients share a pool)."""
    url = f"http://{host}:{port}/"
    big_url = f"http://{host}:{port}/big/{mib}"

    if name in ("floor", "floor-plain"):
        small_req = _request_bytes(host, port, "/")
        big_req = _request_bytes(host, port, f"/big/{mib}")
        plain = name == "floor-plain"
        protocols: list[Any] = []

        async def new_worker() -> SmallGet:
            protocol = await _floor_connect(host, port, plain)
            protocols.append(protocol)

            async def get() -> None:
                await protocol.request(small_req)

            return get

        async def download() -> int:
            protocol = await _floor_connect(host, port, plain)
            try:
                return await protocol.request(big_req)
            finally:
                await _floor_close(protocol)

        async def close() -> None:
            for protocol in protocols:
                await _floor_close(protocol)

        return new_worker, download, close

    if name == "aiohttp":
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))

        async def aiohttp_get() -> None:
            async with session.get(url) as response:
                await response.read()

        async def aiohttp_new_worker() -> SmallGet:
            return aiohttp_get

        async def aiohttp_download() -> int:
            n = 0
            async with session.get(big_url) as response:
                async for chunk in response.content.iter_any():
                    n += len(chunk)
            return n

        async def aiohttp_close() -> None:
            await session.close()

        return aiohttp_new_worker, aiohttp_download, aiohttp_close

    if name in ("httpx", "fasthttpx"):
        if name == "httpx":
            import httpx

            client: Any = httpx.AsyncClient(limits=httpx.Limits(max_connections=100))
        else:
            fasthttpx = _import_fasthttpx()
            if not hasattr(fasthttpx, "AsyncClient"):
                raise NotAvailable("n/a (not built): fasthttpx has no AsyncClient")
            kwargs: dict[str, Any] = {}
            if backend == "trio":
                try:
                    trio_module = importlib.import_module("fasthttpx.concurrency.trio")
                    backend_class = trio_module.TrioBackend
                except (ImportError, AttributeError) as exc:
                    raise NotAvailable(f"n/a: no fasthttpx TrioBackend ({exc})") from exc
                kwargs["backend"] = backend_class()
            client = fasthttpx.AsyncClient(**kwargs)
        is_httpx = name == "httpx"

        async def x_get() -> None:
            response = await client.get(url)
            if response.content != SMALL_BODY:
                raise RuntimeError(f"unexpected body {response.content!r}")

        async def x_new_worker() -> SmallGet:
            return x_get

        async def x_download() -> int:
            n = 0
            if is_httpx:
                async with client.stream("GET", big_url) as response:
                    async for chunk in response.aiter_bytes():
                        n += len(chunk)
                return n
            response = await client.get(big_url, stream=True)
            try:
                async for chunk in response.stream():
                    n += len(chunk)
            finally:
                await response.close()
            return n

        stack = contextlib.AsyncExitStack()
        await stack.enter_async_context(client)  # both clients close on __aexit__

        async def x_close() -> None:
            await stack.aclose()

        return x_new_worker, x_download, x_close

    if name == "pyreqwest":
        from pyreqwest.client import ClientBuilder

        rclient = ClientBuilder().build()

        async def r_get() -> None:
            response = await rclient.get(url).build().send()
            await response.bytes()

        async def r_new_worker() -> SmallGet:
            return r_get

        async def r_download() -> int:
            n = 0
            async with rclient.get(big_url).build_streamed() as response:
                while (chunk := await response.body_reader.read_chunk()) is not None:
                    n += len(chunk)
            return n

        async def r_close() -> None:
            await rclient.close()

        return r_new_worker, r_download, r_close

    raise NotAvailable(f"unknown client {name}")


def _import_fasthttpx() -> Any:
    try:
        import fasthttpx
    except Exception as exc:
        raise NotAvailable(f"n/a (not built): {exc!r}") from exc
    return fasthttpx


# --- trio variants (floor and httpx run natively; fasthttpx through its TrioBackend) -----------


async def make_trio_client(
    name: str, host: str, port: int, mib: int
) -> tuple[Callable[[], Awaitable[SmallGet]], Download, Close]:
    import trio

    if name == "floor":
        small_req = _request_bytes(host, port, "/")
        big_req = _request_bytes(host, port, f"/big/{mib}")
        streams: list[Any] = []
        array = bytearray(FLOOR_BUFFER_SIZE)  # one reused buffer: trio runs one task at a time
        view = memoryview(array)

        async def exchange(sock: Any, request: bytes) -> int:
            # trio.socket directly: SocketStream.receive_some would allocate a bytes per read.
            sent = 0
            while sent < len(request):
                sent += await sock.send(request[sent:] if sent else request)
            filled = 0
            while True:
                count = await sock.recv_into(view[filled:] if filled else array)
                if not count:
                    raise ConnectionError("closed")
                end = array.find(b"\r\n\r\n", 0, filled + count)
                filled += count
                if end >= 0:
                    break
            received = filled - end - 4
            remaining = _content_length(array[:end]) - received
            while remaining > 0:
                count = await sock.recv_into(array)
                if not count:
                    raise ConnectionError("closed")
                remaining -= count
                received += count
            return received

        async def new_worker() -> SmallGet:
            stream = await trio.open_tcp_stream(host, port)
            streams.append(stream)
            sock = stream.socket

            async def get() -> None:
                await exchange(sock, small_req)

            return get

        async def download() -> int:
            stream = await trio.open_tcp_stream(host, port)
            async with stream:
                return await exchange(stream.socket, big_req)

        async def close() -> None:
            for stream in streams:
                await stream.aclose()

        return new_worker, download, close
    if name in ("httpx", "fasthttpx"):
        return await make_async_client(name, host, port, mib, "trio")
    raise NotAvailable(f"n/a: {name} does not run on trio")


# --- sync clients --------------------------------------------------------------------------------


def make_sync_client(
    name: str, host: str, port: int
) -> tuple[Callable[[], None], Callable[[], None]]:
    url = f"http://{host}:{port}/"
    if name == "floor":
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = _request_bytes(host, port, "/")
        array = bytearray(65536)  # one reused buffer, filled with recv_into
        view = memoryview(array)
        recv_into = sock.recv_into

        def get() -> None:
            sock.sendall(request)
            filled = 0
            while True:
                count = recv_into(view[filled:] if filled else array)
                if not count:
                    raise ConnectionError("closed")
                end = array.find(b"\r\n\r\n", 0, filled + count)
                filled += count
                if end >= 0:
                    break
            remaining = _content_length(array[:end]) - (filled - end - 4)
            while remaining > 0:
                count = recv_into(array)
                if not count:
                    raise ConnectionError("closed")
                remaining -= count

        return get, sock.close
    if name == "urllib3":
        import urllib3

        pool = urllib3.PoolManager()

        def u_get() -> None:
            if pool.request("GET", url).data != SMALL_BODY:
                raise RuntimeError("unexpected body")

        return u_get, pool.clear
    if name == "httpx":
        import httpx

        client = httpx.Client()

        def h_get() -> None:
            if client.get(url).content != SMALL_BODY:
                raise RuntimeError("unexpected body")

        return h_get, client.close
    if name == "pyreqwest":
        from pyreqwest.client import SyncClientBuilder

        rclient = SyncClientBuilder().build()

        def r_get() -> None:
            rclient.get(url).build().send().bytes()

        return r_get, rclient.close
    if name == "fasthttpx":
        fasthttpx = _import_fasthttpx()
        if not hasattr(fasthttpx, "Client"):
            raise NotAvailable("n/a (not built): fasthttpx has no Client")
        fclient = fasthttpx.Client()

        def f_get() -> None:
            if fclient.get(url).content != SMALL_BODY:
                raise RuntimeError("unexpected body")

        return f_get, fclient.close
    raise NotAvailable(f"unknown client {name}")


# --- measurement --------------------------------------------------------------------------------


def _best(rounds: list[tuple[float, float]]) -> tuple[float, float]:
    """The round with the least CPU time (the least disturbed)."""
    return min(rounds)


async def run_parallel_scenario(args: argparse.Namespace) -> dict[str, Any]:
    """P: ``args.n`` small GETs started at once and collected as they complete, through
    ``fasthttpx``'s ``parallel()`` (client ``fasthttpx-parallel``) or through the library's
    gather (asyncio.gather / a trio nursery) on each client."""
    rounds: list[tuple[float, float]] = []
    if args.client == "fasthttpx-parallel":
        fasthttpx = _import_fasthttpx()
        kwargs: dict[str, Any] = {}
        if args.backend == "trio":
            from fasthttpx.concurrency.trio import TrioBackend

            kwargs["backend"] = TrioBackend()
        url = f"http://{args.host}:{args.port}/"

        async def one_round(n: int) -> None:
            async with client.parallel() as parallel:
                for _ in range(n):
                    parallel.get(url)
                while parallel.has_pending_responses:
                    response = await parallel.next_response()
                    if response.content != SMALL_BODY:
                        raise RuntimeError(f"unexpected body {response.content!r}")

        async with fasthttpx.AsyncClient(**kwargs) as client:
            await one_round(args.warmup)
            for _ in range(args.repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                await one_round(args.n)
                rounds.append((time.process_time() - c0, time.perf_counter() - w0))
        cpu, wall = _best(rounds)
        return {"cpu": cpu, "wall": wall, "units": args.n}
    if args.backend == "trio":
        new_worker, _, close = await make_trio_client(args.client, args.host, args.port, 1)
    else:
        new_worker, _, close = await make_async_client(
            args.client, args.host, args.port, 1, "asyncio"
        )
    try:
        get = await new_worker()
        await _gather(args.backend, [get() for _ in range(args.warmup)])
        for _ in range(args.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            await _gather(args.backend, [get() for _ in range(args.n)])
            rounds.append((time.process_time() - c0, time.perf_counter() - w0))
    finally:
        await close()
    cpu, wall = _best(rounds)
    return {"cpu": cpu, "wall": wall, "units": args.n}


async def make_tls_h2_client(
    name: str, scenario: str, host: str, port: int, ca_file: str | None
) -> tuple[SmallGet, Close]:
    """S5 (HTTPS, HTTP/1.1) and S6 (HTTP/2 with prior knowledge): ``(get, close)``."""
    import ssl

    context = ssl.create_default_context(cafile=ca_file) if scenario == "S5" else None
    url = f"{'https' if scenario == 'S5' else 'http'}://{host}:{port}/"
    if name in ("floor", "floor-sslproto", "floor-sslproto-plain"):
        # floor: TLS in a buffered protocol over plain TCP (memory BIOs); floor-sslproto: the
        # loop's SSL transport under a buffered protocol; -plain: under a plain Protocol.
        if scenario != "S5":
            raise NotAvailable("n/a (no HTTP/2 floor)")
        loop = asyncio.get_running_loop()
        protocol: Any
        if name == "floor":
            _, protocol = await loop.create_connection(
                lambda: _TLSFloorProtocol(context, host), host, port
            )
            await protocol.handshake
        else:
            factory = _PlainFloorProtocol if name.endswith("-plain") else _FloorProtocol
            _, protocol = await loop.create_connection(
                factory, host, port, ssl=context, server_hostname=host
            )
        request = _request_bytes(host, port, "/")

        async def floor_get() -> None:
            await protocol.request(request)

        async def floor_close() -> None:
            await _floor_close(protocol)

        return floor_get, floor_close
    if name == "aiohttp" and scenario == "S5":
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100, ssl=context))

        async def aiohttp_get() -> None:
            async with session.get(url) as response:
                if await response.read() != SMALL_BODY:
                    raise RuntimeError("unexpected body")

        return aiohttp_get, session.close
    if name in ("httpx", "fasthttpx"):
        if name == "httpx":
            import httpx

            kwargs: dict[str, Any] = {"verify": context} if context else {
                "http1": False, "http2": True}
            client: Any = httpx.AsyncClient(limits=httpx.Limits(max_connections=100), **kwargs)
        else:
            fasthttpx = _import_fasthttpx()
            kwargs = {"verify": ca_file} if context else {"http1": False, "http2": True}
            client = fasthttpx.AsyncClient(**kwargs)
        http_version = "HTTP/1.1" if context else "HTTP/2"

        async def x_get() -> None:
            response = await client.get(url)
            if response.content != SMALL_BODY or response.http_version != http_version:
                raise RuntimeError(f"unexpected {response.http_version} {response.content!r}")

        await client.__aenter__()

        async def x_close() -> None:
            await client.__aexit__(None, None, None)

        return x_get, x_close
    raise NotAvailable(f"n/a ({name} is not in {scenario})")


async def run_tls_h2(args: argparse.Namespace) -> dict[str, Any]:
    """S5: sequential GETs as S1, over TLS. S6: GETs from ``--concurrency`` tasks as S2,
    all sharing one client (one HTTP/2 connection)."""
    get, close = await make_tls_h2_client(
        args.client, args.scenario, args.host, args.port, args.ca
    )
    rounds: list[tuple[float, float]] = []
    try:
        if args.scenario == "S5":
            for _ in range(args.warmup):
                await get()
            for _ in range(args.repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                for _ in range(args.n):
                    await get()
                rounds.append((time.process_time() - c0, time.perf_counter() - w0))
        else:
            async def burst(total: int) -> None:
                left = [total]

                async def task() -> None:
                    while left[0] > 0:
                        left[0] -= 1
                        await get()

                await asyncio.gather(*[task() for _ in range(args.concurrency)])

            await burst(args.warmup)
            for _ in range(args.repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                await burst(args.n)
                rounds.append((time.process_time() - c0, time.perf_counter() - w0))
    finally:
        await close()
    cpu, wall = _best(rounds)
    return {"cpu": cpu, "wall": wall, "units": args.n}


async def run_async(args: argparse.Namespace) -> dict[str, Any]:
    if args.scenario == "P":
        return await run_parallel_scenario(args)
    if args.scenario in ("S5", "S6"):
        if args.backend == "trio":
            raise NotAvailable("n/a (S5/S6 run on asyncio)")
        return await run_tls_h2(args)
    if args.backend == "trio":
        new_worker, download, close = await make_trio_client(
            args.client, args.host, args.port, args.mib
        )
    else:
        new_worker, download, close = await make_async_client(
            args.client, args.host, args.port, args.mib, "asyncio"
        )
    rounds: list[tuple[float, float]] = []
    try:
        if args.scenario == "S1":
            get = await new_worker()
            for _ in range(args.warmup):
                await get()
            for _ in range(args.repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                for _ in range(args.n):
                    await get()
                rounds.append((time.process_time() - c0, time.perf_counter() - w0))
            units = args.n
        elif args.scenario == "S2":
            workers = [await new_worker() for _ in range(args.concurrency)]

            async def burst(total: int) -> None:
                left = [total]

                async def task(get: SmallGet) -> None:
                    while left[0] > 0:
                        left[0] -= 1
                        await get()

                await _gather(args.backend, [task(g) for g in workers])

            await burst(args.warmup)
            for _ in range(args.repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                await burst(args.n)
                rounds.append((time.process_time() - c0, time.perf_counter() - w0))
            units = args.n
        elif args.scenario == "S3":
            await download()  # warm-up (also checks the size)
            for _ in range(args.repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                size = await download()
                rounds.append((time.process_time() - c0, time.perf_counter() - w0))
                if size != args.mib * MIB:
                    raise RuntimeError(f"downloaded {size} bytes, expected {args.mib * MIB}")
            units = args.mib * MIB
        else:
            raise NotAvailable(f"unknown async scenario {args.scenario}")
    finally:
        await close()
    cpu, wall = _best(rounds)
    return {"cpu": cpu, "wall": wall, "units": units}


async def _gather(backend: str, coros: list[Awaitable[None]]) -> None:
    if backend == "trio":
        import trio

        async with trio.open_nursery() as nursery:
            for coro in coros:
                nursery.start_soon(_await, coro)
    else:
        await asyncio.gather(*coros)


async def _await(coro: Awaitable[None]) -> None:
    await coro


def run_sync(args: argparse.Namespace) -> dict[str, Any]:
    get, close = make_sync_client(args.client, args.host, args.port)
    rounds: list[tuple[float, float]] = []
    try:
        for _ in range(args.warmup):
            get()
        for _ in range(args.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(args.n):
                get()
            rounds.append((time.process_time() - c0, time.perf_counter() - w0))
    finally:
        close()
    cpu, wall = _best(rounds)
    return {"cpu": cpu, "wall": wall, "units": args.n}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--mib", type=int, default=100)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--cpu", type=int, default=None)
    parser.add_argument("--ca", default=None, help="CA file for the TLS scenario (S5)")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    try:
        if args.scenario == "SYNC":
            result = run_sync(args)
        elif args.backend == "trio":
            import trio

            result = trio.run(run_async, args)
        else:
            if args.loop == "uvloop":
                import uvloop

                asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            result = asyncio.run(run_async(args))
    except NotAvailable as exc:
        result = {"na": str(exc)}
    if args.client.startswith("fasthttpx") and "na" not in result:
        import fasthttpx

        result["implementation"] = getattr(fasthttpx, "__implementation__", "?")
        result["module"] = fasthttpx.__file__  # bench_client checks the tree it came from
    print(json.dumps(result), flush=True)
    sys.stderr.flush()
    # Skip interpreter finalisation: pyreqwest 0.15.1's runtime threads can abort it
    # ("PyGILState_Release: thread state ... must be current") after the work is done.
    os._exit(0)


if __name__ == "__main__":
    main()
