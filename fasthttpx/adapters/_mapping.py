"""What the httpx and httpx2 adapters share, written once for both: turning the library's
request into ours, our response head and errors into the library's, and the library's
transport arguments into our pool's. No I/O here (the transport shell is
``adapters/_async/transport.py``); the library is a parameter (``Library``), never imported.

Why each conversion is shaped as it is:

* The request is taken as the library built it: method, URL parts (already normalised by
  its URL parser), ``headers.raw`` (order and case as it will send them, ``Host`` and
  ``Content-Length`` included), its body stream and its extensions (``timeout`` is the
  same four-key dict our pool reads, ``None`` meaning no limit; ``sni_hostname``). A body in
  memory (the library's ``ByteStream``) is handed over as its bytes, without iterating it:
  sent in one write with the head, and replayable on a stale keep-alive connection. Any
  other body is handed over as the stream object and iterated while it is sent.
* The response keeps its raw header list; ``http_version`` and ``reason_phrase`` travel as
  the bytes extensions httpx reads (HTTP/2 has no reason phrase, as with httpcore).
* An error is re-raised as the library's class of the same name, ours chained as its cause;
  a class the library lacks becomes its nearest ancestor the library has.
* A request asking to switch protocols (an ``Upgrade`` field: httpx2's
  ``client.websocket()``, httpx-ws, Docker's attach) gets our ``upgrade`` extension when
  the transport speaks HTTP/1.1, so that our pool sends it on an HTTP/1.1 connection of its
  own and a 101 answer hands that connection over, closed with the response as httpcore
  does. The library's code then reads and writes it as httpcore's network stream, and
  catches httpcore's exceptions: our stream errors become the classes of the library's
  own core package (httpcore for httpx, httpcore2 for httpx2).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .._config import DEFAULT_LIMITS, Limits, Proxy
from .._exceptions import CookieConflict, HTTPError, InvalidURL, StreamError
from .._models import Request
from .._urls import URL

if TYPE_CHECKING:
    import ssl

__all__ = [
    "Library", "ERRORS", "to_request", "response_extensions", "engine_options", "asks_upgrade",
]

#: The roots of fasthttpx's exception tree: whatever the pool raises under them is mapped.
ERRORS = (HTTPError, InvalidURL, CookieConflict, StreamError)

_HTTP_VERSIONS = {"HTTP/1.1": b"HTTP/1.1", "HTTP/1.0": b"HTTP/1.0", "HTTP/2": b"HTTP/2"}
_REASONS = {"OK": b"OK"}


class Library:
    """One httpx-family library (httpx or httpx2) as the adapters use it: the classes a
    response is built from and a request body is recognised by, and the library's exception
    for each of ours."""

    def __init__(self, module: ModuleType, core: str) -> None:
        self.module = module
        self.response_class: Callable[..., Any] = module.Response
        self.byte_stream_class: type[Any] = module.ByteStream
        self._request_error: type = module.RequestError
        self._stream_error: type = module.StreamError
        self._errors: dict[type[BaseException], Any] = _error_table(module)
        self._core = core  # the library's own network package, imported when first needed
        self._core_errors: dict[type[BaseException], Any] = {}

    def network_error(self, exc: BaseException) -> Exception:
        """For a handed-over (upgraded) connection: the exception of the library's core
        package (``httpcore.ReadError``...) named as ``exc`` or its nearest ancestor, which
        is what the library's WebSocket code catches; the library's own class when that
        package is missing."""
        target = self._core_errors.get(type(exc))
        if target is None:
            try:
                core = importlib.import_module(self._core)
            except ImportError:
                return self.error(exc)
            target = _named_ancestor(type(exc), core)
            if target is None:
                return self.error(exc)
            self._core_errors[type(exc)] = target
        return target(str(exc))

    def error(self, exc: BaseException, request: Any = None) -> Exception:
        """The library's exception for ``exc`` (one of ours), to be raised ``from exc``;
        ``request``: the library's request it concerns, when known."""
        target: Any = self._errors.get(type(exc))
        if target is None:
            target = _nearest(type(exc), self.module)
            self._errors[type(exc)] = target
        if issubclass(target, self._request_error):
            return target(str(exc), request=request)  # type: ignore[no-any-return]
        if issubclass(target, self._stream_error) and target is not self._stream_error:
            return target()  # type: ignore[no-any-return]  # fixed messages, no arguments
        return target(str(exc))  # type: ignore[no-any-return]


def _error_table(module: ModuleType) -> dict[type[BaseException], Any]:
    from .. import _exceptions

    table: dict[type[BaseException], Any] = {}
    for name in _exceptions.__all__:
        ours = getattr(_exceptions, name)
        if ours.__name__ != "HTTPStatusError":  # needs a response; the pool never raises it
            table[ours] = _nearest(ours, module)
    return table


def _nearest(ours: type[BaseException], module: ModuleType) -> type[Exception]:
    """The library's class named as ``ours`` or, failing that, as its nearest ancestor."""
    return _named_ancestor(ours, module) or module.HTTPError


def _named_ancestor(ours: type[BaseException], module: ModuleType) -> type[Exception] | None:
    """``module``'s exception class named as ``ours`` or its nearest ancestor, if any."""
    for cls in ours.__mro__:
        theirs = getattr(module, cls.__name__, None)
        if isinstance(theirs, type) and issubclass(theirs, Exception):
            return theirs
    return None


