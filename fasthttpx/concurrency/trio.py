"""The trio backend: ``AsyncClient(backend=TrioBackend())`` inside ``trio.run``.

Streams are trio's own: ``trio.open_tcp_stream`` (happy eyeballs, TCP_NODELAY set by trio) and
``trio.SSLStream`` for TLS, in ``https_compatible`` mode (RFC 9112 §9.8 lets an HTTP client
treat a missing close_notify as a normal close, and closing does not wait to send one). Each
timeout is a cancel scope around the one operation; when *that* scope fired we raise our
``ConnectTimeout``/``ReadTimeout``/``WriteTimeout`` instead, while a cancellation from an
enclosing scope passes through as ``trio.Cancelled``, untouched. trio's errors
(``BrokenResourceError``, ``ClosedResourceError``, ``OSError``, ``ssl.SSLError``) are mapped
to ``ReadError``/``WriteError``/``ConnectError`` with the native error as ``__cause__``.

On a plain (non-TLS) POSIX socket, reads and writes skip ``SocketStream``: they try the
non-blocking file descriptor first and only when it would block set up the timeout's cancel
scope (a third of a paced read's CPU) around ``trio.lowlevel.wait_readable``/``wait_writable``.
A read stays a full trio checkpoint either way, as ``receive_some`` is.

The reuse check (``is_readable_or_closed``) must not checkpoint: it asks the kernel with a
zero-timeout ``select.poll`` on the socket, plus, for TLS, whether bytes already pulled off the
socket wait inside the SSL layer.
"""

from __future__ import annotations

import math
import os
import select
import ssl
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

try:
    import trio
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError("TrioBackend needs trio: pip install fasthttpx[trio]") from exc

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
from ._read_buffer import BIG_READ, read_fd
from .base import SocketOption

if sys.version_info < (3, 11):  # pragma: no cover - trio depends on the backport there
    from exceptiongroup import BaseExceptionGroup

__all__ = ["TrioBackend", "TrioStream"]

#: trio's own default: start the next address family's attempt after 250 ms (RFC 8305 §5).
DEFAULT_HAPPY_EYEBALLS_DELAY = 0.25

_POLL_READABLE = select.POLLIN | select.POLLPRI
#: ``os.read``/``os.write`` on a socket's descriptor: POSIX only (Windows sockets are handles).
_RAW_SOCKET_IO = os.name == "posix"
_checkpoint_if_cancelled = trio.lowlevel.checkpoint_if_cancelled
_cancel_shielded_checkpoint = trio.lowlevel.cancel_shielded_checkpoint
_wait_readable = trio.lowlevel.wait_readable
_wait_writable = trio.lowlevel.wait_writable
_current_time = trio.current_time
_STREAM_ERRORS = (trio.BrokenResourceError, trio.ClosedResourceError, OSError, ssl.SSLError)


def _native_reason(exc: BaseException) -> BaseException:
    """The most telling native error behind a trio error, for the message.

    ``SSLStream`` wraps ssl errors in ``BrokenResourceError`` (the ssl error is the cause);
    ``open_tcp_stream`` raises a bare ``OSError("all attempts ... failed")`` whose cause is an
    ExceptionGroup of the per-address errors: with one address, that error names the reason.
    """
    cause = exc.__cause__
    if isinstance(exc, trio.BrokenResourceError) and cause is not None:
        return cause
    if isinstance(exc, OSError) and isinstance(cause, BaseExceptionGroup):
        errors: Sequence[BaseException] = cause.exceptions
        if errors and all(isinstance(error, OSError) for error in errors):
            first = errors[0]
            if all(str(error) == str(first) for error in errors):
                return first
    return exc


