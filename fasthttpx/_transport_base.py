"""The transport interfaces, and what the two ``HTTPTransport`` twins share (no I/O).

``BaseTransport`` / ``AsyncBaseTransport`` are what a ``Client`` / ``AsyncClient`` needs from
a transport (HTTPX's names; user transports subclass them). They live below the I/O shell so
that ``HTTPTransport`` (``_async/http_transport.py`` and its generated sync twin) can be the
class of a client's own transport, as in HTTPX (``client._transport``); ``_transports.py``
exports them with the other transports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._config import CertTypes, create_ssl_context

if TYPE_CHECKING:
    import ssl

    from ._models import Request
    from ._response import Response

__all__ = ["AsyncBaseTransport", "BaseTransport", "LazySSLContext", "RETRY_BACKOFF", "retry_count"]

#: First pause between connection attempts when ``retries`` > 1; doubled each time.
RETRY_BACKOFF = 0.5


class BaseTransport:
    """What a sync ``Client`` needs from a transport."""

    def handle_request(self, request: Request) -> Response:
        raise NotImplementedError("transports must implement handle_request()")

    def close(self) -> None:
        return None

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


class AsyncBaseTransport:
    """What an ``AsyncClient`` needs from a transport."""

    async def handle_async_request(self, request: Request) -> Response:
        raise NotImplementedError("transports must implement handle_async_request()")

    async def aclose(self) -> None:
        return None

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()


class LazySSLContext:
    """The TLS context of a transport, built on first HTTPS use (loading CA certificates
    costs milliseconds that an http:// only transport need not pay)."""

    __slots__ = ("_args", "_context")

    def __init__(
        self,
        verify: ssl.SSLContext | str | bool,
        cert: CertTypes | None,
        trust_env: bool,
        http1: bool,
        http2: bool,
    ) -> None:
        self._args = (verify, cert, trust_env, http1, http2)
        self._context: ssl.SSLContext | None = None

    def __call__(self) -> ssl.SSLContext:
        if self._context is None:
            verify, cert, trust_env, http1, http2 = self._args
            self._context = create_ssl_context(
                verify=verify, cert=cert, trust_env=trust_env, http1=http1, http2=http2
            )
        return self._context


def retry_count(retries: int) -> int:
    """``HTTPTransport(retries=...)``: connect retries, an int >= 0."""
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise TypeError(f"retries must be an int >= 0 (connect retries), not {retries!r}")
    return retries
