"""The asyncio backend (default for ``AsyncClient``); runs unchanged on uvloop.

Streams are built on a transport/protocol pair rather than ``asyncio.StreamReader``: the
protocol keeps received bytes in a list and wakes at most one waiting reader, which is the
cheapest wait asyncio offers (one future per read that has to wait, one timer handle only when
a timeout is set). Reading pauses the transport when more than ``READ_BUFFER_HIGH`` bytes are
waiting, so a fast server cannot make us buffer a whole download.

TLS runs in the protocol itself over a plain TCP transport (``_tls.TLSSession``, memory BIOs)
rather than through the loop's SSL transport, whose per-record Python layers cost more than
the rest of a small HTTPS request; the same code serves ``start_tls`` inside a proxy tunnel.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import sys
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    WriteError,
    WriteTimeout,
)
from ._errors import apply_socket_options, connect_error, unix_connect_error
from ._layered import AsyncTLSLayer
from ._poll import readable_check
from ._tls import NOT_TLS_INFO, TLS_INFO, WRITE_PIECE, TLSSession, tls_extra_info
from .base import AsyncBackend, AsyncLock, SocketOption

__all__ = ["AsyncioBackend", "AsyncioStream", "default_backend"]

READ_BUFFER_HIGH = 1 << 20  # pause the transport above 1 MiB of unread data
READ_BUFFER_LOW = 256 << 10


_RECEIVE_BUFFERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, memoryview] = (
    weakref.WeakKeyDictionary()
)
RECEIVE_BUFFER_SIZE = 256 << 10  # asyncio's own read size


def _receive_buffer(loop: asyncio.AbstractEventLoop) -> memoryview:
    """One receive buffer per event loop, shared by its connections: the transport fills it
    and ``buffer_updated`` copies the bytes out before anything else runs on the loop."""
    buffer = _RECEIVE_BUFFERS.get(loop)
    if buffer is None:
        buffer = _RECEIVE_BUFFERS[loop] = memoryview(bytearray(RECEIVE_BUFFER_SIZE))
    return buffer


class _StreamProtocol(asyncio.BufferedProtocol):
    """Collects received bytes and wakes the single reader waiting for them.

    A buffered protocol: the transport receives into the loop's shared buffer (``recv_into``;
    for TLS the SSL object decrypts into it) and we copy out what arrived. With the plain
    protocol API the transport allocates a fresh 256 KiB bytes object per read and shrinks
    it, which glibc serves with mmap + mremap + munmap whenever its mmap threshold has not
    been raised yet: three system calls per read, which doubled the client's CPU per small
    request in such processes. The copy costs a memcpy of what actually arrived."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.buffer = _receive_buffer(loop)
        self.transport: asyncio.Transport | None = None
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.eof = False
        self.error: BaseException | None = None
        self.read_waiter: asyncio.Future[bytes] | None = None
        self.drain_waiter: asyncio.Future[None] | None = None
        self.write_paused = False
        self.read_paused = False
        # Read timeouts: one timer per connection that re-arms itself, not one per read;
        # ``timer_at`` is when it fires (a read with an earlier deadline moves it sooner).
        self.deadline = 0.0
        self.read_timeout: float | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0
        # TLS, once ``start_tls`` installed it; the handshake's waiter until it completes.
        self.tls: TLSSession | None = None
        self.handshake_waiter: asyncio.Future[None] | None = None
        self.closed_locally = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        tls = self.tls
        if tls is None:
            self.data_received(self.buffer[:nbytes].tobytes())
            return
        buffer = self.buffer
        incoming = tls.incoming
        incoming.write(buffer[:nbytes])
        if tls.handshake_done and not tls.backlog:
            # The usual case, whole records and nothing to answer: one decrypting call.
            ssl_object = tls.ssl_object
            try:
                count: int = ssl_object.read(  # type: ignore[assignment]  # a byte count
                    len(buffer), buffer
                )
            except ssl.SSLWantReadError:
                # An incomplete record, or a handshake message (TLS 1.2 renegotiation) whose
                # answer must go out before the peer says more.
                if tls.outgoing.pending:
                    self.transport.write(tls.outgoing.read())  # type: ignore[union-attr]
                return
            except ssl.SSLZeroReturnError:
                count = 0
            except ssl.SSLError as exc:
                self._tls_failed(tls, exc)
                return
            if count:
                self.data_received(buffer[:count].tobytes())
                if not incoming.pending and not ssl_object.pending() and \
                        not tls.outgoing.pending:
                    return
        self.receive_tls(tls)

    def receive_tls(self, tls: TLSSession) -> None:
        """Ciphertext arrived: move the handshake on, or decrypt into the shared buffer and
        deliver the plaintext; send what TLS has to say back."""
        transport = self.transport
        assert transport is not None
        try:
            if not tls.handshake_done:
                done = tls.advance_handshake()
                output = tls.pending_output()
                if output:
                    transport.write(output)
                if not done:
                    return
                self._handshake_finished(None)
            buffer = self.buffer
            while True:
                count = tls.decrypt_into(buffer)
                if count:
                    self.data_received(buffer[:count].tobytes())
                if count < len(buffer) or not tls.has_pending():
                    break
            if tls.backlog:
                output = tls.resume_writes()
                if output:
                    transport.write(output)
            if tls.outgoing.pending:  # e.g. a TLS 1.3 KeyUpdate answered
                transport.write(tls.outgoing.read())
        except ssl.SSLError as exc:
            self._tls_failed(tls, exc)
            return
        if tls.peer_closed and not self.eof:
            self.eof_received()

    def _tls_failed(self, tls: TLSSession, error: ssl.SSLError) -> None:
        """A handshake failure goes to the connecting task; later, corrupt records end the
        stream with that error. The connection is dropped either way."""
        if not tls.handshake_done:
            self._handshake_finished(error)
        else:
            self.error = error
            self.eof = True
            self._wake_reader()
        if self.transport is not None:
            self.transport.abort()

    def _handshake_finished(self, error: BaseException | None) -> None:
        waiter = self.handshake_waiter
        if waiter is not None:
            self.handshake_waiter = None
            if not waiter.done():
                if error is None:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(error)

    def data_received(self, data: bytes) -> None:
        waiter = self.read_waiter
        if waiter is not None:
            self.read_waiter = None
            if not waiter.done():  # else cancelled or timed out: keep the bytes for later
                waiter.set_result(data)  # straight to the waiting reader
                return
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > READ_BUFFER_HIGH and not self.read_paused and self.transport:
            self.read_paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        self.eof = True
        if self.handshake_waiter is not None:
            self._handshake_finished(
                ConnectionResetError("the server closed the connection during the TLS handshake")
            )
        self._wake_reader()
        return False

    def connection_lost(self, exc: BaseException | None) -> None:
        self.eof = True
        if self.error is None:  # a TLS failure recorded before the abort stays the reason
            self.error = exc
        if self.handshake_waiter is not None:
            self._handshake_finished(
                exc or ConnectionResetError("the connection closed during the TLS handshake")
            )
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self._wake_reader()
        waiter = self.drain_waiter
        if waiter is not None:
            self.drain_waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        waiter = self.drain_waiter
        if waiter is not None:
            self.drain_waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def check_deadline(self) -> None:
        """Timer callback: fail the waiting read if its deadline passed, else re-arm."""
        self.timer = None
        waiter = self.read_waiter
        if waiter is None or waiter.done():
            return
        if time.monotonic() >= self.deadline:
            self.read_waiter = None
            waiter.set_exception(ReadTimeout(f"no data received within {self.read_timeout} s"))
        else:
            self.timer_at = self.deadline
            self.timer = self.loop.call_at(self.deadline, self.check_deadline)

    def _wake_reader(self) -> None:
        """The stream ended (or failed): give the waiting reader what ``read`` would."""
        waiter = self.read_waiter
        if waiter is not None:
            self.read_waiter = None
            if not waiter.done():
                error = self.end_error()
                if error is None:
                    waiter.set_result(b"")
                else:
                    waiter.set_exception(error)

    def end_error(self) -> ReadError | None:
        """What reading past the received bytes raises: None for a clean end of stream."""
        if self.error is not None:
            error = ReadError(f"connection lost: {self.error}")
            error.__cause__ = self.error
            return error
        if self.closed_locally:
            return ReadError("read from a closed connection")
        return None


