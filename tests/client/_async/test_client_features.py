"""Client features above the connection: cookies, auth, event hooks, base_url, MockTransport."""

from __future__ import annotations

from typing import Any

import pytest

import fasthttpx


async def test_cookies_persist_across_requests(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend, follow_redirects=True) as client:
        response = await client.get(app_server.url + "/cookies/set?flavour=oat")
        assert response.json() == {"cookies": {"flavour": "oat"}}
        assert client.cookies["flavour"] == "oat"
        again = await client.get(app_server.url + "/cookies")
        assert again.json() == {"cookies": {"flavour": "oat"}}
        # Still sent, with HTTPX's deprecation warning (persistence would be ambiguous).
        with pytest.warns(DeprecationWarning, match="per-request cookies"):
            per_request = await client.get(
                app_server.url + "/cookies", cookies={"extra": "1"}
            )
        assert per_request.json()["cookies"] == {"flavour": "oat", "extra": "1"}
        assert "extra" not in client.cookies


async def test_basic_auth_on_client_request_and_url(backend: Any, app_server: Any) -> None:
    url = app_server.url + "/basic-auth/ann/s3cret"
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert (await client.get(url)).status_code == 401
        assert (await client.get(url, auth=("ann", "s3cret"))).json()["authenticated"]
        with_userinfo = url.replace("http://", "http://ann:s3cret@")
        assert (await client.get(with_userinfo)).status_code == 200
    async with fasthttpx.AsyncClient(backend=backend, auth=("ann", "s3cret")) as client:
        assert (await client.get(url)).status_code == 200


async def test_event_hooks_and_base_url(backend: Any, app_server: Any) -> None:
    seen: list[str] = []

    def on_request(request: Any) -> None:
        seen.append(f"request {request.url.path}")

    def on_response(response: Any) -> None:
        seen.append(f"response {response.status_code}")

    hooks = {"request": [on_request], "response": [on_response]}
    async with fasthttpx.AsyncClient(
        backend=backend, base_url=app_server.url + "/status", event_hooks=hooks
    ) as client:
        response = await client.get("418")
    assert response.status_code == 418
    assert seen == ["request /status/418", "response 418"]


async def test_mock_transport(backend: Any) -> None:
    def handler(request: fasthttpx.Request) -> fasthttpx.Response:
        if request.url.path == "/boom":
            raise fasthttpx.ConnectError("mocked failure")
        return fasthttpx.Response(201, json={"method": request.method,
                                             "body": request.content.decode()})

    transport = fasthttpx.MockTransport(handler)
    async with fasthttpx.AsyncClient(backend=backend, transport=transport) as client:
        response = await client.post("http://api.test/items", content=b"hello")
        assert response.status_code == 201
        assert response.json() == {"method": "POST", "body": "hello"}
        assert response.request.url == "http://api.test/items"
        with pytest.raises(fasthttpx.ConnectError):
            await client.get("http://api.test/boom")


async def test_unsupported_scheme_and_bad_url(backend: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        with pytest.raises(fasthttpx.UnsupportedProtocol):
            await client.get("ftp://example.test/")
        with pytest.raises(fasthttpx.InvalidURL):
            await client.get("http://[::1/")
