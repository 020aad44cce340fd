"""The adapters' conversions without the network (``fasthttpx/adapters/_mapping.py``), and
what importing an adapter needs."""

from __future__ import annotations

import importlib
import ssl
import sys
from typing import Any

import pytest

import fasthttpx
from fasthttpx import _exceptions
from fasthttpx.adapters._mapping import (
    LibrarySSLContext,
    engine_options,
    response_extensions,
    to_request,
)
from tests.adapters.conftest import LIBRARIES, Lib, load_lib


@pytest.mark.parametrize("name", LIBRARIES)
def test_import_without_the_library_names_the_extra(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, name, None)  # importing it now raises ImportError
    monkeypatch.delitem(sys.modules, f"fasthttpx.adapters.{name}", raising=False)
    with pytest.raises(ImportError, match=rf"pip install fasthttpx\[{name}\]"):
        importlib.import_module(f"fasthttpx.adapters.{name}")


def test_the_adapters_package_imports_neither_library() -> None:
    import subprocess

    code = ("import sys, fasthttpx.adapters; "
            "print('httpx' in sys.modules, 'httpx2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]


def test_every_error_maps_to_the_same_name(lib: Lib) -> None:
    library = lib.adapter.LIBRARY
    request = lib.module.Request("GET", "http://example.org/")
    for name in _exceptions.__all__:
        ours = getattr(fasthttpx, name)
        if name == "HTTPStatusError":
            continue
        if name in ("ResponseClosed",):
            args: tuple[Any, ...] = ()
        elif issubclass(ours, fasthttpx.StreamError):
            args = ()
        elif name == "WebSocketUpgradeError":  # (response, message)
            args = (fasthttpx.Response(400), "boom")
        elif issubclass(ours, fasthttpx.WebSocketDisconnect):  # (code, reason)
            args = (1000, "boom")
        elif name == "WebSocketInvalidTypeReceived":  # (event, message)
            args = (None, "boom")
        else:
            args = ("boom",)
        theirs = library.error(ours(*args), request)
        if hasattr(lib.module, name):
            assert type(theirs) is getattr(lib.module, name), name
        else:  # the nearest ancestor the library has
            assert isinstance(theirs, lib.module.HTTPError | lib.module.StreamError), name
        if isinstance(theirs, lib.module.RequestError):
            assert theirs.request is request
            assert str(theirs) == "boom"
    assert type(library.error(fasthttpx.DecompressionBombError("x"))) is lib.module.DecodingError
    assert type(library.error(fasthttpx.ResponseTooLarge("x"))) is lib.module.RequestError


def test_request_body_in_memory_is_taken_without_iterating(lib: Lib) -> None:
    request = lib.module.Request("POST", "http://example.org/", content=b"payload")

    class Untouchable(lib.module.ByteStream):  # type: ignore[name-defined,misc]
        def __iter__(self) -> Any:
            raise AssertionError("iterated")

        async def __aiter__(self) -> Any:
            raise AssertionError("iterated")

    stream = lib.module.ByteStream(b"payload")
    request.stream = stream
    ours = to_request(request, lib.module.ByteStream)
    assert type(ours.body) is bytes and ours.body == b"payload"
    assert ours.content == b"payload"
    request.stream = Untouchable(b"x")  # a subclass: not known to hold only bytes
    assert to_request(request, lib.module.ByteStream).stream is request.stream


def test_upgrade_requests_get_the_upgrade_extension_when_http1_is_spoken(lib: Lib) -> None:
    asking = lib.module.Request("POST", "http://example.org/attach",
                                headers={"Connection": "Upgrade", "UPGRADE": "tcp"})
    plain = lib.module.Request("GET", "http://example.org/", headers={"X-Upgrade": "no"})
    assert to_request(asking, lib.module.ByteStream).extensions["upgrade"] is True
    assert "upgrade" not in asking.extensions  # the library's dict is not changed
    # An HTTP/2-only transport cannot switch protocols: the field goes out as it is.
    assert "upgrade" not in to_request(asking, lib.module.ByteStream, False).extensions
    assert "upgrade" not in to_request(plain, lib.module.ByteStream).extensions


def test_request_streams_are_handed_over_as_they_are(lib: Lib) -> None:
    async def pieces() -> Any:
        yield b"a"

    request = lib.module.Request("POST", "http://example.org/up", content=pieces())
    ours = to_request(request, lib.module.ByteStream)
    assert ours.stream is request.stream
    assert ours.headers.raw == request.headers.raw
    assert (b"Transfer-Encoding", b"chunked") in ours.headers.raw


def test_request_url_parts(lib: Lib) -> None:
    request = lib.module.Request(
        "get", "https://[::1]:8443/a%20b/./c?q=%2F&r#frag",
        headers=[("X-One", "1"), ("x-one", "2")],
        extensions={"timeout": {"connect": 1.0, "read": None, "write": 2.0, "pool": 3.0},
                    "sni_hostname": "example.org"},
    )
    ours = to_request(request, lib.module.ByteStream)
    assert ours.method == "GET"
    assert ours.url.origin == ("https", b"::1", 8443)
    assert ours.url.raw_path == request.url.raw_path
    assert ours.url.netloc == b"[::1]:8443"
    assert str(ours.url) == "https://[::1]:8443/a%20b/c?q=%2F&r"
    assert ours.headers.raw == request.headers.raw
    assert ours.extensions is request.extensions
    default_port = to_request(lib.module.Request("GET", "http://Example.ORG:80/"),
                              lib.module.ByteStream)
    assert default_port.url.origin == ("http", b"example.org", 80)
    assert default_port.url.raw_path == b"/"


def test_response_extensions() -> None:
    assert response_extensions("HTTP/1.1", "OK") == {
        "http_version": b"HTTP/1.1", "reason_phrase": b"OK"}
    assert response_extensions("HTTP/1.0", "Caf\xe9") == {
        "http_version": b"HTTP/1.0", "reason_phrase": b"Caf\xe9"}
    assert response_extensions("HTTP/2", "OK") == {"http_version": b"HTTP/2"}


def _options(lib: Lib, **given: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = dict(
        verify=True, cert=None, trust_env=True, http1=True, http2=False, limits=None,
        proxy=None, uds=None, local_address=None, retries=0, socket_options=None,
    )
    arguments.update(given)
    return engine_options(lib.adapter.LIBRARY, **arguments)


def test_limits_and_connection_options(lib: Lib) -> None:
    options = _options(
        lib, limits=lib.module.Limits(max_connections=7, max_keepalive_connections=3,
                                      keepalive_expiry=9.0),
        uds="/tmp/x.sock", local_address="127.0.0.1", retries=2,
        socket_options=((1, 2, 3),),
    )
    limits = options["limits"]
    assert (limits.max_connections, limits.max_keepalive_connections,
            limits.keepalive_expiry) == (7, 3, 9.0)
    assert options["uds"] == "/tmp/x.sock" and options["local_address"] == "127.0.0.1"
    assert options["retries"] == 2 and options["socket_options"] == [(1, 2, 3)]
    assert _options(lib)["limits"] == fasthttpx.Limits(
        max_connections=100, max_keepalive_connections=20)


def test_proxy_forms(lib: Lib) -> None:
    url = "http://proxy.example:3128"
    assert _options(lib, proxy=url)["proxy"] == fasthttpx.Proxy(url)
    assert _options(lib, proxy=lib.module.URL(url))["proxy"] == fasthttpx.Proxy(url)
    context = ssl.create_default_context()
    given = lib.module.Proxy("https://u:p@proxy.example:3129", headers={"X-P": "1"},
                             ssl_context=context)
    options = _options(lib, proxy=given)
    proxy = options["proxy"]
    assert proxy.auth == ("u", "p")
    assert proxy.headers.raw == [(b"X-P", b"1")]
    assert proxy.url.scheme == "https"
    assert options["proxy_ssl_context"] is context
    assert isinstance(_options(lib, proxy=url)["proxy_ssl_context"], LibrarySSLContext)
    assert _options(lib)["proxy_ssl_context"] is None


@pytest.mark.parametrize(("http1", "http2", "alpn"), [
    (True, False, ["http/1.1"]), (True, True, ["h2", "http/1.1"]), (False, True, ["h2"]),
])
def test_tls_context_is_the_librarys_with_alpn(
    lib: Lib, http1: bool, http2: bool, alpn: list[str]
) -> None:
    made: list[dict[str, Any]] = []
    context = ssl.create_default_context()
    chosen: list[list[str]] = []
    context.set_alpn_protocols = chosen.append  # type: ignore[method-assign]

    def create(**kwargs: Any) -> ssl.SSLContext:
        made.append(kwargs)
        return context

    factory = LibrarySSLContext(create, {"verify": False, "cert": None, "trust_env": True},
                                alpn)
    assert made == []  # nothing until the first HTTPS connection
    assert factory() is context and factory() is context
    assert made == [{"verify": False, "cert": None, "trust_env": True}]
    assert chosen == [alpn]
    options = _options(lib, http1=http1, http2=http2, verify=False)
    assert options["ssl_context"]._alpn == alpn
    assert options["ssl_context"]._create is lib.module.create_ssl_context
    unverified = options["ssl_context"]()
    assert unverified.verify_mode == ssl.CERT_NONE
    # Upgrade requests (WebSocket handshakes) on a pool that offers h2: http/1.1 only.
    upgrades = options["http1_ssl_context"]
    if http1 and http2:
        assert upgrades._alpn == ["http/1.1"]
        assert upgrades._args == {"verify": False, "cert": None, "trust_env": True}
    else:
        assert upgrades is None


def test_adapter_classes_subclass_the_librarys(lib: Lib) -> None:
    adapter = lib.adapter
    assert issubclass(adapter.AsyncClient, lib.module.AsyncClient)
    assert issubclass(adapter.Client, lib.module.Client)
    assert issubclass(adapter.AsyncTransport, lib.module.AsyncBaseTransport)
    assert issubclass(adapter.Transport, lib.module.BaseTransport)
    assert adapter.AsyncTransport.stream_class.__mro__[1:].count(lib.module.AsyncByteStream)
    assert sorted(adapter.__all__) == ["AsyncClient", "AsyncTransport", "Client", "Transport"]


def test_transport_not_started_until_the_first_request(lib: Lib) -> None:
    transport = lib.adapter.AsyncTransport(http2=True)
    assert transport._engine is None  # no event loop runs here: the backend is not known


def test_sdk_clients_accept_the_adapter() -> None:
    import anthropic
    import openai

    httpx2_lib = load_lib("httpx2")
    httpx_lib = load_lib("httpx")
    openai.OpenAI(api_key="x", http_client=httpx2_lib.adapter.Client())
    openai.AsyncOpenAI(api_key="x", http_client=httpx_lib.adapter.AsyncClient())
    anthropic.AsyncAnthropic(api_key="x", http_client=httpx2_lib.adapter.AsyncClient())


@pytest.mark.parametrize("with_sniffio", [True, False], ids=["sniffio", "no-sniffio"])
def test_running_backend_follows_the_running_library(
    with_sniffio: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The async adapters' transports pick their backend this way: sniffio when installed
    (httpx pulls it in, httpx2 does not), else a look at asyncio and trio themselves."""
    import asyncio

    import trio

    from fasthttpx.concurrency.asyncio import AsyncioBackend, running_backend
    from fasthttpx.concurrency.trio import TrioBackend

    if not with_sniffio:
        monkeypatch.setitem(sys.modules, "sniffio", None)
    assert running_backend() is None

    async def running() -> Any:
        return running_backend()

    assert isinstance(asyncio.run(running()), AsyncioBackend)
    assert isinstance(trio.run(running), TrioBackend)


def test_sync_transport_has_its_pool_from_the_start(lib: Lib) -> None:
    with lib.adapter.Transport() as transport:
        assert transport._engine is not None  # no race for it between threads later