def _connect_failure(exc: BaseException, host: str, port: int) -> Exception:
    reason = _native_reason(exc)
    errno = reason.errno if isinstance(reason, OSError) else None
    if reason is not exc and not isinstance(reason, ssl.SSLError) and errno and errno > 0:
        # trio's per-address errors read "Error connecting to (...): <strerror>"; keep the
        # plain reason, ``connect_error`` names host and port itself.
        reason = OSError(errno, os.strerror(errno))
    return connect_error(reason, host, port)


async def _set_options(
    stream: TrioStream, options: Sequence[SocketOption], where: str
) -> None:
    """``socket_options`` on a new connection's socket; the connection is dropped if one
    is refused."""
    try:
        apply_socket_options(stream.get_extra_info("socket"), options, where)
    except BaseException:
        with trio.CancelScope(shield=True):
            await stream.aclose()
        raise


async def _read_when_ready(fd: int, max_bytes: int) -> bytes:
    """Wait for ``fd`` to be readable, then read it (the wait is the checkpoint)."""
    while True:
        await _wait_readable(fd)
        try:
            return os.read(fd, max_bytes) if max_bytes <= BIG_READ else read_fd(fd, max_bytes)
        except BlockingIOError:  # pragma: no cover - a spurious wakeup: wait again
            continue


async def _write_when_ready(fd: int, rest: memoryview) -> None:
    """Send all of ``rest`` as the socket makes room."""
    while rest:
        await _wait_writable(fd)
        try:
            rest = rest[os.write(fd, rest):]
        except BlockingIOError:  # pragma: no cover - a spurious wakeup: wait again
            continue


