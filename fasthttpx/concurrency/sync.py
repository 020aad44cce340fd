"""The blocking-socket backend used by ``Client`` (and by sync ``parallel()`` on threads).

Plain TCP sockets stay in blocking mode and get their timeouts from the kernel
(``SO_RCVTIMEO``/``SO_SNDTIMEO``): one system call per read instead of Python's
``poll`` + ``recv`` for a socket with a timeout; systems without those options use
``settimeout``. Either way a timeout is only set when it changes, reads' and writes' apart.
TLS sockets are non-blocking under the blocking API (``SyncTLSStream``: threads sharing a
connection must not call into OpenSSL at once) and wait in ``poll``. The reuse check asks
the socket with a zero-timeout ``poll``: an idle keep-alive connection that is readable has
received stray bytes or a close and must not be reused.
"""

from __future__ import annotations

import math
import select
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from .._config import UNSET, UnsetType
from .._exceptions import ConnectTimeout, ReadError, ReadTimeout, WriteError, WriteTimeout
from ._errors import apply_socket_options, connect_error, unix_connect_error
from ._layered import TLSLayer
from ._poll import readable_check
from ._read_buffer import BIG_READ, read_socket
from .base import Backend, SocketOption

__all__ = ["SyncBackend", "SyncStream", "SyncTLSStream", "default_backend"]


def _kernel_timeouts(sock: socket.socket) -> bool:
    """Switch a plain TCP socket to blocking mode with kernel timeouts; False if the
    platform refuses (the caller then uses ``settimeout``)."""
    if isinstance(sock, ssl.SSLSocket) or sys.platform == "win32":
        return False
    try:
        sock.settimeout(None)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(None))
    except (OSError, AttributeError):
        return False
    return True


def _timeval(timeout: float | None) -> bytes:
    """``struct timeval`` for SO_RCVTIMEO/SO_SNDTIMEO; zero means no timeout."""
    if timeout is None:
        return struct.pack("@ll", 0, 0)
    if timeout <= 0:
        return struct.pack("@ll", 0, 1)  # zero would mean "forever": use the shortest instead
    seconds = int(timeout)
    return struct.pack("@ll", seconds, int((timeout - seconds) * 1_000_000))


class SyncStream:
    """A blocking TCP (or TLS) socket."""

    __slots__ = ("_sock", "_read_timeout", "_write_timeout", "_poller", "_closed", "_kernel")

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        # The socket's timeouts, once set. Kernel timeouts are two (SO_RCVTIMEO for reads,
        # SO_SNDTIMEO for writes), each set only when it changes: a WebSocket session that
        # reads with no timeout and writes with one alternates between them every message.
        self._read_timeout: float | None | UnsetType = UNSET
        self._write_timeout: float | None | UnsetType = UNSET
        self._poller: Any = None
        self._closed = False
        self._kernel = _kernel_timeouts(sock)

    def _set_read_timeout(self, timeout: float | None) -> None:
        if self._kernel:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(timeout))
            self._read_timeout = timeout
        else:  # one timeout for both directions
            self._sock.settimeout(timeout)
            self._read_timeout = self._write_timeout = timeout

    def _set_write_timeout(self, timeout: float | None) -> None:
        if self._kernel:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(timeout))
            self._write_timeout = timeout
        else:
            self._sock.settimeout(timeout)
            self._read_timeout = self._write_timeout = timeout

    def read(self, max_bytes: int, timeout: float | None) -> bytes:
        if self._closed:
            raise ReadError("read from a closed connection")
        if self._read_timeout != timeout:
            self._set_read_timeout(timeout)
        try:
            if max_bytes <= BIG_READ:
                return self._sock.recv(max_bytes)
            return read_socket(self._sock, max_bytes)
        except (TimeoutError, BlockingIOError) as exc:  # BlockingIOError: SO_RCVTIMEO expired
            raise ReadTimeout(f"no data received within {timeout} s") from exc
        except OSError as exc:
            raise ReadError(f"connection lost: {exc}") from exc

    def write(self, data: bytes, timeout: float | None) -> None:
        if self._closed:
            raise WriteError("write to a closed connection")
        if self._write_timeout != timeout:
            self._set_write_timeout(timeout)
        try:
            self._sock.sendall(data)
        except (TimeoutError, BlockingIOError) as exc:  # BlockingIOError: SO_SNDTIMEO expired
            raise WriteTimeout(f"could not send within {timeout} s") from exc
        except OSError as exc:
            raise WriteError(f"connection lost: {exc}") from exc

    def close(self) -> None:
        """Close the socket. It is shut down first: a ``recv`` blocked in another thread (a
        WebSocket session read while another thread closes it) returns at once, which
        ``close`` alone does not make happen on Linux."""
        if not self._closed:
            self._closed = True
            self._shut_and_close()

    def _shut_and_close(self) -> None:
        # The plain socket's shutdown, also under TLS: ``SSLSocket.shutdown`` would drop its
        # TLS object first, under a thread that may be about to use it.
        try:
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
        except OSError:  # not connected any more
            pass
        try:
            self._sock.close()
        except OSError:  # pragma: no cover - close of a broken socket
            pass

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None, timeout: float | None
    ) -> SyncStream | TLSLayer:
        """TLS on this socket (``SyncTLSStream``)."""
        return self._wrap_tls(ssl_context, server_hostname, timeout)

    def _wrap_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None, timeout: float | None
    ) -> SyncTLSStream:
        if self._kernel:  # a TLS stream waits in ``poll``, with no kernel timeouts
            self._set_read_timeout(None)
            self._set_write_timeout(None)
            self._kernel = False
        self._sock.settimeout(timeout)
        try:
            tls = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
        except TimeoutError as exc:
            raise ConnectTimeout(f"TLS handshake took longer than {timeout} s") from exc
        except (OSError, ssl.SSLError, ssl.CertificateError) as exc:
            raise connect_error(exc, server_hostname or "?", 0) from exc
        return SyncTLSStream(tls)

    def is_readable_or_closed(self) -> bool:
        if self._closed:
            return True
        return self._socket_readable()

    def _socket_readable(self) -> bool:
        check = self._poller
        if check is None:
            check = self._poller = readable_check(self._sock.fileno())
        return bool(check())

    def get_extra_info(self, name: str) -> Any:
        sock = self._sock
        if name == "ssl_object":
            return sock if isinstance(sock, ssl.SSLSocket) else None
        if name == "alpn_protocol":
            return sock.selected_alpn_protocol() if isinstance(sock, ssl.SSLSocket) else None
        if name == "peername":
            return sock.getpeername()
        if name == "sockname":
            return sock.getsockname()
        if name == "socket":
            return sock
        return None