def _expire(waiter: asyncio.Future[None], error: BaseException) -> None:
    if not waiter.done():
        waiter.set_exception(error)


class AsyncioStream:
    """A TCP (or TLS) connection driven through ``_StreamProtocol``."""

    __slots__ = ("_protocol", "_transport", "_loop", "_closed", "_written", "_poll")

    def __init__(self, transport: asyncio.Transport, protocol: _StreamProtocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self._loop = protocol.loop
        self._closed = False
        # What ``write`` returns when the transport took everything: an awaitable that is
        # already complete (no coroutine per write).
        self._written: asyncio.Future[None] = self._loop.create_future()
        self._written.set_result(None)
        self._poll: Callable[[], bool] | None = None  # made on the first reuse check

    def read(self, max_bytes: int, timeout: float | None) -> Awaitable[bytes]:
        """As the interface says; a plain function returning an awaitable: when nothing is
        buffered (the usual case) that is the future the protocol completes with the next
        received piece, so a read costs one future and no coroutine."""
        protocol = self._protocol
        if protocol.chunks or protocol.eof or self._closed:
            return self._read_buffered()
        waiter: asyncio.Future[bytes] = self._loop.create_future()
        protocol.read_waiter = waiter
        if timeout is not None:
            # Usually only moves the deadline later: the connection's timer re-arms when it
            # fires early. A deadline before the timer's (a shorter timeout than the last
            # read's) re-arms it now.
            protocol.read_timeout = timeout
            # time.monotonic is the loop's clock (asyncio's and uvloop's), without a call
            # through the loop.
            deadline = protocol.deadline = time.monotonic() + timeout
            timer = protocol.timer
            if timer is None or deadline < protocol.timer_at:
                if timer is not None:
                    timer.cancel()
                protocol.timer_at = deadline
                protocol.timer = self._loop.call_at(deadline, protocol.check_deadline)
        return waiter

    async def _read_buffered(self) -> bytes:
        protocol = self._protocol
        chunks = protocol.chunks
        if chunks:
            # One received piece at a time, as the transport delivered it: no joins and no
            # slices, so a download is never copied here (``max_bytes`` is only a hint).
            data = chunks.pop() if len(chunks) == 1 else chunks.pop(0)
            protocol.buffered -= len(data)
            if protocol.read_paused and protocol.buffered < READ_BUFFER_LOW:
                protocol.read_paused = False
                self._transport.resume_reading()
            return data
        error = protocol.end_error()
        if error is not None:
            raise error
        return b""

    def write(self, data: bytes, timeout: float | None) -> Awaitable[None]:
        """As the interface says; a plain function returning an awaitable, complete already
        when the transport took the bytes without pushing back (the usual case)."""
        protocol = self._protocol
        tls = protocol.tls
        # ``eof`` covers a transport that closed or is closing on its own (the peer's FIN
        # closes it, and a lost connection sets it); one that failed a send an instant ago
        # drops this write, and the read that follows reports the loss.
        if self._closed or protocol.eof or (tls is not None and len(data) > WRITE_PIECE):
            return self._write_slowly(data, timeout)
        if tls is None:
            self._transport.write(data)
        else:
            self._send_encrypted(tls, data)
        if protocol.write_paused:
            return self._drain(timeout)
        return self._written

    async def _write_slowly(self, data: bytes, timeout: float | None) -> None:
        """A write to a closed stream (raises), or a big TLS write: encrypted piece by piece,
        waiting for the transport's flow control in between."""
        if self._closed or self._protocol.eof or self._transport.is_closing():
            error = self._protocol.error
            raise WriteError(f"connection closed{f': {error}' if error else ''}") from error
        tls = self._protocol.tls
        assert tls is not None
        view = memoryview(data)
        for start in range(0, len(view), WRITE_PIECE):
            self._send_encrypted(tls, view[start:start + WRITE_PIECE])
            if self._protocol.write_paused:
                await self._drain(timeout)

    def _send_encrypted(self, tls: TLSSession, data: bytes | memoryview) -> None:
        try:
            output = tls.encrypt(data)
        except ssl.SSLError as exc:
            raise self._tls_write_failed(exc) from exc
        if output:
            self._transport.write(output)

    def _tls_write_failed(self, error: ssl.SSLError) -> WriteError:
        """The TLS session refused to encrypt (it failed earlier): drop the connection."""
        self.close_now()
        return WriteError(f"TLS failure while sending: {error}")

    async def _drain(self, timeout: float | None) -> None:
        """Wait until the transport's buffer is below its high-water mark again."""
        protocol = self._protocol
        if self._closed or self._transport.is_closing():
            error = protocol.error
            raise WriteError(f"connection closed{f': {error}' if error else ''}") from error
        if protocol.write_paused:
            waiter = self._loop.create_future()
            protocol.drain_waiter = waiter
            handle = None
            if timeout is not None:
                handle = self._loop.call_later(
                    timeout, _expire, waiter, WriteTimeout(f"could not send within {timeout} s")
                )
            try:
                await waiter
            finally:
                if handle is not None:
                    handle.cancel()
            if protocol.error is not None:
                raise WriteError(f"connection lost: {protocol.error}") from protocol.error

    async def aclose(self) -> None:
        self.close_now()

    def close_now(self) -> None:
        """Close without waiting (usable from synchronous cleanup paths)."""
        if not self._closed:
            self._closed = True
            self._protocol.closed_locally = True
            if self._protocol.timer is not None:
                self._protocol.timer.cancel()
                self._protocol.timer = None
            # Abort, never a graceful close: nothing we could still want to send matters once we
            # close (a request is complete or abandoned), a graceful close would wait for a
            # full send buffer to drain, and for TLS for the peer's close_notify (RFC 9112
            # §9.8 lets a client drop it). The kernel still ends the connection with a FIN.
            self._transport.abort()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None, timeout: float | None,
        port: int = 0,
    ) -> AsyncioStream | AsyncTLSLayer:
        """Run the TLS handshake on this connection; later reads and writes are encrypted.
        Failures raise ``ConnectError`` (``ConnectTimeout`` past ``timeout``). On a stream
        that already speaks TLS (to an https:// proxy), the new session runs inside it."""
        protocol = self._protocol
        if protocol.tls is not None:
            return await AsyncTLSLayer.open(self, ssl_context, server_hostname, timeout)
        try:
            tls = TLSSession(ssl_context, server_hostname)
        except (ssl.SSLError, ValueError) as exc:
            raise connect_error(exc, server_hostname or "?", port) from exc
        waiter = protocol.handshake_waiter = self._loop.create_future()
        protocol.tls = tls
        # Bytes already received belong to the TLS stream (a server speaks after ClientHello,
        # so there are none in practice).
        for chunk in protocol.chunks:
            tls.incoming.write(chunk)
        protocol.chunks = []
        protocol.buffered = 0
        if protocol.eof:
            protocol.eof_received()
        else:
            protocol.receive_tls(tls)  # sends the ClientHello
        try:
            await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError as exc:
            self.close_now()
            raise ConnectTimeout(f"TLS handshake took longer than {timeout} s") from exc
        except (OSError, ssl.SSLError, ssl.CertificateError) as exc:
            self.close_now()
            raise connect_error(exc, server_hostname or "?", port) from exc
        except BaseException:
            self.close_now()
            raise
        return self

    def is_readable_or_closed(self) -> bool:
        protocol = self._protocol
        if protocol.chunks or protocol.eof or self._closed:
            return True
        tls = protocol.tls
        if tls is not None and tls.incoming.pending:
            return True  # part of a record arrived
        # Bytes in the kernel that the loop has not read yet (it does on its next pass): a
        # request sent now would take them for its response. One poll, no waiting.
        poll = self._poll
        if poll is None:
            poll = self._poll = _socket_poller(self._transport)
        return poll()


    def get_extra_info(self, name: str) -> Any:
        tls = self._protocol.tls
        if tls is None:
            return None if name in TLS_INFO else self._transport.get_extra_info(name)
        value = tls_extra_info(tls, name)
        return self._transport.get_extra_info(name) if value is NOT_TLS_INFO else value