class TrioStream:
    """A ``trio.SocketStream``, possibly wrapped in a ``trio.SSLStream``."""

    __slots__ = ("_stream", "_socket_stream", "_poller", "_closed", "_fd")

    def __init__(self, stream: trio.SocketStream) -> None:
        self._socket_stream = stream
        self._stream: trio.SocketStream | trio.SSLStream[trio.SocketStream] = stream
        self._poller: Any = None
        self._closed = False
        # Plain sockets only (``None`` once TLS wraps it or it is closed): reads and writes go
        # to the non-blocking descriptor directly, see ``read`` and ``write``.
        self._fd: int | None = stream.socket.fileno() if _RAW_SOCKET_IO else None

    async def read(self, max_bytes: int, timeout: float | None) -> bytes:
        if self._closed:
            raise ReadError("read from a closed connection")
        fd = self._fd
        if fd is None:
            return await self._receive_some(max_bytes, timeout)
        if max_bytes < 1:
            raise ValueError("max_bytes must be >= 1")
        # The checkpoint trio's own socket reads make, in two halves: a cancel point before
        # the bytes leave the kernel (a cancellation after would lose them), a schedule point
        # after, so a task reading a busy stream still lets the others run.
        await _checkpoint_if_cancelled()
        try:
            data = os.read(fd, max_bytes) if max_bytes <= BIG_READ else read_fd(fd, max_bytes)
        except BlockingIOError:
            return await self._wait_and_read(fd, max_bytes, timeout)
        except OSError as exc:
            raise ReadError(f"connection lost: {exc}") from exc
        await _cancel_shielded_checkpoint()
        return data

    async def _wait_and_read(self, fd: int, max_bytes: int, timeout: float | None) -> bytes:
        """Wait until ``fd`` is readable (within ``timeout``), then read it.

        The timeout's cancel scope is set up only now that the read must wait."""
        try:
            if timeout is None:
                return await _read_when_ready(fd, max_bytes)
            with trio.CancelScope(deadline=_current_time() + timeout) as scope:
                return await _read_when_ready(fd, max_bytes)
        except (trio.ClosedResourceError, OSError) as exc:
            if self._closed:
                raise ReadError("read from a closed connection") from exc
            raise ReadError(f"connection lost: {exc}") from exc
        # Only reached when our own scope swallowed its Cancelled.
        assert scope.cancelled_caught
        raise ReadTimeout(f"no data received within {timeout} s")

    async def _receive_some(self, max_bytes: int, timeout: float | None) -> bytes:
        """A read through the trio stream (TLS): ``SSLStream`` decrypts what it receives."""
        # Both trio streams return ``bytes`` (socket.recv, SSLObject.read); trio's annotation
        # also admits bytearray, hence the casts.
        try:
            if timeout is None:
                return cast(bytes, await self._stream.receive_some(max_bytes))
            with trio.move_on_after(timeout) as scope:
                return cast(bytes, await self._stream.receive_some(max_bytes))
        except _STREAM_ERRORS as exc:
            if self._closed:
                raise ReadError("read from a closed connection") from exc
            raise ReadError(f"connection lost: {_native_reason(exc)}") from exc
        # Only reached when our own scope swallowed its Cancelled.
        assert scope.cancelled_caught
        raise ReadTimeout(f"no data received within {timeout} s")

    async def write(self, data: bytes, timeout: float | None) -> None:
        if self._closed:
            raise WriteError("write to a closed connection")
        fd = self._fd
        if fd is None:
            await self._send_all(data, timeout)
            return
        # A request usually fits in the socket buffer: one non-blocking write, without a
        # cancel scope and trio's send machinery (a third of the client's CPU per small
        # request). Whatever does not fit waits for room, see ``_wait_and_write``.
        try:
            sent = os.write(fd, data)
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            raise WriteError(f"connection lost: {exc}") from exc
        if sent < len(data):
            await self._wait_and_write(fd, memoryview(data)[sent:], timeout)

    async def _wait_and_write(self, fd: int, rest: memoryview, timeout: float | None) -> None:
        """Send ``rest`` as the socket makes room, all of it within ``timeout``."""
        try:
            if timeout is None:
                await _write_when_ready(fd, rest)
                return
            with trio.CancelScope(deadline=_current_time() + timeout) as scope:
                await _write_when_ready(fd, rest)
                return
        except (trio.ClosedResourceError, OSError) as exc:
            if self._closed:
                raise WriteError("write to a closed connection") from exc
            raise WriteError(f"connection lost: {exc}") from exc
        assert scope.cancelled_caught
        raise WriteTimeout(f"could not send within {timeout} s")

    async def _send_all(self, data: bytes, timeout: float | None) -> None:
        """A write through the trio stream (TLS): ``SSLStream`` encrypts and sends."""
        try:
            if timeout is None:
                await self._stream.send_all(data)
                return
            with trio.move_on_after(timeout) as scope:
                await self._stream.send_all(data)
                return
        except _STREAM_ERRORS as exc:
            if self._closed:
                raise WriteError("write to a closed connection") from exc
            raise WriteError(f"connection lost: {_native_reason(exc)}") from exc
        assert scope.cancelled_caught
        raise WriteTimeout(f"could not send within {timeout} s")

    async def aclose(self) -> None:
        """Close now (https_compatible TLS sends no close_notify, so this never blocks).

        Like every trio ``aclose``, the stream is closed even if an enclosing scope is
        cancelled; that cancellation is then raised as usual."""
        if self._closed:
            return
        self._closed = True
        self._fd = None
        try:
            await self._stream.aclose()
        except _STREAM_ERRORS:  # pragma: no cover - closing a broken socket
            pass

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None, timeout: float | None
    ) -> TrioStream | AsyncTLSLayer:
        """Wrap the TCP stream in TLS and shake hands within ``timeout``; returns ``self``.
        On a stream that already speaks TLS (to an https:// proxy), the new session runs
        inside it (``AsyncTLSLayer``)."""
        if self._stream is not self._socket_stream and not self._closed:
            return await AsyncTLSLayer.open(self, ssl_context, server_hostname, timeout)
        await self._start_tls(ssl_context, server_hostname, timeout, server_hostname or "?", 0)
        return self

    async def _start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None,
        timeout: float | None,
        host: str,
        port: int,
    ) -> None:
        if self._closed:
            raise ConnectError("start_tls on a closed connection")
        if self._stream is not self._socket_stream:
            raise RuntimeError("start_tls: this stream already speaks TLS")
        tls = trio.SSLStream(
            self._socket_stream, ssl_context, server_hostname=server_hostname,
            https_compatible=True,
        )
        try:
            with trio.move_on_after(math.inf if timeout is None else timeout) as scope:
                await tls.do_handshake()
        except (*_STREAM_ERRORS, ssl.CertificateError) as exc:
            raise _connect_failure(exc, host, port) from exc
        if scope.cancelled_caught:
            raise ConnectTimeout(f"TLS handshake with {host}:{port} took longer than {timeout} s")
        self._stream = tls
        self._fd = None  # from now on, bytes go through the SSLStream

    def is_readable_or_closed(self) -> bool:
        if self._closed:
            return True
        stream = self._stream
        if isinstance(stream, trio.SSLStream):
            # Decrypted bytes waiting in the SSL object, or records already taken off the
            # socket into SSLStream's incoming memory BIO (a private attribute, hence the
            # getattr: if trio renames it we fall back to the socket poll alone).
            if stream.pending():
                return True
            incoming: Any = getattr(stream, "_incoming", None)
            if incoming is not None and incoming.pending:
                return True
        poller = self._poller
        if poller is None:
            try:
                fileno = self._socket_stream.socket.fileno()
            except OSError:  # pragma: no cover - socket closed under us
                return True
            if fileno < 0:
                return True
            poller = self._poller = select.poll()
            poller.register(fileno, _POLL_READABLE)
        return bool(poller.poll(0))

    def get_extra_info(self, name: str) -> Any:
        stream = self._stream
        tls = stream if isinstance(stream, trio.SSLStream) else None
        if name == "ssl_object":
            # trio keeps its ssl.SSLObject private; this is the object asyncio's
            # get_extra_info("ssl_object") returns.
            return tls._ssl_object if tls is not None else None
        if name == "alpn_protocol":
            return tls.selected_alpn_protocol() if tls is not None else None
        sock = self._socket_stream.socket
        try:
            if name == "peername":
                return sock.getpeername()
            if name == "sockname":
                return sock.getsockname()
        except OSError:
            return None
        if name == "socket":
            return sock
        return None