def _wait_ready(sock: socket.socket, for_write: bool, deadline: float | None) -> bool:
    """Wait until ``sock`` can be written (or read); False once ``deadline`` passed (a
    deadline already past still looks once, without waiting). Raises ``ValueError`` or
    ``OSError`` for a socket closed meanwhile."""
    remaining = None
    if deadline is not None:
        remaining = max(0.0, deadline - time.monotonic())
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLOUT if for_write else select.POLLIN | select.POLLPRI)
        return bool(poller.poll(None if remaining is None else math.ceil(remaining * 1000)))
    if for_write:
        return bool(select.select([], [sock], [], remaining)[1])
    return bool(select.select([sock], [], [], remaining)[0])


class SyncTLSStream(SyncStream):
    """A TLS socket that threads may share: one thread reading while another writes (an
    HTTP/2 connection's streams, a WebSocket session's sender). OpenSSL forbids concurrent
    calls on one connection: a read racing a write made our client send the server a TLS
    ``internal_error`` alert under load. So every call into the TLS connection holds
    ``_tls_lock``, the socket is non-blocking, and a thread waits for it (``poll``) outside
    that lock; the timeouts are the waits' deadlines. A write holds ``_write_lock`` from
    start to end: once OpenSSL said "want write" it takes the next write call as the retry
    of that record, so another writer's bytes must not come in between (and after a write
    timed out half way, the stream refuses further writes)."""

    __slots__ = ("_tls_lock", "_write_lock", "_write_broken")

    def __init__(self, sock: ssl.SSLSocket) -> None:
        super().__init__(sock)
        sock.settimeout(0.0)
        self._tls_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._write_broken = False

    def read(self, max_bytes: int, timeout: float | None) -> bytes:
        sock = self._sock
        deadline = None if timeout is None else time.monotonic() + timeout
        ready = False  # the socket was seen readable: try the TLS read
        while True:
            if self._closed:
                raise ReadError("read from a closed connection")
            with self._tls_lock:
                if ready or sock.pending():  # type: ignore[attr-defined]
                    try:
                        if max_bytes <= BIG_READ:
                            return sock.recv(max_bytes)
                        return read_socket(sock, max_bytes)
                    except ssl.SSLWantReadError:  # part of a record: wait for the rest
                        for_write = False
                    except ssl.SSLWantWriteError:  # pragma: no cover - renegotiation
                        for_write = True
                    except (OSError, ValueError, AttributeError) as exc:  # closed meanwhile
                        raise ReadError(f"connection lost: {exc}") from exc
                else:
                    for_write = False
            try:
                ready = _wait_ready(sock, for_write, deadline)
            except (OSError, ValueError) as exc:
                raise ReadError(f"connection lost: {exc}") from exc
            if not ready:
                raise ReadTimeout(f"no data received within {timeout} s")

    def write(self, data: bytes, timeout: float | None) -> None:
        sock = self._sock
        deadline = None if timeout is None else time.monotonic() + timeout
        view = memoryview(data)
        with self._write_lock:
            if self._write_broken:
                raise WriteError("an earlier write on this connection timed out half way")
            while view:
                if self._closed:
                    raise WriteError("write to a closed connection")
                with self._tls_lock:
                    try:
                        # Whole records or nothing: after "want write" OpenSSL resumes
                        # the same buffer, so the retry below passes the same bytes.
                        view = view[sock.send(view):]
                        continue
                    except ssl.SSLWantWriteError:
                        for_write = True
                    except ssl.SSLWantReadError:  # pragma: no cover - renegotiation
                        for_write = False
                    except (OSError, ValueError, AttributeError) as exc:
                        raise WriteError(f"connection lost: {exc}") from exc
                try:
                    ready = _wait_ready(sock, for_write, deadline)
                except (OSError, ValueError) as exc:
                    raise WriteError(f"connection lost: {exc}") from exc
                if not ready:
                    self._write_broken = True
                    raise WriteTimeout(f"could not send within {timeout} s")

    def _shut_and_close(self) -> None:
        """Under the TLS lock: never in the middle of another thread's OpenSSL call (the
        shutdown still wakes threads waiting in ``poll``, which hold no lock)."""
        with self._tls_lock:
            super()._shut_and_close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None, timeout: float | None
    ) -> TLSLayer:
        """TLS inside this TLS (to an https:// proxy): the new session is a ``TLSLayer``."""
        return TLSLayer.open(self, ssl_context, server_hostname, timeout)

    def is_readable_or_closed(self) -> bool:
        if self._closed:
            return True
        with self._tls_lock:
            if self._sock.pending():  # type: ignore[attr-defined]
                return True
        return self._socket_readable()


