"""Review of issue 12 (one request path, pool lease): regression tests for what the review
found, each failing on the code before its fix. Written once, async (``tests/client/_sync/``
is generated).
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

import fasthttpx
from tests.client.handlers import head_now_body_later
from tests.kit.raw_server import make_response, respond_with


def _sent_headers(response: fasthttpx.AsyncResponse) -> dict[str, str]:
    return {name.lower(): value for name, value in response.json()["headers"]}


async def test_a_failing_auth_flow_gives_the_connection_back(
    backend: Any, raw_server: Any
) -> None:
    """An auth flow that raises on a response (here: Digest with a challenge lacking its
    nonce) must close that response, as HTTPX does; left open, its unread body kept the
    only connection leased and the next request waited for the pool timeout."""
    challenge = make_response(
        401, b"x" * 1_000_000, [("WWW-Authenticate", 'Digest realm="r"')]
    )  # larger than one read: the body is still arriving when the flow raises
    server = raw_server(respond_with(challenge))
    async with fasthttpx.AsyncClient(
        backend=backend,
        limits=fasthttpx.Limits(max_connections=1),
        timeout=fasthttpx.Timeout(5.0, pool=1.0),
    ) as client:
        with pytest.raises(fasthttpx.ProtocolError):
            await client.get(server.url, auth=fasthttpx.DigestAuth("ann", "s3cret"))
        assert (await client.get(server.url)).status_code == 401


async def test_cookies_are_kept_without_redirects_hooks_or_auth(
    backend: Any, app_server: Any
) -> None:
    """A fresh client (no cookies yet, no auth, no hooks, redirects not followed) went
    straight to the transport and never stored a response's Set-Cookie; HTTPX always does."""
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(app_server.url + "/cookies/set?flavour=oat")
        assert response.status_code == 302
        assert client.cookies.get("flavour") == "oat"
        again = await client.get(app_server.url + "/cookies")
        assert again.json() == {"cookies": {"flavour": "oat"}}


async def test_a_setter_racing_a_request_build_leaves_no_stale_entry(
    backend: Any, app_server: Any
) -> None:
    """Another thread replaces ``client.headers`` (a token refresh) while this one builds a
    request for a URL not yet prepared. The racing request may go out with either token,
    but the entry must not be remembered as valid under the new configuration: it was,
    and every later request to that URL sent the old token."""
    echo = app_server.url + "/echo"
    async with fasthttpx.AsyncClient(
        backend=backend, headers={"Authorization": "Bearer old"}
    ) as client:
        merge_url = client._merge_url

        def racing_merge(url: fasthttpx.URL | str) -> fasthttpx.URL:
            client.headers = {"Authorization": "Bearer new"}  # the other thread, right now
            return merge_url(url)

        with mock.patch.object(client, "_merge_url", racing_merge):
            await client.get(echo)
        assert _sent_headers(await client.get(echo))["authorization"] == "Bearer new"


async def test_a_request_waiting_for_a_connection_fails_when_its_client_closes(
    backend: Any, raw_server: Any
) -> None:
    """A request queued for a connection when the client closes finds the pool closed
    (as its docstring says) instead of opening a new connection on a closed pool."""
    server = raw_server(head_now_body_later(b"late", 0.5))
    client = fasthttpx.AsyncClient(
        backend=backend, limits=fasthttpx.Limits(max_connections=1)
    )
    outcome: list[object] = []
    done = backend.create_event()

    async def queued() -> None:
        try:
            outcome.append(await client.get(server.url))
        except Exception as exc:
            outcome.append(exc)
        finally:
            done.set()

    held = await client.get(server.url, stream=True)  # the only connection, leased
    group = backend.create_task_group()
    async with group:
        group.start_soon(queued)
        await backend.sleep(0.1)  # ``queued`` now waits for the pool
        await client.aclose()
        assert await done.wait(5.0)
    await held.aclose()
    assert len(outcome) == 1
    assert isinstance(outcome[0], RuntimeError), outcome
    assert server.connections_accepted == 1



async def test_build_request_carries_the_clients_cookies(backend: Any) -> None:
    """As in HTTPX, a built request has the client's cookies in its headers (the prepared
    path left them out, to be added by ``send`` only; a request built and then inspected,
    or sent by a transport directly, had none)."""
    async with fasthttpx.AsyncClient(backend=backend, cookies={"flavour": "oat"}) as client:
        request = client.build_request("GET", "http://example.org/")
        assert request.headers["Cookie"] == "flavour=oat"
        client.cookies.clear()
        assert "Cookie" not in client.build_request("GET", "http://example.org/").headers
