"""Module-level one-off requests: ``fasthttpx.get(url)`` and friends.

Each call opens a ``Client``, sends one request, reads the response and closes the client,
so nothing is pooled between calls; use a ``Client`` for repeated requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ._response import Response
from ._sync.client import Client
from ._sync.parallel import Parallel
from ._urls import URL

if TYPE_CHECKING:
    from ._sync.websocket import WebSocketSession

__all__ = [
    "parallel", "request", "stream", "get", "options", "head", "post", "put", "patch", "delete",
    "websocket",
]

_CLIENT_KEYWORDS = ("verify", "cert", "trust_env", "http1", "http2", "proxy", "limits")


def _split(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {key: kwargs.pop(key) for key in _CLIENT_KEYWORDS if key in kwargs}


def request(method: str, url: URL | str, **kwargs: Any) -> Response:
    """Send one request with a throw-away ``Client``; the body is read before returning."""
    kwargs.pop("stream", None)
    client_kwargs = _split(kwargs)
    if "timeout" in kwargs:
        client_kwargs["timeout"] = kwargs.pop("timeout")
    with Client(**client_kwargs) as client:
        return client.request(method, url, **kwargs)


@contextmanager
def stream(method: str, url: URL | str, **kwargs: Any) -> Iterator[Response]:
    """``with fasthttpx.stream("GET", url) as r:`` — a streamed one-off request."""
    client_kwargs = _split(kwargs)
    if "timeout" in kwargs:
        client_kwargs["timeout"] = kwargs.pop("timeout")
    with Client(**client_kwargs) as client, client.stream(method, url, **kwargs) as response:
        yield response


def get(url: URL | str, **kwargs: Any) -> Response:
    return request("GET", url, **kwargs)


def options(url: URL | str, **kwargs: Any) -> Response:
    return request("OPTIONS", url, **kwargs)


def head(url: URL | str, **kwargs: Any) -> Response:
    return request("HEAD", url, **kwargs)


def post(url: URL | str, **kwargs: Any) -> Response:
    return request("POST", url, **kwargs)


def put(url: URL | str, **kwargs: Any) -> Response:
    return request("PUT", url, **kwargs)


def patch(url: URL | str, **kwargs: Any) -> Response:
    return request("PATCH", url, **kwargs)


def delete(url: URL | str, **kwargs: Any) -> Response:
    return request("DELETE", url, **kwargs)


@contextmanager
def parallel(**kwargs: Any) -> Iterator[Parallel]:
    """``with fasthttpx.parallel() as parallel:`` — one-off concurrent requests on threads,
    with a ``Client`` made for the block and closed after it."""
    with Client(**kwargs) as client, client.parallel() as group:
        yield group


@contextmanager
def websocket(url: URL | str, **kwargs: Any) -> Iterator[WebSocketSession]:
    """``with fasthttpx.websocket("ws://...") as ws:`` — a WebSocket session on a throw-away
    ``Client`` (as httpx2's): the client's settings (``verify``, ``proxy``, ``timeout``...) and
    the session's (see ``Client.websocket``) in one call; the client closes with the session."""
    client_kwargs = _split(kwargs)
    if "timeout" in kwargs:
        client_kwargs["timeout"] = kwargs.pop("timeout")
    with Client(**client_kwargs) as client, client.websocket(url, **kwargs) as session:
        yield session