class _Event:
    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def wait(self, timeout: float | None) -> bool:
        return self._event.wait(timeout)


class _TaskGroup:
    """Threads for sync ``parallel()``; leaving the group cancels tasks not yet started and
    waits for the running ones (a blocking call cannot be interrupted)."""

    def __init__(self, max_workers: int = 32) -> None:
        self._executor = ThreadPoolExecutor(max_workers=max_workers,
                                            thread_name_prefix="fasthttpx-parallel")
        self._futures: list[Future[Any]] = []

    def __enter__(self) -> _TaskGroup:
        return self

    def __exit__(self, *args: object) -> None:
        self.cancel()
        self._executor.shutdown(wait=True)

    def start_soon(self, func: Callable[..., Any], *args: Any) -> None:
        self._futures.append(self._executor.submit(func, *args))

    def cancel(self) -> None:
        for future in self._futures:
            future.cancel()


class SyncBackend:
    """Blocking sockets; thread-safe primitives for a ``Client`` shared between threads."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        *,
        timeout: float | None,
        ssl_context: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        local_address: str | None = None,
        socket_options: Sequence[SocketOption] | None = None,
    ) -> SyncStream:
        source = (local_address, 0) if local_address else None
        try:
            sock = socket.create_connection((host, port), timeout, source_address=source)
        except TimeoutError as exc:
            raise ConnectTimeout(f"connecting to {host}:{port} took longer than {timeout} s") \
                from exc
        except OSError as exc:
            raise connect_error(exc, host, port) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # pragma: no cover - not a TCP socket
            pass
        if socket_options:
            try:
                apply_socket_options(sock, socket_options, f"{host}:{port}")
            except BaseException:
                sock.close()
                raise
        stream = SyncStream(sock)
        if ssl_context is None:
            return stream
        try:
            return stream._wrap_tls(ssl_context, server_hostname or host, timeout)
        except BaseException:
            stream.close()
            raise

    def connect_unix_socket(
        self,
        path: str,
        *,
        timeout: float | None,
        socket_options: Sequence[SocketOption] | None = None,
    ) -> SyncStream:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(path)
        except TimeoutError as exc:
            sock.close()
            raise ConnectTimeout(
                f"connecting to the Unix socket {path!r} took longer than {timeout} s"
            ) from exc
        except OSError as exc:
            sock.close()
            raise unix_connect_error(exc, path) from exc
        except BaseException:
            sock.close()
            raise
        if socket_options:
            try:
                apply_socket_options(sock, socket_options, f"the Unix socket {path!r}")
            except BaseException:
                sock.close()
                raise
        return SyncStream(sock)

    def resolve(self, host: str, port: int, *, timeout: float | None) -> str:
        """As ``AsyncBackend.resolve``; the system resolver takes no timeout."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise connect_error(exc, host, port) from exc
        address = str(infos[0][4][0])
        return address

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def create_lock(self) -> threading.Lock:
        return threading.Lock()

    def create_event(self) -> _Event:
        return _Event()

    def create_task_group(self) -> _TaskGroup:
        return _TaskGroup()

    def check_running(self) -> None:
        return None


def default_backend() -> Backend:
    """The backend of a ``Client`` built without one: blocking sockets."""
    return SyncBackend()


def running_backend() -> Backend:
    """The sync twin of the asyncio backend's ``running_backend``: blocking sockets are
    always there."""
    return SyncBackend()
