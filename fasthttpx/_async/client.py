"""``AsyncClient``: configuration, request building, auth, redirects, cookies, hooks.

The client owns a transport (by default the connection pool) and turns user calls into
``Request`` objects; the transport does the HTTP. The common case (no auth, no cookies, no
redirects to follow, no hooks) goes straight from ``build_request`` to the transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from .._auth import Auth, build_auth
from .._config import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_TIMEOUT,
    Limits,
    Timeout,
    create_ssl_context,
)
from .._cookies import Cookies
from .._decoders import accept_encoding_value
from .._exceptions import TooManyRedirects
from .._models import Headers, Request
from .._proxy import build_router
from .._redirects import build_redirect_request
from .._urls import URL, QueryParams
from .._version import __version__
from ..concurrency.asyncio import default_backend
from ..concurrency.base import AsyncBackend
from .connection_pool import AsyncConnectionPool
from .parallel import AsyncParallel
from .response import AsyncResponse

__all__ = ["AsyncClient"]

USER_AGENT = f"python-fasthttpx/{__version__}"
_URL_CACHE_SIZE = 256  # parsed URL strings kept per client (URLs are immutable)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "post", "put", "patch"})  # get Content-Length


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


class AsyncClient:
    """An HTTP client with connection pooling, for ``async with`` use.

    ``async with AsyncClient() as client: r = await client.get(url)``. Arguments as in HTTPX
    0.28; ``backend`` picks the async library (by default the one running when the client is
    created: asyncio — also on uvloop — or trio; or pass ``AsyncioBackend()`` /
    ``fasthttpx.concurrency.trio.TrioBackend()``). Beyond HTTPX: ``retries`` (default
    True) resends an idempotent request once when a reused keep-alive connection turns out
    closed; ``http1_parser_limits`` overrides the response parser's limits
    (``max_line_size`` 64 KiB, ``max_header_count`` 100, ``max_headers_size`` 256 KiB,
    ``max_chunk_line_size`` 4 KiB). ``proxy`` (a URL, ``URL`` or ``Proxy``) carries every
    request; without it, ``trust_env`` takes ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` and
    ``NO_PROXY`` from the environment (see ``_proxy.py``).
    """

    def __init__(
        self,
        *,
        auth: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        verify: Any = True,
        cert: Any = None,
        http1: bool = True,
        http2: bool = False,
        proxy: Any = None,
        timeout: Any = DEFAULT_TIMEOUT,
        limits: Limits = DEFAULT_LIMITS,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        follow_redirects: bool = False,
        base_url: Any = "",
        event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None,
        trust_env: bool = True,
        transport: Any = None,
        default_encoding: str = "utf-8",
        retries: bool = True,
        http1_parser_limits: dict[str, int] | None = None,
        backend: AsyncBackend | None = None,
    ) -> None:
        if proxy is not None and transport is not None:
            raise ValueError("proxy= has no effect with transport=: configure the transport")
        # Read once, here: requests never look at the environment.
        proxy_router = build_router(proxy, trust_env) if transport is None else None
        self._auth = build_auth(auth)
        self._params = QueryParams(params)
        self.headers = Headers(
            {
                "Accept": "*/*",
                "Accept-Encoding": accept_encoding_value(),
                "Connection": "keep-alive",
                "User-Agent": USER_AGENT,
            }
        )
        if headers is not None:
            self.headers.update(headers)
        self._cookies = Cookies(cookies)
        self.timeout = Timeout(timeout)
        self.max_redirects = max_redirects
        self.follow_redirects = follow_redirects
        self._url_cache: dict[str, URL] = {}
        #: (method, url) -> (client headers' rendering, method, URL, headers template).
        self._plain_requests: dict[tuple[str, str], tuple[bytes, str, URL, Headers]] = {}
        self._header_templates: dict[bytes, tuple[bytes, Headers]] = {}
        self._base_url = self._enforce_trailing_slash(URL(base_url))
        self._event_hooks = {
            "request": list((event_hooks or {}).get("request", [])),
            "response": list((event_hooks or {}).get("response", [])),
        }
        self._trust_env = trust_env
        self._default_encoding = default_encoding
        self._backend: AsyncBackend = backend if backend is not None else default_backend()
        self._ssl_context_args = (verify, cert, trust_env, http2, http1)
        self._ssl_context: Any = None
        if transport is None:
            transport = AsyncConnectionPool(
                backend=self._backend,
                limits=limits,
                ssl_context=self._get_ssl_context,
                http1=http1,
                http2=http2,
                retries=retries,
                parser_options=http1_parser_limits,
                proxy=proxy_router,
            )
        self._transport = transport
        self._limits = limits
        self.is_closed = False
        #: A subclass that overrides ``request()``, ``build_request()`` or ``send()`` gets
        #: every verb helper call through them (the helpers' shortcut skips all three).
        cls = type(self)
        self._custom_request = (
            cls.request is not AsyncClient.request
            or cls.build_request is not AsyncClient.build_request
            or cls.send is not AsyncClient.send
        )

    # -- configuration -------------------------------------------------------------------

    def _get_ssl_context(self) -> Any:
        """Built on first HTTPS use, then shared by every connection of this client."""
        if self._ssl_context is None:
            verify, cert, trust_env, http2, http1 = self._ssl_context_args
            self._ssl_context = create_ssl_context(
                verify=verify, cert=cert, trust_env=trust_env, http2=http2, http1=http1
            )
        return self._ssl_context

    @staticmethod
    def _enforce_trailing_slash(url: URL) -> URL:
        if url.raw_path.endswith(b"/"):
            return url
        return url.copy_with(raw_path=url.raw_path + b"/")

    @property
    def timeout(self) -> Timeout:
        return self._timeout

    @timeout.setter
    def timeout(self, timeout: Any) -> None:
        self._timeout = Timeout(timeout)
        self._timeout_dict = self._timeout.as_dict()

    @property
    def base_url(self) -> URL:
        return self._base_url

    @base_url.setter
    def base_url(self, url: Any) -> None:
        self._base_url = self._enforce_trailing_slash(URL(url))
        self._url_cache.clear()
        self._plain_requests.clear()

    @property
    def cookies(self) -> Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._cookies = Cookies(cookies)

    @property
    def params(self) -> QueryParams:
        return self._params

    @property
    def auth(self) -> Auth | None:
        return self._auth

    @auth.setter
    def auth(self, auth: Any) -> None:
        self._auth = build_auth(auth)

    @property
    def event_hooks(self) -> dict[str, list[Callable[..., Any]]]:
        return self._event_hooks

    @property
    def transport(self) -> Any:
        return self._transport

    def _merge_url(self, url: Any) -> URL:
        """``url`` joined to ``base_url``; results for str URLs are cached (bounded)."""
        if type(url) is str:
            merged = self._url_cache.get(url)
            if merged is None:
                merged = self._join_base(URL(url))
                if len(self._url_cache) >= _URL_CACHE_SIZE:
                    self._url_cache.clear()
                self._url_cache[url] = merged
            return merged
        if isinstance(url, URL):
            return self._join_base(url)
        if isinstance(url, str):
            return self._join_base(URL(url))
        raise TypeError(f"Invalid type for url. Expected str or URL, got {type(url)}")

    def _join_base(self, parsed: URL) -> URL:
        if parsed.is_relative_url and self._base_url.is_absolute_url:
            merge_raw_path = self._base_url.raw_path + parsed.raw_path.lstrip(b"/")
            return self._base_url.copy_with(raw_path=merge_raw_path)
        return parsed

    def build_request(
        self,
        method: str,
        url: Any,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        timeout: Any = UNSET,
        extensions: dict[str, Any] | None = None,
    ) -> Request:
        """Build a ``Request`` with the client's defaults merged in, without sending it."""
        if (
            content is None and data is None and files is None and json is None
            and params is None and headers is None and cookies is None and timeout is UNSET
            and extensions is None and not self._params and method not in _BODY_METHODS
        ):
            return self._build_plain_request(method, url)
        merged_url = self._merge_url(url)
        if self._params or params is not None:
            merged_params = self._params.merge(params) if self._params else QueryParams(params)
            merged_url = merged_url.copy_merge_params(merged_params)
        if headers is None:
            merged_headers = self.headers
            merged_headers.render()  # formatted once, reused by every request's copy
        else:
            merged_headers = self.headers.copy()
            merged_headers.update(headers)
        merged_cookies = None
        if cookies is not None or self._cookies:
            merged_cookies = Cookies(self._cookies)
            if cookies is not None:
                merged_cookies.update(Cookies(cookies))
        extensions = dict(extensions) if extensions else {}
        if "timeout" not in extensions:
            if timeout is UNSET:
                extensions["timeout"] = self._timeout_dict  # read-only, shared
            else:
                extensions["timeout"] = Timeout(timeout).as_dict()
        return Request(
            method,
            merged_url,
            content=content,
            data=data,
            files=files,
            json=json,
            headers=merged_headers,
            cookies=merged_cookies,
            extensions=extensions,
        )

    def _build_plain_request(self, method: str, url: Any) -> Request:
        """The common request (no body, no per-request options): its headers are a copy of
        a per-host template, the client's headers with Host, formatted once."""
        merged_url = self._merge_url(url)
        base = self.headers.render()  # the same object until the client's headers change
        netloc = merged_url.netloc
        entry = self._header_templates.get(netloc)
        if entry is None or entry[0] is not base:
            template = Request(method, merged_url, headers=self.headers).headers
            template.render()
            if len(self._header_templates) >= _URL_CACHE_SIZE:
                self._header_templates.clear()
            entry = self._header_templates[netloc] = (base, template)
        return Request.without_body(
            method.upper(), merged_url, entry[1].copy(), {"timeout": self._timeout_dict}
        )

    # -- sending -------------------------------------------------------------------------

    async def send(
        self,
        request: Request,
        *,
        stream: bool = False,
        auth: Any = UNSET,
        follow_redirects: Any = UNSET,
    ) -> AsyncResponse:
        """Send a built request; with ``stream=True`` return as soon as the head arrived."""
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        follow = self.follow_redirects if follow_redirects is UNSET else follow_redirects
        auth_obj = self._auth if auth is UNSET else build_auth(auth)
        if auth_obj is None and request.url.userinfo:
            auth_obj = build_auth((request.url.username, request.url.password))
        if (
            auth_obj is None
            and not follow
            and not self._event_hooks["request"]
            and not self._event_hooks["response"]
            and not self._cookies
        ):
            response = await self._transport.handle_async_request(request)
            response.default_encoding = self._default_encoding
        else:
            response = await self._send_handling_auth(request, auth_obj, follow, [])
        if not stream:
            try:
                if not response.read_arrived():
                    await response.read()
            except BaseException:
                await response.close()
                raise
        return response

    async def _send_handling_auth(
        self, request: Request, auth: Auth | None, follow: bool, history: list[AsyncResponse]
    ) -> AsyncResponse:
        if auth is None:
            return await self._send_handling_redirects(request, follow, history)
        flow = auth.auth_flow(request)
        request = next(flow)
        while True:
            response = await self._send_handling_redirects(request, follow, history)
            if auth.requires_response_body:
                await response.read()
            try:
                next_request = flow.send(response)
            except StopIteration:
                return response
            await response.read()
            await response.close()
            response.history = list(history)
            history = history + [response]
            request = next_request

    async def _send_handling_redirects(
        self, request: Request, follow: bool, history: list[AsyncResponse]
    ) -> AsyncResponse:
        while True:
            if len(history) > self.max_redirects:
                raise TooManyRedirects(
                    f"Exceeded maximum allowed redirects ({self.max_redirects}).",
                    request=request,
                )
            for hook in self._event_hooks["request"]:
                result = hook(request)
                if hasattr(result, "__await__"):
                    await result
            if self._cookies:
                self._cookies.set_cookie_header(request)
            response = await self._transport.handle_async_request(request)
            response.default_encoding = self._default_encoding
            response.history = list(history)
            try:
                self._cookies.extract_cookies(response)
                for hook in self._event_hooks["response"]:
                    result = hook(response)
                    if hasattr(result, "__await__"):
                        await result
                if not response.has_redirect_location:
                    return response
                next_request = build_redirect_request(request, response, cookies=self._cookies)
                if not follow:
                    response.next_request = next_request
                    return response
                await response.read()
            except BaseException:
                await response.close()
                raise
            await response.close()
            history = history + [response]
            request = next_request

    async def request(
        self,
        method: str,
        url: Any,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        auth: Any = UNSET,
        follow_redirects: Any = UNSET,
        timeout: Any = UNSET,
        extensions: dict[str, Any] | None = None,
        stream: bool = False,
    ) -> AsyncResponse:
        """Build and send a request. With ``stream=True`` the body is left unread."""
        request = self.build_request(
            method, url, content=content, data=data, files=files, json=json, params=params,
            headers=headers, cookies=cookies, timeout=timeout, extensions=extensions,
        )
        return await self.send(request, stream=stream, auth=auth,
                               follow_redirects=follow_redirects)

    async def _request_plain(self, method: str, url: Any) -> AsyncResponse:
        """``request(method, url)`` with no options, without its keyword plumbing: a str URL
        seen before gets its request from ``_plain_requests`` (URL parsed and joined, method
        normalised, headers templated), valid while the client's headers stay the same."""
        entry = self._plain_requests.get((method, url)) if type(url) is str else None
        if entry is None or entry[0] is not self.headers._rendered:
            request = self.build_request(method, url)
            if (
                type(url) is str and request.stream == b"" and not request.url.userinfo
                and request.headers._rendered is not None and self.headers._rendered
            ):
                if len(self._plain_requests) >= _URL_CACHE_SIZE:
                    self._plain_requests.clear()
                self._plain_requests[(method, url)] = (
                    self.headers._rendered, request.method, request.url, request.headers.copy()
                )
            return await self.send(request)
        request = Request.without_body(
            entry[1], entry[2], entry[3], {"timeout": self._timeout_dict}, shared=True
        )
        hooks = self._event_hooks
        if (
            self._auth is not None or self.follow_redirects or self.is_closed
            or hooks["request"] or hooks["response"] or self._cookies
        ):
            return await self.send(request)
        # What ``send`` does for a request without options when nothing (auth, redirects,
        # hooks, cookies; a remembered URL has no credentials) needs its general path.
        response = await self._transport.handle_async_request(request)
        response.default_encoding = self._default_encoding
        try:
            if not response.read_arrived():
                await response.read()
        except BaseException:
            await response.close()
            raise
        return response

    def get(self, url: Any, **kwargs: Any) -> Awaitable[AsyncResponse]:
        """``GET url``; keywords as for ``request()``. (The verb helpers return the coroutine
        of ``request()`` rather than awaiting it: one frame less on every resume; without
        keywords, and unless a subclass overrides ``request()``, a shorter one.)"""
        if kwargs or self._custom_request:
            return self.request("GET", url, **kwargs)
        return self._request_plain("GET", url)

    def options(self, url: Any, **kwargs: Any) -> Awaitable[AsyncResponse]:
        if kwargs or self._custom_request:
            return self.request("OPTIONS", url, **kwargs)
        return self._request_plain("OPTIONS", url)

    def head(self, url: Any, **kwargs: Any) -> Awaitable[AsyncResponse]:
        if kwargs or self._custom_request:
            return self.request("HEAD", url, **kwargs)
        return self._request_plain("HEAD", url)

    def post(self, url: Any, **kwargs: Any) -> Awaitable[AsyncResponse]:
        if kwargs or self._custom_request:
            return self.request("POST", url, **kwargs)
        return self._request_plain("POST", url)

    def put(self, url: Any, **kwargs: Any) -> Awaitable[AsyncResponse]:
        if kwargs or self._custom_request:
            return self.request("PUT", url, **kwargs)
        return self._request_plain("PUT", url)

    def patch(self, url: Any, **kwargs: Any) -> Awaitable[AsyncResponse]:
        if kwargs or self._custom_request:
            return self.request("PATCH", url, **kwargs)
        return self._request_plain("PATCH", url)

    def delete(self, url: Any, **kwargs: Any) -> Awaitable[AsyncResponse]:
        if kwargs or self._custom_request:
            return self.request("DELETE", url, **kwargs)
        return self._request_plain("DELETE", url)

    @asynccontextmanager
    async def stream(self, method: str, url: Any, **kwargs: Any) -> AsyncIterator[AsyncResponse]:
        """``async with client.stream("GET", url) as r:`` — the response is closed on exit."""
        kwargs["stream"] = True
        response = await self.request(method, url, **kwargs)
        try:
            yield response
        finally:
            await response.close()

    def parallel(self, limit: int | None = None) -> AsyncParallel:
        """``async with client.parallel() as parallel:`` — start requests without waiting,
        collect them with ``get_response()`` / ``next_response()``. At most ``limit``
        (default: the pool's ``max_connections``) run at the same time."""
        return AsyncParallel(self, limit)

    # -- lifetime ------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close every connection of the pool."""
        if not self.is_closed:
            self.is_closed = True
            await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        self._backend.check_running()
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()