def _socket_poller(transport: asyncio.BaseTransport) -> Callable[[], bool]:
    """``readable_check`` for the transport's socket."""
    sock = transport.get_extra_info("socket")
    if sock is None:  # not a socket transport: only what the protocol holds counts
        return lambda: False
    return readable_check(sock.fileno())






class _Event:
    """A one-shot event for pool waiters: a bare future and, with a timeout, one timer
    handle (``asyncio.wait_for`` would create a task per wait)."""

    __slots__ = ("_is_set", "_future")

    def __init__(self) -> None:
        self._is_set = False
        self._future: asyncio.Future[bool] | None = None

    def set(self) -> None:
        self._is_set = True
        future = self._future
        if future is not None and not future.done():
            future.set_result(True)

    async def wait(self, timeout: float | None) -> bool:
        if self._is_set:
            return True
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._future = future
        if timeout is None:
            return await future
        handle = loop.call_later(timeout, _resolve, future, False)
        try:
            return await future
        finally:
            handle.cancel()


def _resolve(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


class _TaskGroup:
    """Minimal task group (asyncio.TaskGroup needs 3.11): leaving it cancels what is left."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __aenter__(self) -> _TaskGroup:
        return self

    async def __aexit__(self, *args: object) -> None:
        self.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def start_soon(self, func: Callable[..., Awaitable[Any]], *args: Any) -> None:
        task = asyncio.ensure_future(func(*args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()


class AsyncioBackend:
    """Backend for asyncio and uvloop event loops."""

    single_threaded = True  # one event loop: see ``AsyncBackend``

    async def connect_tcp(
        self,
        host: str,
        port: int,
        *,
        timeout: float | None,
        ssl_context: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        local_address: str | None = None,
        socket_options: Sequence[SocketOption] | None = None,
    ) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        started = loop.time()
        try:
            transport, protocol = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _StreamProtocol(loop), host, port, local_addr=local
                ),
                timeout,
            )
        except asyncio.TimeoutError as exc:
            raise ConnectTimeout(f"connecting to {host}:{port} took longer than {timeout} s") \
                from exc
        except (OSError, ssl.SSLError, ssl.CertificateError) as exc:
            raise connect_error(exc, host, port) from exc
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # pragma: no cover - not a TCP socket
                pass
        stream = AsyncioStream(transport, protocol)
        if socket_options:
            _set_options(stream, transport, socket_options, f"{host}:{port}")
        if ssl_context is not None:
            remaining = None if timeout is None else max(0.0, timeout - (loop.time() - started))
            await stream.start_tls(ssl_context, server_hostname or host, remaining, port)
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        *,
        timeout: float | None,
        socket_options: Sequence[SocketOption] | None = None,
    ) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        try:
            transport, protocol = await asyncio.wait_for(
                loop.create_unix_connection(lambda: _StreamProtocol(loop), path), timeout
            )
        except asyncio.TimeoutError as exc:
            raise ConnectTimeout(
                f"connecting to the Unix socket {path!r} took longer than {timeout} s"
            ) from exc
        except OSError as exc:
            raise unix_connect_error(exc, path) from exc
        stream = AsyncioStream(transport, protocol)
        if socket_options:
            _set_options(stream, transport, socket_options, f"the Unix socket {path!r}")
        return stream

    async def resolve(self, host: str, port: int, *, timeout: float | None) -> str:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
            )
        except asyncio.TimeoutError as exc:
            raise ConnectTimeout(f"resolving {host} took longer than {timeout} s") from exc
        except OSError as exc:
            raise connect_error(exc, host, port) from exc
        if not infos:  # pragma: no cover - getaddrinfo raises instead
            raise ConnectError(f"cannot connect to {host}:{port}: no address")
        address = str(infos[0][4][0])
        return address

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def create_lock(self) -> AsyncLock:
        """The pool's critical sections never await, so on one event loop nothing can
        interleave them: any lock is free (the per-request sections skip it altogether:
        ``single_threaded``). A C re-entrant lock, which can never block the thread that
        holds it, serves the others."""
        return threading.RLock()

    def create_event(self) -> _Event:
        return _Event()

    def create_task_group(self) -> _TaskGroup:
        return _TaskGroup()

    def check_running(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "this AsyncClient uses the asyncio backend, but no asyncio event loop is "
                "running (inside trio, pass backend=TrioBackend())"
            ) from None


def _set_options(
    stream: AsyncioStream, transport: asyncio.BaseTransport,
    options: Sequence[SocketOption], where: str,
) -> None:
    """``socket_options`` on a new connection's socket; the connection is dropped if one
    is refused."""
    sock = transport.get_extra_info("socket")
    try:
        if sock is None:  # pragma: no cover - every socket transport exposes it
            raise ConnectError(f"no socket to set options on for {where}")
        apply_socket_options(sock, options, where)
    except BaseException:
        stream.close_now()
        raise


def running_backend() -> AsyncBackend | None:
    """The backend for the async library running now (trio's inside ``trio.run``, else
    asyncio's, uvloop included), or None when none runs yet (the httpx adapters then decide
    at their first request). Asks ``sniffio`` when it is installed, else looks itself."""
    try:
        import sniffio
    except ImportError:
        library = _running_library()
    else:
        try:
            library = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            library = None
    if library == "trio":
        from .trio import TrioBackend

        return TrioBackend()
    return AsyncioBackend() if library is not None else None


def _running_library() -> str | None:
    """``"asyncio"``, ``"trio"`` or None, without sniffio."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return "asyncio"
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            trio.lowlevel.current_task()
        except RuntimeError:
            return None
        return "trio"
    return None


def default_backend() -> AsyncBackend:
    """The backend for an ``AsyncClient`` built without one: trio's when the client is
    created inside ``trio.run`` (as HTTPX, which follows the running library), else asyncio's.
    Decided once per client, never per request."""
    return running_backend() or AsyncioBackend()
