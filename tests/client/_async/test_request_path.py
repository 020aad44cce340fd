"""One request path: every helper goes through ``send``, the client's prepared requests
follow every change to the client, and nothing of a request outlives its client.

Regression tests for issue 12's four bugs, each of which failed on the code before the
prepared-request seam; written once, async (``tests/client/_sync/`` is generated).
"""

from __future__ import annotations

import gc
import sys
import uuid
import weakref
from typing import Any
from unittest import mock

import pytest

import fasthttpx
from tests.kit.raw_server import never_respond


def _sent_headers(response: fasthttpx.AsyncResponse) -> dict[str, str]:
    return {name.lower(): value for name, value in response.json()["headers"]}


async def test_mixed_case_methods_get_the_right_content_length(
    backend: Any, app_server: Any
) -> None:
    """Bug 1: the per-host header template was built with the first method seen, and the
    body-method check was case-sensitive."""
    echo = app_server.url + "/echo"
    async with fasthttpx.AsyncClient(backend=backend) as client:
        posted = await client.request("Post", echo)
        assert posted.json()["method"] == "POST"
        assert _sent_headers(posted)["content-length"] == "0"
        got = await client.get(echo)
        assert "content-length" not in _sent_headers(got)
    async with fasthttpx.AsyncClient(backend=backend) as client:
        got = await client.request("get", echo)
        assert got.json()["method"] == "GET"
        assert "content-length" not in _sent_headers(got)
        for method in ("Post", "post", "POST", "pUt", "patch"):
            response = await client.request(method, echo)
            assert response.json()["method"] == method.upper()
            assert _sent_headers(response)["content-length"] == "0", method
        assert "content-length" not in _sent_headers(await client.get(echo))
        assert response.request.method == "PATCH"


async def test_a_patched_send_sees_every_helper_call(backend: Any, app_server: Any) -> None:
    """Bug 2: ``mock.patch.object(Client, "send")`` (what tracers and tests do) saw one call
    of three; every verb helper and ``request()`` must go through ``send``."""
    original = fasthttpx.AsyncClient.send
    seen: list[str] = []

    async def spy(self: fasthttpx.AsyncClient, request: fasthttpx.Request, **kwargs: Any) -> Any:
        seen.append(request.method)
        return await original(self, request, **kwargs)

    with mock.patch.object(fasthttpx.AsyncClient, "send", spy):
        async with fasthttpx.AsyncClient(backend=backend) as client:
            url = app_server.url + "/"
            for _ in range(3):
                await client.get(url)
            await client.head(url)
            await client.options(url)
            await client.post(url)
            await client.put(url)
            await client.patch(url)
            await client.delete(url)
            await client.request("GET", url)
            async with client.stream("GET", url) as response:
                await response.read()
    assert seen == ["GET", "GET", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE",
                    "GET", "GET"]


async def test_client_setters_apply_to_later_requests(backend: Any, app_server: Any) -> None:
    """Bug 3: ``client.headers = {...}`` broke every later request; each setter HTTPX has
    must work and apply to the next request of a URL already sent."""
    echo = app_server.url + "/echo"
    async with fasthttpx.AsyncClient(backend=backend) as client:
        await client.get(echo)  # remembered before every change below
        client.headers = {"X-Set": "1"}
        sent = _sent_headers(await client.get(echo))
        assert sent["x-set"] == "1"
        assert sent["user-agent"].startswith("python-fasthttpx/")  # defaults kept, as HTTPX
        client.headers["X-In-Place"] = "2"
        assert _sent_headers(await client.get(echo))["x-in-place"] == "2"
        del client.headers["X-In-Place"]
        assert "x-in-place" not in _sent_headers(await client.get(echo))

        client.params = {"page": "2"}
        assert (await client.get(echo)).json()["query"] == "page=2"
        client.params = None
        assert (await client.get(echo)).json()["query"] == ""

        client.auth = ("user", "pass")
        assert _sent_headers(await client.get(echo))["authorization"] == "Basic dXNlcjpwYXNz"
        client.auth = None
        assert "authorization" not in _sent_headers(await client.get(echo))

        client.cookies = {"flavour": "oat"}
        assert _sent_headers(await client.get(echo))["cookie"] == "flavour=oat"
        client.cookies = None
        assert "cookie" not in _sent_headers(await client.get(echo))

        seen: list[str] = []

        async def hook(response: fasthttpx.AsyncResponse) -> None:
            seen.append(str(response.status_code))

        client.event_hooks = {"response": [hook]}
        await client.get(echo)
        assert seen == ["200"]
        assert client.event_hooks == {"request": [], "response": [hook]}
        client.event_hooks = {}
        await client.get(echo)
        assert seen == ["200"]

        client.timeout = 7.5
        assert (await client.get(echo)).request.extensions["timeout"]["read"] == 7.5
        client.timeout = fasthttpx.Timeout(1.0, read=3.0)
        assert (await client.get(echo)).request.extensions["timeout"] == {
            "connect": 1.0, "read": 3.0, "write": 1.0, "pool": 1.0}

        client.base_url = app_server.url + "/redirect"
        response = await client.get("/1")
        assert response.status_code == 302
        assert response.url == app_server.url + "/redirect/1"