class _Lock:
    """The pool's lock: a plain context manager that never waits and never checkpoints.

    The pool only holds it around bookkeeping that never awaits, and trio runs one task at a
    time until the next checkpoint, so no other task can ever find it held. Waiting for it
    (``trio.Lock``'s ``async with``) would itself be a checkpoint: a cancellation could strike
    right there, between two bookkeeping steps, and leave the pool's counts wrong. So this lock
    is a flag: entering costs an attribute check, and finding it held means a critical section
    awaited (or re-entered), which is reported instead of silently corrupting the pool.
    """

    __slots__ = ("_held",)

    def __init__(self) -> None:
        self._held = False

    def __enter__(self) -> _Lock:
        if self._held:
            raise RuntimeError("pool lock contended: a critical section awaited")
        self._held = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._held = False


class _Event:
    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = trio.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    async def wait(self, timeout: float | None) -> bool:
        if timeout is None:
            await self._event.wait()
            return True
        with trio.move_on_after(timeout):
            await self._event.wait()
        return self._event.is_set()


class _TaskGroup:
    """A trio nursery behind the backend interface.

    The nursery is opened in the task that enters the group (``__aenter__`` delegates to
    ``trio.open_nursery()``'s manager). As the interface says, leaving the group cancels what
    is left, so ``__aexit__`` cancels the nursery before waiting for its children. A task that
    raises cancels its siblings and the error leaves the group inside an ExceptionGroup, as
    everywhere in trio.
    """

    __slots__ = ("_manager", "_nursery")

    def __init__(self) -> None:
        self._manager = trio.open_nursery()
        self._nursery: trio.Nursery | None = None

    async def __aenter__(self) -> _TaskGroup:
        self._nursery = await self._manager.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        self.cancel()
        return await self._manager.__aexit__(*exc_info)

    def start_soon(self, func: Callable[..., Awaitable[Any]], *args: Any) -> None:
        if self._nursery is None:
            raise RuntimeError("start_soon() outside 'async with' of the task group")
        self._nursery.start_soon(func, *args)

    def cancel(self) -> None:
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()


