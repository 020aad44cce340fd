"""TLS inside a stream that already speaks TLS: an ``https://`` proxy's CONNECT tunnel.

To an ``https://`` proxy the client speaks TLS; a tunnel through it to an ``https://`` origin
carries a second TLS session, end to end with the origin, whose records travel as the first
session's plaintext. The socket-level TLS of each backend (asyncio's protocol, trio's
``SSLStream`` over the socket, ``ssl.SSLSocket``) wraps a socket only, so the inner session
is this layer: ``TLSSession`` (memory BIOs, no I/O) between the caller and the outer stream's
``read``/``write``. It costs nothing unless an https:// proxy tunnels an https:// request.

``AsyncTLSLayer`` serves the async backends and ``TLSLayer`` the blocking one: the same
steps in the same order, one with ``await``. Errors: a failed handshake is ``ConnectError``
(``ConnectTimeout`` when the outer stream timed out), corrupt records ``ReadError``/
``WriteError``; the peer's close_notify and a close without it both end the stream (as the
backends' own TLS does).
"""

from __future__ import annotations

import ssl
import threading
from typing import Any

from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    WriteError,
    WriteTimeout,
)
from ._errors import connect_error
from ._tls import NOT_TLS_INFO, TLSSession, tls_extra_info
from .base import AsyncNetworkStream, NetworkStream

__all__ = ["AsyncTLSLayer", "TLSLayer"]

#: Bytes asked of the outer stream at a time, and the most one ``read`` returns.
LAYER_READ_SIZE = 64 << 10


def _new_session(
    ssl_context: ssl.SSLContext, server_hostname: str | None
) -> TLSSession:
    try:
        return TLSSession(ssl_context, server_hostname)
    except (ssl.SSLError, ValueError) as exc:
        raise connect_error(exc, server_hostname or "?", 0) from exc


class AsyncTLSLayer:
    """A TLS session over an ``AsyncNetworkStream``; build it with ``open``."""

    __slots__ = ("_inner", "_tls", "_buffer")

    def __init__(self, inner: AsyncNetworkStream, tls: TLSSession) -> None:
        self._inner = inner
        self._tls = tls
        self._buffer = memoryview(bytearray(LAYER_READ_SIZE))

    @classmethod
    async def open(
        cls, inner: AsyncNetworkStream, ssl_context: ssl.SSLContext,
        server_hostname: str | None, timeout: float | None,
    ) -> AsyncTLSLayer:
        """Shake hands with the peer at the far end of ``inner`` (RFC 8446 §2)."""
        tls = _new_session(ssl_context, server_hostname)
        name = server_hostname or "?"
        try:
            while True:
                done = tls.advance_handshake()
                output = tls.pending_output()
                if output:
                    await inner.write(output, timeout)
                if done:
                    return cls(inner, tls)
                data = await inner.read(LAYER_READ_SIZE, timeout)
                if not data:
                    raise ConnectError(
                        f"TLS handshake with {name} failed: the connection closed"
                    )
                tls.incoming.write(data)
        except (ReadTimeout, WriteTimeout) as exc:
            raise ConnectTimeout(f"TLS handshake with {name} took longer than {timeout} s") \
                from exc
        except (ReadError, WriteError) as exc:
            raise ConnectError(f"TLS handshake with {name} failed: {exc}") from exc
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise connect_error(exc, name, 0) from exc

    async def read(self, max_bytes: int, timeout: float | None) -> bytes:
        tls = self._tls
        buffer = self._buffer
        while True:
            try:
                count = tls.decrypt_into(buffer)
                output = tls.resume_writes() if tls.backlog else tls.pending_output()
            except ssl.SSLError as exc:
                raise ReadError(f"TLS failure while receiving: {exc}") from exc
            if output:
                await self._inner.write(output, timeout)
            if count:
                return buffer[:count].tobytes()
            if tls.peer_closed:
                return b""
            data = await self._inner.read(LAYER_READ_SIZE, timeout)
            if not data:
                return b""
            tls.incoming.write(data)

    async def write(self, data: bytes, timeout: float | None) -> None:
        try:
            output = self._tls.encrypt(data)
        except ssl.SSLError as exc:
            raise WriteError(f"TLS failure while sending: {exc}") from exc
        if output:
            await self._inner.write(output, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None, timeout: float | None
    ) -> AsyncNetworkStream:
        return await AsyncTLSLayer.open(self, ssl_context, server_hostname, timeout)

    def is_readable_or_closed(self) -> bool:
        return self._tls.has_pending() or self._inner.is_readable_or_closed()

    def get_extra_info(self, name: str) -> Any:
        value = tls_extra_info(self._tls, name)
        return self._inner.get_extra_info(name) if value is NOT_TLS_INFO else value


