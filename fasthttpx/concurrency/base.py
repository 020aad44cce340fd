"""The backend interface: what the client needs from a network and concurrency library.

The HTTP layers above only move bytes and wait through these objects, so the same client code
runs on asyncio, uvloop, trio or blocking sockets, and users can plug in their own backend.
An async backend implements ``AsyncBackend``/``AsyncNetworkStream``; the blocking one
implements ``Backend``/``NetworkStream`` with the same method names minus ``await``.

Errors: a backend raises only fasthttpx exceptions (``ConnectError``, ``ConnectTimeout``,
``ReadError``, ``ReadTimeout``, ``WriteError``, ``WriteTimeout``, ``PoolTimeout``...) with the
native error chained as ``__cause__``. Timeouts are in seconds; ``None`` means wait forever.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

__all__ = [
    "SocketOption", "AsyncNetworkStream", "AsyncLock", "AsyncEvent", "AsyncTaskGroup",
    "AsyncBackend", "NetworkStream", "Lock", "Event", "TaskGroup", "Backend",
]


#: One ``socket.setsockopt`` call, as HTTPX takes them: ``(level, option, value)`` with an int
#: or bytes value, or ``(level, option, None, length)``. Backends apply them right after the
#: connection is established (so options that only matter before ``connect``, such as the
#: receive buffer's effect on window scaling, are best set system-wide).
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


class AsyncNetworkStream(Protocol):
    """A connected byte stream (TCP, possibly wrapped in TLS)."""

    def read(self, max_bytes: int, timeout: float | None) -> Awaitable[bytes]:
        """Return the next bytes received; ``b""`` once the peer has closed. ``max_bytes`` is
        the read size for a backend that must choose one (a socket ``recv``); a backend that
        already holds received pieces may return one as it is, to avoid copying it.
        Raises ``ReadTimeout`` or ``ReadError``. (An ``async def``, or a function returning
        an awaitable such as a future: asyncio's avoids a coroutine per call.)"""

    def write(self, data: bytes, timeout: float | None) -> Awaitable[None]:
        """Send all of ``data``. Raises ``WriteTimeout`` or ``WriteError``. (Awaitable as
        for ``read``.)"""

    async def aclose(self) -> None:
        """Close the stream; never raises for an already closed stream."""

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None, timeout: float | None
    ) -> AsyncNetworkStream:
        """Wrap this stream in TLS (for proxies' CONNECT tunnels); returns the TLS stream."""

    def is_readable_or_closed(self) -> bool:
        """True if bytes or EOF arrived since the last read, or the stream is closed.

        Called on an idle keep-alive connection before reuse: anything readable there is a
        stray byte or a close, and the connection must not be reused. Must be cheap."""

    def get_extra_info(self, name: str) -> Any:
        """``"ssl_object"``, ``"peername"``, ``"sockname"``, ``"alpn_protocol"``,
        ``"socket"`` (the connected socket, for ``getsockopt``), or None."""


class AsyncLock(Protocol):
    """Guards the pool's short critical sections, which never await.

    A plain (not async) context manager: on one event loop nothing can interleave a section
    that does not await, so asyncio and trio need no real lock (asyncio returns an
    uncontended ``threading.RLock``, cheaper than a no-op written in Python, trio a no-op);
    the sync backend returns a
    ``threading.Lock`` because ``Client`` may be shared between threads. Entering it must
    not be a checkpoint: a cancellation there would split the pool's bookkeeping."""

    def __enter__(self) -> Any: ...
    def __exit__(self, *args: Any) -> Any: ...


class AsyncEvent(Protocol):
    def set(self) -> None: ...

    async def wait(self, timeout: float | None) -> bool:
        """Wait until set; return False if ``timeout`` expired first."""


class AsyncTaskGroup(Protocol):
    """Runs tasks concurrently; used by ``parallel()``. Leaving it cancels what is left."""

    async def __aenter__(self) -> AsyncTaskGroup: ...
    async def __aexit__(self, *args: object) -> bool | None: ...
    def start_soon(self, func: Callable[..., Awaitable[Any]], *args: Any) -> None: ...
    def cancel(self) -> None: ...


class AsyncBackend(Protocol):
    """Factory for streams and concurrency primitives of one async library.

    ``single_threaded`` (optional, default False): every use of a client runs on one
    thread, as on an event loop, so a section that never awaits cannot be interleaved and
    the pool skips its lock on the per-request path."""

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
    ) -> AsyncNetworkStream:
        """Open a TCP connection (and the TLS handshake when ``ssl_context`` is given);
        raises ``ConnectTimeout`` or ``ConnectError``. ``local_address``: the IP address to
        bind to before connecting (port chosen by the system); ``socket_options``: set on
        the socket once connected. The pool passes ``socket_options`` only when it has some,
        so a backend written without that keyword keeps working for the others."""

    async def connect_unix_socket(
        self,
        path: str,
        *,
        timeout: float | None,
        socket_options: Sequence[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        """Open a stream to the Unix domain socket at ``path`` (``uds=``); TLS, if any, is
        started by the caller with ``start_tls``. Raises ``ConnectTimeout`` or
        ``ConnectError`` naming the path."""

    async def resolve(self, host: str, port: int, *, timeout: float | None) -> str:
        """The first address ``getaddrinfo`` gives for ``host`` (for a ``socks5://`` proxy,
        which is sent an address, not a name). Raises ``ConnectError``/``ConnectTimeout``."""

    async def sleep(self, seconds: float) -> None: ...
    def create_lock(self) -> AsyncLock: ...
    def create_event(self) -> AsyncEvent: ...
    def create_task_group(self) -> AsyncTaskGroup: ...
    def check_running(self) -> None:
        """Raise RuntimeError if this backend's async library is not the one running."""


class NetworkStream(Protocol):
    def read(self, max_bytes: int, timeout: float | None) -> bytes: ...
    def write(self, data: bytes, timeout: float | None) -> None: ...
    def close(self) -> None: ...
    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None, timeout: float | None
    ) -> NetworkStream: ...
    def is_readable_or_closed(self) -> bool: ...
    def get_extra_info(self, name: str) -> Any: ...


class Lock(Protocol):
    def __enter__(self) -> Any: ...
    def __exit__(self, *args: Any) -> Any: ...


class Event(Protocol):
    def set(self) -> None: ...
    def wait(self, timeout: float | None) -> bool: ...


class TaskGroup(Protocol):
    def __enter__(self) -> TaskGroup: ...
    def __exit__(self, *args: object) -> bool | None: ...
    def start_soon(self, func: Callable[..., Any], *args: Any) -> None: ...
    def cancel(self) -> None: ...


class Backend(Protocol):
    """Factory for blocking streams and thread-safe primitives (the sync twin)."""

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
    ) -> NetworkStream: ...
    def connect_unix_socket(
        self,
        path: str,
        *,
        timeout: float | None,
        socket_options: Sequence[SocketOption] | None = None,
    ) -> NetworkStream: ...
    def resolve(self, host: str, port: int, *, timeout: float | None) -> str: ...
    def sleep(self, seconds: float) -> None: ...
    def create_lock(self) -> Lock: ...
    def create_event(self) -> Event: ...
    def create_task_group(self) -> TaskGroup: ...
    def check_running(self) -> None: ...