def _running_library() -> str | None:
    try:
        import sniffio
    except ImportError:  # pragma: no cover - sniffio is a dependency of trio
        try:
            trio.lowlevel.current_trio_token()
        except RuntimeError:
            return None
        return "trio"
    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None


class TrioBackend:
    """Backend for trio (``pip install fasthttpx[trio]``).

    ``happy_eyeballs_delay``: seconds before trying the next address of a host that resolves
    to several (RFC 8305); ``None`` tries them one after another.
    """

    def __init__(
        self, *, happy_eyeballs_delay: float | None = DEFAULT_HAPPY_EYEBALLS_DELAY
    ) -> None:
        self.happy_eyeballs_delay = happy_eyeballs_delay

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
    ) -> TrioStream:
        """Connect, and shake hands if ``ssl_context`` is given; ``timeout`` covers both."""
        stream: TrioStream | None = None
        with trio.move_on_after(math.inf if timeout is None else timeout) as scope:
            try:
                tcp = await trio.open_tcp_stream(
                    host, port, happy_eyeballs_delay=self.happy_eyeballs_delay,
                    local_address=local_address,
                )
            except OSError as exc:
                raise _connect_failure(exc, host, port) from exc
            stream = TrioStream(tcp)
            if socket_options:
                await _set_options(stream, socket_options, f"{host}:{port}")
            if ssl_context is not None:
                try:
                    await stream._start_tls(ssl_context, server_hostname or host, None, host, port)
                except BaseException:
                    with trio.CancelScope(shield=True):
                        await trio.aclose_forcefully(tcp)
                    raise
        if scope.cancelled_caught:
            if stream is not None:
                with trio.CancelScope(shield=True):
                    await stream.aclose()
            raise ConnectTimeout(f"connecting to {host}:{port} took longer than {timeout} s")
        assert stream is not None
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        *,
        timeout: float | None,
        socket_options: Sequence[SocketOption] | None = None,
    ) -> TrioStream:
        with trio.move_on_after(math.inf if timeout is None else timeout) as scope:
            try:
                unix = await trio.open_unix_socket(path)
            except OSError as exc:
                raise unix_connect_error(exc, path) from exc
            stream = TrioStream(unix)
            if socket_options:
                await _set_options(stream, socket_options, f"the Unix socket {path!r}")
            return stream
        assert scope.cancelled_caught
        raise ConnectTimeout(
            f"connecting to the Unix socket {path!r} took longer than {timeout} s"
        )

    async def resolve(self, host: str, port: int, *, timeout: float | None) -> str:
        with trio.move_on_after(math.inf if timeout is None else timeout):
            try:
                infos = await trio.socket.getaddrinfo(host, port, type=trio.socket.SOCK_STREAM)
            except OSError as exc:
                raise connect_error(exc, host, port) from exc
            address = str(infos[0][4][0])
            return address
        raise ConnectTimeout(f"resolving {host} took longer than {timeout} s")

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    single_threaded = True  # one trio run: see ``AsyncBackend``

    def create_lock(self) -> _Lock:
        return _Lock()

    def create_event(self) -> _Event:
        return _Event()

    def create_task_group(self) -> _TaskGroup:
        return _TaskGroup()

    def check_running(self) -> None:
        running = _running_library()
        if running != "trio":
            where = f"{running} is running" if running else "no async library is running"
            raise RuntimeError(
                f"this AsyncClient uses the trio backend, but {where}: call it inside "
                "trio.run(), or use the default asyncio backend"
            )
