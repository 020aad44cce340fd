"""fasthttpx under httpx2 (pydantic's fork of HTTPX, which the OpenAI 3.x and Anthropic 2.x
SDKs are built on): ``AsyncTransport``, ``Transport``, ``AsyncClient``, ``Client``. See
``fasthttpx.adapters``; ``pip install fasthttpx[httpx2]``."""

from __future__ import annotations

try:
    import httpx2
except ImportError as exc:  # pragma: no cover - exercised with httpx2 hidden
    raise ImportError(
        "fasthttpx.adapters.httpx2 needs httpx2: pip install fasthttpx[httpx2]", name="httpx2"
    ) from exc

from ._async.transport import AsyncAdapterStream, AsyncAdapterTransport
from ._clients import ClientTransports
from ._mapping import Library
from ._sync.transport import AdapterStream, AdapterTransport

__all__ = ["AsyncClient", "AsyncTransport", "Client", "Transport"]

LIBRARY = Library(httpx2, "httpcore2")


class _AsyncStream(AsyncAdapterStream, httpx2.AsyncByteStream):
    __slots__ = ()


class _Stream(AdapterStream, httpx2.SyncByteStream):
    __slots__ = ()


class AsyncTransport(AsyncAdapterTransport, httpx2.AsyncBaseTransport):
    """``httpx2.AsyncHTTPTransport``'s arguments, fasthttpx's pool underneath:
    ``httpx2.AsyncClient(transport=AsyncTransport(http2=True))``."""

    library = LIBRARY
    stream_class = _AsyncStream


class Transport(AdapterTransport, httpx2.BaseTransport):
    """``httpx2.HTTPTransport``'s arguments, fasthttpx's pool underneath."""

    library = LIBRARY
    stream_class = _Stream


class AsyncClient(ClientTransports, httpx2.AsyncClient):
    """``httpx2.AsyncClient`` whose default transport and proxy mounts are ours."""

    transport_class = AsyncTransport


class Client(ClientTransports, httpx2.Client):
    """``httpx2.Client`` whose default transport and proxy mounts are ours."""

    transport_class = Transport
