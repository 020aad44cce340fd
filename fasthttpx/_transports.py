"""Transports other than the connection pool: the base classes and ``MockTransport``.

A transport turns a ``Request`` into a response; the client calls
``handle_request(request)`` (sync) or ``handle_async_request(request)`` (async). The pool is
the default; ``MockTransport(handler)`` answers from a function instead of the network, for
tests of code that uses fasthttpx (as HTTPX's ``MockTransport``). The handler receives the
``Request`` and returns a response built with ``fasthttpx.Response(status, json=..., ...)``
(or an awaitable of one, for async clients).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ._async.response import AsyncResponse
from ._models import BaseResponse, Request
from ._sync.response import Response

__all__ = ["AsyncBaseTransport", "BaseTransport", "MockTransport"]


class BaseTransport:
    """What a sync ``Client`` needs from a transport."""

    def handle_request(self, request: Request) -> Response:
        raise NotImplementedError("transports must implement handle_request()")

    def close(self) -> None:
        return None


class AsyncBaseTransport:
    """What an ``AsyncClient`` needs from a transport."""

    async def handle_async_request(self, request: Request) -> AsyncResponse:
        raise NotImplementedError("transports must implement handle_async_request()")

    async def aclose(self) -> None:
        return None


class MockTransport(BaseTransport, AsyncBaseTransport):
    """Answers every request by calling ``handler(request)``; no network at all."""

    def __init__(self, handler: Callable[[Request], Any]) -> None:
        self.handler = handler

    def handle_request(self, request: Request) -> Response:
        request.read()
        result = self.handler(request)
        if inspect.isawaitable(result):
            raise TypeError("an async handler needs an AsyncClient")
        return _as(Response, result, request)

    async def handle_async_request(self, request: Request) -> AsyncResponse:
        await request.aread()
        result = self.handler(request)
        if inspect.isawaitable(result):
            result = await result
        return _as(AsyncResponse, result, request)


def _as(cls: type[Any], result: Any, request: Request) -> Any:
    """The handler's response as the client's response class, bound to ``request``."""
    if not isinstance(result, BaseResponse):
        raise TypeError(f"the handler must return a response, not {type(result).__name__}")
    if type(result) is not cls:
        content = result._content if result._content is not None else b""
        result = cls(
            result.status_code, headers=result.headers, content=content,
            http_version=result.http_version, reason_phrase=result.reason_phrase,
            extensions=result.extensions,
        )
    result.request = request
    return result
