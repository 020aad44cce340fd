"""fasthttpx under HTTPX 0.28 (``httpx``, which many SDKs and services still use; OpenAI's
3.x SDK takes its clients too): ``AsyncTransport``, ``Transport``, ``AsyncClient``, ``Client``.
See ``fasthttpx.adapters``; ``pip install fasthttpx[httpx]``."""

from __future__ import annotations

try:
    import httpx
except ImportError as exc:  # pragma: no cover - exercised with httpx hidden
    raise ImportError(
        "fasthttpx.adapters.httpx needs httpx: pip install fasthttpx[httpx]", name="httpx"
    ) from exc

from ._async.transport import AsyncAdapterStream, AsyncAdapterTransport
from ._clients import ClientTransports
from ._mapping import Library
from ._sync.transport import AdapterStream, AdapterTransport

__all__ = ["AsyncClient", "AsyncTransport", "Client", "Transport"]

LIBRARY = Library(httpx, "httpcore")


class _AsyncStream(AsyncAdapterStream, httpx.AsyncByteStream):
    __slots__ = ()


class _Stream(AdapterStream, httpx.SyncByteStream):
    __slots__ = ()


class AsyncTransport(AsyncAdapterTransport, httpx.AsyncBaseTransport):
    """``httpx.AsyncHTTPTransport``'s arguments, fasthttpx's pool underneath:
    ``httpx.AsyncClient(transport=AsyncTransport(http2=True))``."""

    library = LIBRARY
    stream_class = _AsyncStream


class Transport(AdapterTransport, httpx.BaseTransport):
    """``httpx.HTTPTransport``'s arguments, fasthttpx's pool underneath."""

    library = LIBRARY
    stream_class = _Stream


class AsyncClient(ClientTransports, httpx.AsyncClient):
    """``httpx.AsyncClient`` whose default transport and proxy mounts are ours."""

    transport_class = AsyncTransport


class Client(ClientTransports, httpx.Client):
    """``httpx.Client`` whose default transport and proxy mounts are ours."""

    transport_class = Transport