#: httpx2's ``client.websocket("ws://...")`` sends the WebSocket scheme down to the transport
#: (httpcore2 reads ``ws`` as ``http`` and ``wss`` as ``https``, default ports included).
_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


def to_request(request: Any, byte_stream_class: type[Any], upgrades: bool = True) -> Request:
    """Our request for the library's ``request``, sharing its header list and extensions
    (``upgrades``: the transport may switch protocols, i.e. it speaks HTTP/1.1)."""
    url = request.url
    stream = request.stream
    if type(stream) is byte_stream_class:
        body = stream._stream  # the bytes it holds (httpx's ByteStream iterates just them)
        if type(body) is not bytes:
            body = bytes(body)
        stream = body
    fields = request.headers.raw
    extensions = request.extensions
    if upgrades and asks_upgrade(fields):
        extensions = {**extensions, "upgrade": True}  # the library's dict stays as it was
    return Request.from_parts(
        request.method,
        URL.from_parts(_SCHEMES.get(url.scheme, url.scheme), url.raw_host.decode("ascii"),
                       url.port, url.raw_path),
        fields,
        stream,
        extensions,
    )


def asks_upgrade(fields: list[tuple[bytes, bytes]]) -> bool:
    """Whether the header ``fields`` ask to switch protocols (an ``Upgrade`` field, in any
    method: WebSockets are GETs, Docker's attach is a POST)."""
    for name, _ in fields:
        if len(name) == 7 and name.lower() == b"upgrade":
            return True
    return False


def response_extensions(http_version: str, reason_phrase: str) -> dict[str, Any]:
    """The response extensions httpx's ``Response`` reads, from our response's fields."""
    version = _HTTP_VERSIONS.get(http_version) or http_version.encode("ascii")
    if version == b"HTTP/2":
        return {"http_version": version}
    reason = _REASONS.get(reason_phrase) or reason_phrase.encode("latin-1")
    return {"http_version": version, "reason_phrase": reason}


class LibrarySSLContext:
    """The TLS context the library itself builds for ``verify``, ``cert`` and ``trust_env``
    (its trust store and checks), with ALPN offering the protocols allowed; built on first
    HTTPS use, as loading certificates costs milliseconds an http:// client need not pay."""

    __slots__ = ("_create", "_args", "_alpn", "_context")

    def __init__(
        self, create: Callable[..., ssl.SSLContext], args: dict[str, Any], alpn: list[str]
    ) -> None:
        self._create = create
        self._args = args
        self._alpn = alpn
        self._context: ssl.SSLContext | None = None

    def __call__(self) -> ssl.SSLContext:
        if self._context is None:
            context = self._create(**self._args)
            context.set_alpn_protocols(self._alpn)
            self._context = context
        return self._context


def _alpn(http1: bool, http2: bool) -> list[str]:
    if http2 and not http1:
        return ["h2"]
    return ["h2", "http/1.1"] if http2 else ["http/1.1"]


def _limits(limits: Any) -> Limits:
    if limits is None:
        return DEFAULT_LIMITS
    return Limits(
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
    )


def _proxy(proxy: Any) -> tuple[Proxy | None, ssl.SSLContext | None]:
    """Our ``Proxy`` for the library's ``proxy=`` (a URL string, its ``URL`` or its
    ``Proxy``), and the TLS context that ``Proxy`` carries for an https:// proxy, if any."""
    if proxy is None:
        return None, None
    if isinstance(proxy, str):
        return Proxy(proxy), None
    if hasattr(proxy, "auth") and hasattr(proxy, "url"):  # the library's Proxy
        auth = proxy.auth
        ours = Proxy(
            str(proxy.url),
            auth=(auth[0], auth[1]) if auth is not None else None,
            headers=proxy.headers.raw,
        )
        return ours, proxy.ssl_context
    return Proxy(str(proxy)), None  # the library's URL


def engine_options(
    library: Library,
    *,
    verify: Any,
    cert: Any,
    trust_env: bool,
    http1: bool,
    http2: bool,
    limits: Any,
    proxy: Any,
    uds: str | None,
    local_address: str | None,
    retries: int,
    socket_options: Sequence[Any] | None,
) -> dict[str, Any]:
    """Our transport's arguments for the library transport's (``AsyncHTTPTransport`` /
    ``HTTPTransport``), with TLS contexts made the library's way."""
    create = library.module.create_ssl_context
    ours, proxy_context = _proxy(proxy)
    proxy_ssl: Any = proxy_context
    if ours is not None and proxy_context is None:
        proxy_ssl = LibrarySSLContext(create, {"trust_env": trust_env}, ["http/1.1"])
    return {
        "http1": http1,
        "http2": http2,
        "limits": _limits(limits),
        "proxy": ours,
        "uds": uds,
        "local_address": local_address,
        "retries": retries,
        "socket_options": list(socket_options) if socket_options is not None else None,
        "ssl_context": LibrarySSLContext(
            create, {"verify": verify, "cert": cert, "trust_env": trust_env},
            _alpn(http1, http2),
        ),
        "proxy_ssl_context": proxy_ssl,
        # WebSocket handshakes (upgrade requests) to https:// origins: ALPN http/1.1 only.
        "http1_ssl_context": LibrarySSLContext(
            create, {"verify": verify, "cert": cert, "trust_env": trust_env}, ["http/1.1"],
        ) if http2 and http1 else None,
    }