class TLSLayer:
    """``AsyncTLSLayer`` for blocking streams. Threads may share it (one reading while
    another writes: an HTTP/2 connection, a WebSocket session), and OpenSSL forbids
    concurrent calls on one session: every call into it holds ``_lock``, never held while
    the outer stream blocks. Writers take ``_send_lock`` around encrypting and sending, so
    records leave in the order they were made; the reader never waits for it (a writer
    blocked on a peer that waits for us to read would wait forever): what the session has
    to send after a read goes out now if no write is under way, else with the next write
    (TLS 1.3 lets a KeyUpdate answer wait for our next record)."""

    __slots__ = ("_inner", "_tls", "_buffer", "_lock", "_send_lock")

    def __init__(self, inner: NetworkStream, tls: TLSSession) -> None:
        self._inner = inner
        self._tls = tls
        self._buffer = memoryview(bytearray(LAYER_READ_SIZE))
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()

    @classmethod
    def open(
        cls, inner: NetworkStream, ssl_context: ssl.SSLContext,
        server_hostname: str | None, timeout: float | None,
    ) -> TLSLayer:
        tls = _new_session(ssl_context, server_hostname)
        name = server_hostname or "?"
        try:
            while True:
                done = tls.advance_handshake()
                output = tls.pending_output()
                if output:
                    inner.write(output, timeout)
                if done:
                    return cls(inner, tls)
                data = inner.read(LAYER_READ_SIZE, timeout)
                if not data:
                    raise ConnectError(
                        f"TLS handshake with {name} failed: the connection closed"
                    )
                tls.incoming.write(data)
        except (ReadTimeout, WriteTimeout) as exc:
            raise ConnectTimeout(f"TLS handshake with {name} took longer than {timeout} s") \
                from exc
        except (ReadError, WriteError) as exc:
            raise ConnectError(f"TLS handshake with {name} failed: {exc}") from exc
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise connect_error(exc, name, 0) from exc

    def read(self, max_bytes: int, timeout: float | None) -> bytes:
        tls = self._tls
        buffer = self._buffer
        while True:
            with self._lock:
                try:
                    count = tls.decrypt_into(buffer)
                except ssl.SSLError as exc:
                    raise ReadError(f"TLS failure while receiving: {exc}") from exc
                data = buffer[:count].tobytes() if count else b""
                peer_closed = tls.peer_closed
            self._send_produced(timeout)
            if data:
                return data
            if peer_closed:
                return b""
            received = self._inner.read(LAYER_READ_SIZE, timeout)
            if not received:
                return b""
            with self._lock:
                tls.incoming.write(received)

    def _send_produced(self, timeout: float | None) -> None:
        """Send what the session produced while reading, unless a writer is sending (it
        or the next one takes it along)."""
        if not self._send_lock.acquire(blocking=False):
            return
        try:
            tls = self._tls
            with self._lock:
                try:
                    output = tls.resume_writes() if tls.backlog else tls.pending_output()
                except ssl.SSLError as exc:
                    raise ReadError(f"TLS failure while receiving: {exc}") from exc
            if output:
                self._inner.write(output, timeout)
        finally:
            self._send_lock.release()

    def write(self, data: bytes, timeout: float | None) -> None:
        with self._send_lock:
            with self._lock:
                try:
                    output = self._tls.encrypt(data)
                except ssl.SSLError as exc:
                    raise WriteError(f"TLS failure while sending: {exc}") from exc
            if output:
                self._inner.write(output, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None, timeout: float | None
    ) -> NetworkStream:
        return TLSLayer.open(self, ssl_context, server_hostname, timeout)

    def is_readable_or_closed(self) -> bool:
        with self._lock:
            if self._tls.has_pending():
                return True
        return self._inner.is_readable_or_closed()

    def get_extra_info(self, name: str) -> Any:
        value = tls_extra_info(self._tls, name)
        return self._inner.get_extra_info(name) if value is NOT_TLS_INFO else value