async def test_a_changed_request_is_sent_as_changed(backend: Any, app_server: Any) -> None:
    """A request from the prepared map whose method, URL or headers are changed before it
    is sent (in a hook, or by hand) goes out as changed, never as the remembered head."""
    echo = app_server.url + "/echo"

    async def retarget(request: fasthttpx.Request) -> None:
        request.url = request.url.copy_with(path="/echo/moved")
        request.method = "PUT"

    async with fasthttpx.AsyncClient(backend=backend) as client:
        await client.get(echo)
        request = client.build_request("GET", echo)
        request.headers["X-Late"] = "yes"
        response = await client.send(request)
        assert _sent_headers(response)["x-late"] == "yes"
        client.event_hooks["request"].append(retarget)
        moved = (await client.get(echo)).json()
        assert (moved["method"], moved["path"]) == ("PUT", "/echo/moved")


def _holds(value: object, secret: bytes, depth: int = 0) -> bool:
    """True if ``value`` (walked through containers and objects' attributes) holds bytes
    or a str containing ``secret``."""
    if depth > 6:
        return False
    if isinstance(value, (bytes, bytearray)):
        return secret in value
    if isinstance(value, str):
        return secret.decode() in value
    if isinstance(value, dict):
        return any(_holds(k, secret, depth + 1) or _holds(v, secret, depth + 1)
                   for k, v in list(value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds(item, secret, depth + 1) for item in list(value))
    return False


async def test_secrets_die_with_their_client(backend: Any, app_server: Any) -> None:
    """Bug 4: rendered request heads (with ``Authorization`` and ``Cookie`` values) stayed in
    a process-wide cache after their client was closed and dropped."""
    secret = f"Bearer secret-{uuid.uuid4().hex}"
    client = fasthttpx.AsyncClient(
        backend=backend, headers={"Authorization": secret, "Cookie": "session=" + secret[7:]}
    )
    async with client:
        for _ in range(3):
            response = await client.get(app_server.url + "/echo")
            assert _sent_headers(response)["authorization"] == secret
    alive = weakref.ref(client)
    del client, response
    gc.collect()
    assert alive() is None, "something still holds the closed client"
    token = secret.encode()
    for name, module in list(sys.modules.items()):
        if name == "fasthttpx" or name.startswith("fasthttpx."):
            for attribute, value in list(vars(module).items()):
                assert not _holds(value, token), f"{name}.{attribute} keeps a request's secret"


@pytest.mark.parametrize("method", ["GET", "get", "Get"])
async def test_methods_are_upper_case_at_the_edge(backend: Any, method: str) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        request = client.build_request(method, "http://example.org/")
    assert request.method == "GET"


async def test_a_body_read_into_memory_keeps_its_chunked_framing(
    backend: Any, app_server: Any
) -> None:
    """A streamed body read before sending (as auth flows that need the body do) is sent
    with the framing its headers announce, not as bare bytes under ``chunked``."""

    async def pieces() -> Any:
        yield b"abc"
        yield b"def"

    async with fasthttpx.AsyncClient(backend=backend, timeout=5) as client:
        request = client.build_request("POST", app_server.url + "/echo", content=pieces())
        assert request.headers["transfer-encoding"] == "chunked"
        await request.aread()
        response = await client.send(request)
    assert response.json()["body"] == "abcdef"


async def test_an_unfollowed_redirect_has_its_next_request(backend: Any, app_server: Any) -> None:
    """Without ``follow_redirects`` the response carries the request that would follow it,
    on the direct path as on the hooks/auth path (as HTTPX)."""
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(app_server.url + "/redirect/1")
        assert response.status_code == 302
        assert response.next_request is not None
        assert response.next_request.url == app_server.url + "/"
        followed = await client.send(response.next_request)
        assert followed.text == "Hello, world!"
        assert (await client.get(app_server.url + "/")).next_request is None


async def test_a_request_built_by_hand_gets_the_client_timeout(
    backend: Any, raw_server: Any
) -> None:
    """``client.send(Request(...))`` with no timeout of its own waits no longer than the
    client's timeout: never forever (as HTTPX)."""
    server = raw_server(never_respond())
    async with fasthttpx.AsyncClient(backend=backend, timeout=0.3) as client:
        request = fasthttpx.Request("GET", server.url + "/")
        assert "timeout" not in request.extensions
        with pytest.raises(fasthttpx.ReadTimeout):
            await client.send(request)
    assert request.extensions["timeout"]["read"] == 0.3


async def test_a_url_without_a_host_is_refused(backend: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        with pytest.raises(fasthttpx.LocalProtocolError, match="has no host"):
            await client.get("http://")
