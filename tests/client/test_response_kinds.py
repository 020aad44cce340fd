"""One ``Response`` class, two kinds of body: what each client's responses accept and refuse.

Not generated (it puts the sync and async methods side by side on purpose): a response from
an ``AsyncClient`` has an async body, one from a ``Client`` a sync body; the methods of the
other kind raise HTTPX's ``RuntimeError``; the seed spellings follow the body.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

import fasthttpx
from tests.kit.raw_server import make_response, respond_with

BODY = b"x" * 5000


def test_async_client_response_refuses_sync_reading(raw_server: Any) -> None:
    server = raw_server(respond_with(make_response(200, BODY, chunked=True)))

    async def main() -> None:
        async with fasthttpx.AsyncClient() as client:
            response = await client.get(server.url, stream=True)
            assert type(response) is fasthttpx.Response
            with pytest.raises(RuntimeError, match="sync iterator on an async stream"):
                list(response.iter_raw())
            with pytest.raises(RuntimeError, match="sync iterator on an async stream"):
                list(response.iter_bytes())
            pending = response.read()  # the seed spelling: awaited on an async body
            assert inspect.isawaitable(pending)
            assert await pending == BODY
            closing = response.close()
            assert inspect.isawaitable(closing)
            await closing

    asyncio.run(main())


def test_sync_client_response_refuses_async_reading(raw_server: Any) -> None:
    server = raw_server(respond_with(make_response(200, BODY, chunked=True)))
    with fasthttpx.Client() as client:
        response = client.get(server.url, stream=True)
        assert type(response) is fasthttpx.Response

        async def wrong() -> None:
            with pytest.raises(RuntimeError, match="async iterator on a sync stream"):
                await response.aread()
            with pytest.raises(RuntimeError, match="async iterator on a sync stream"):
                [piece async for piece in response.aiter_raw()]
            with pytest.raises(RuntimeError, match="async close on a sync stream"):
                await response.aclose()

        asyncio.run(wrong())
        assert response.read() == BODY  # the seed spelling, plain
        assert response.close() is None


def test_asgi_and_wsgi_responses_follow_their_client() -> None:
    async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"asgi"})

    def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"wsgi"]

    async def main() -> None:
        transport = fasthttpx.ASGITransport(app=asgi_app)
        async with fasthttpx.AsyncClient(transport=transport) as client:
            response = await client.get("http://testserver/")
            assert await response.read() == b"asgi"
            await response.close()

    asyncio.run(main())
    with fasthttpx.Client(transport=fasthttpx.WSGITransport(app=wsgi_app)) as client:
        response = client.get("http://testserver/")
        assert response.read() == b"wsgi"
        response.close()

