"""``AsyncClient``: configuration, request building, auth, redirects, cookies, hooks.

The client owns a transport (by default the connection pool) and turns user calls into
``Request`` objects; the transport does the HTTP. Every call goes the same way: the verb
helpers call ``request()``, which calls ``build_request()`` and then ``send()`` (so mocks,
subclasses and tracers see every request). ``build_request()`` takes a body-less request for a
URL string from the client's prepared requests (``_prepared.py``: the one per-client cache);
``send()`` alone decides between the transport straight away and the auth/redirect/hook path.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol

from .._auth import Auth, AuthTypes, build_auth, check_body_replayable
from .._body_limits import BodyLimits, body_limits_for
from .._config import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_TIMEOUT,
    UNSET,
    CertTypes,
    Limits,
    ProxyTypes,
    Timeout,
    TimeoutTypes,
    UnsetType,
    VerifyTypes,
    create_ssl_context,
)
from .._content import RequestContent, RequestData, RequestFiles, is_replayable
from .._cookies import Cookies, CookieTypes
from .._decoders import accept_encoding_value
from .._exceptions import StreamConsumed, TooManyRedirects, TransportError
from .._models import Headers, HeaderTypes, Request
from .._mounts import Mounts
from .._prepared import PreparedRequests, prepare
from .._proxy import build_router
from .._redirects import build_redirect_request, redirect_headers
from .._response import Response
from .._retry import Retry, RetryTypes, as_retry, retry_for
from .._sse_event import DEFAULT_MAX_EVENT_SIZE
from .._urls import URL, QueryParams, QueryParamTypes
from .._version import __version__
from ..concurrency.asyncio import default_backend
from ..concurrency.base import AsyncBackend
from .http_transport import AsyncHTTPTransport
from .parallel import AsyncParallel
from .sse import DEFAULT_MAX_RECONNECTS, DEFAULT_RETRY_MS, AsyncEventSource, sse_headers
from .websocket import (  # the session's defaults, owned there
    DEFAULT_CLOSE_TIMEOUT_SECONDS,
    DEFAULT_KEEPALIVE_PING_INTERVAL_SECONDS,
    DEFAULT_KEEPALIVE_PING_TIMEOUT_SECONDS,
    DEFAULT_MAX_MESSAGE_SIZE_BYTES,
    DEFAULT_QUEUE_SIZE,
)

logger = logging.getLogger("fasthttpx")

if TYPE_CHECKING:
    from .websocket import AsyncWebSocketSession

__all__ = ["AsyncClient"]

USER_AGENT = f"python-fasthttpx/{__version__}"
_PER_REQUEST_COOKIES = (
    "Setting per-request cookies=<...> is being deprecated, because the expected behaviour "
    "on cookie persistence is ambiguous. Set cookies directly on the client instance instead."
)


class AsyncTransportType(Protocol):
    """What the client needs of a transport (``AsyncBaseTransport``, the pool, a mock)."""

    async def handle_async_request(self, request: Request) -> Response: ...

    async def aclose(self) -> None: ...


class AsyncClient:
    """An HTTP client with connection pooling, for ``async with`` use.

    ``async with AsyncClient() as client: r = await client.get(url)``. Arguments as in HTTPX
    0.28; ``backend`` picks the async library (by default the one running when the client is
    created: asyncio — also on uvloop — or trio; or pass ``AsyncioBackend()`` /
    ``fasthttpx.concurrency.trio.TrioBackend()``). Beyond HTTPX: ``retries`` (default
    True) resends an idempotent request once when a reused keep-alive connection turns out
    closed; ``retry`` (a ``Retry``, an int for ``Retry(total=n)``, default None: off) retries
    failed tries by policy (``_retry.py``; per request as a ``request()`` keyword or the
    ``retry`` extension); ``max_body_size`` (decoded bytes) and ``max_decompression_ratio``
    (decoded bytes per byte received, past the first MiB) bound what reading a body may
    take, both off by default (``_body_limits.py``; per request as ``request()`` keywords
    or extensions of the same names); ``http1_parser_limits`` overrides the response parser's limits
    (``max_line_size`` 64 KiB, ``max_header_count`` 100, ``max_headers_size`` 256 KiB,
    ``max_chunk_line_size`` 4 KiB). ``proxy`` (a URL, ``URL`` or ``Proxy``) carries every
    request; without it, ``trust_env`` takes ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` and
    ``NO_PROXY`` from the environment (see ``_proxy.py``).
    """

    def __init__(
        self,
        *,
        auth: AuthTypes = None,
        params: QueryParamTypes = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes = None,
        verify: VerifyTypes = True,
        cert: CertTypes | None = None,
        http1: bool = True,
        http2: bool = False,
        proxy: ProxyTypes | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        limits: Limits = DEFAULT_LIMITS,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        follow_redirects: bool = False,
        base_url: URL | str = "",
        event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None,
        trust_env: bool = True,
        transport: AsyncTransportType | None = None,
        mounts: Mapping[str, AsyncTransportType | None] | None = None,
        default_encoding: str = "utf-8",
        retries: bool = True,
        http1_parser_limits: dict[str, int] | None = None,
        backend: AsyncBackend | None = None,
        max_body_size: int | None = None,
        max_decompression_ratio: float | None = None,
        retry: RetryTypes = None,
    ) -> None:
        if proxy is not None and transport is not None:
            raise ValueError("proxy= has no effect with transport=: configure the transport")
        # Read once, here: requests never look at the environment.
        proxy_router = build_router(proxy, trust_env) if transport is None else None
        #: The one per-client cache: every setter below invalidates it.
        self._prepared = PreparedRequests()
        self._auth = build_auth(auth)
        self._params = QueryParams(params)
        self.headers = headers
        self._cookies = Cookies(cookies)
        self.timeout = timeout
        self.max_redirects = max_redirects
        #: ``_body_limits.py``: None (the default) when neither limit is set.
        self._body_limits = BodyLimits.of(max_body_size, max_decompression_ratio)
        self._retry: Retry | None = None
        self.retry = retry  # sets ``_policies_past``
        self.follow_redirects = follow_redirects
        self._base_url = self._enforce_trailing_slash(URL(base_url))
        self.event_hooks = event_hooks or {}
        self.trust_env = trust_env
        self._default_encoding = default_encoding
        self._backend: AsyncBackend = backend if backend is not None else default_backend()
        self._ssl_context_args = (verify, cert, trust_env, http2, http1)
        self._ssl_context: Any = None
        self._http1_ssl_context: Any = None
        if transport is None:
            transport = AsyncHTTPTransport._for_client(
                backend=self._backend,
                limits=limits,
                ssl_context=self._get_ssl_context,
                http1=http1,
                http2=http2,
                retries=retries,
                parser_options=http1_parser_limits,
                proxy=proxy_router,
                # An https:// proxy speaks HTTP/1.1 (CONNECT, forwarding), and so does a
                # WebSocket handshake (an upgrade request): never offer them h2.
                proxy_ssl_context=self._get_http1_ssl_context if http2 else None,
                http1_ssl_context=self._get_http1_ssl_context if http2 else None,
            )
        self._transport: AsyncTransportType = transport
        #: ``mounts=``: None (the common case, one test per request) or the patterns.
        self._mounts: Mounts[AsyncTransportType] | None = (
            Mounts(mounts.items()) if mounts else None
        )
        self._limits = limits
        #: Unopened until the first request or ``async with`` (as HTTPX), then open, closed.
        self._opened = False
        self.is_closed = False

    # -- configuration -------------------------------------------------------------------

    def _get_ssl_context(self) -> Any:
        """Built on first HTTPS use, then shared by every connection of this client."""
        if self._ssl_context is None:
            verify, cert, trust_env, http2, http1 = self._ssl_context_args
            self._ssl_context = create_ssl_context(
                verify=verify, cert=cert, trust_env=trust_env, http2=http2, http1=http1
            )
        return self._ssl_context

    def _get_http1_ssl_context(self) -> Any:
        """The TLS context for what must speak HTTP/1.1 when the client offers HTTP/2 to
        servers (an https:// proxy, a WebSocket handshake): the same verification, ALPN
        offering HTTP/1.1 only. Built on first use."""
        if self._http1_ssl_context is None:
            verify, cert, trust_env, _, _ = self._ssl_context_args
            self._http1_ssl_context = create_ssl_context(
                verify=verify, cert=cert, trust_env=trust_env, http2=False, http1=True
            )
        return self._http1_ssl_context

    @staticmethod
    def _enforce_trailing_slash(url: URL) -> URL:
        if url.raw_path.endswith(b"/"):
            return url
        return url.copy_with(raw_path=url.raw_path + b"/")

    # Every setter invalidates the prepared requests: they were built from the old values.

    @property
    def headers(self) -> Headers:
        """The default headers of every request (changes made in place count too)."""
        return self._headers

    @headers.setter
    def headers(self, headers: HeaderTypes | None) -> None:
        client_headers = Headers(
            {
                "Accept": "*/*",
                "Accept-Encoding": accept_encoding_value(),
                "Connection": "keep-alive",
                "User-Agent": USER_AGENT,
            }
        )
        if headers is not None:
            client_headers.update(headers)
        self._headers = client_headers
        self._prepared.invalidate()

    @property
    def timeout(self) -> Timeout:
        return self._timeout

    @timeout.setter
    def timeout(self, timeout: TimeoutTypes) -> None:
        self._timeout = Timeout(timeout)
        self._timeout_dict = self._timeout.as_dict()  # shared, read-only, by every request
        self._prepared.invalidate()

    @property
    def base_url(self) -> URL:
        return self._base_url

    @base_url.setter
    def base_url(self, url: URL | str) -> None:
        self._base_url = self._enforce_trailing_slash(URL(url))
        self._prepared.invalidate()

    @property
    def cookies(self) -> Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: CookieTypes) -> None:
        self._cookies = Cookies(cookies)
        self._prepared.invalidate()

    @property
    def params(self) -> QueryParams:
        return self._params

    @params.setter
    def params(self, params: QueryParamTypes) -> None:
        self._params = QueryParams(params)
        self._prepared.invalidate()

    @property
    def auth(self) -> Auth | None:
        return self._auth

    @auth.setter
    def auth(self, auth: AuthTypes) -> None:
        self._auth = build_auth(auth)
        self._prepared.invalidate()

    @property
    def event_hooks(self) -> dict[str, list[Callable[..., Any]]]:
        return self._event_hooks

    @event_hooks.setter
    def event_hooks(self, event_hooks: Mapping[str, list[Callable[..., Any]]]) -> None:
        self._event_hooks = {
            "request": list(event_hooks.get("request", [])),
            "response": list(event_hooks.get("response", [])),
        }
        self._prepared.invalidate()

    @property
    def retry(self) -> Retry | None:
        """The retry policy of every request (None: failed tries are not retried)."""
        return self._retry

    @retry.setter
    def retry(self, retry: RetryTypes) -> None:
        self._retry = as_retry(retry)
        #: ``send`` looks at body limits and retry policy (``_send_policed``) only for a
        #: request with more extensions than this: 1 (the ``timeout`` every request carries)
        #: when the client has neither (only a request's own extensions can set them), 0
        #: when it has one (every request).
        self._policies_past = 1 if self._body_limits is None and self._retry is None else 0

    @property
    def transport(self) -> AsyncTransportType:
        return self._transport

    def _transport_for_url(self, url: URL) -> AsyncTransportType:
        """The transport ``mounts=`` gives ``url``, else the client's own."""
        if self._mounts is None:
            return self._transport
        return self._mounts.transport_for(url, self._transport)

    def _redirect_headers(self, request: Request, url: URL, method: str) -> Headers:
        """HTTPX's private name for what a redirect keeps of the headers (some tests and
        subclasses call it): see ``_redirects.redirect_headers``."""
        return redirect_headers(request, url, method)

    def _merge_url(self, url: URL | str) -> URL:
        """``url`` joined to ``base_url`` (RFC 3986 §5.2 would drop the base path: HTTPX's
        rule is to append, which users of ``base_url`` expect)."""
        if isinstance(url, URL):
            parsed = url
        elif isinstance(url, str):
            parsed = URL(url)
        else:
            raise TypeError(f"Invalid type for url. Expected str or URL, got {type(url)}")
        if parsed.is_relative_url and self._base_url.is_absolute_url:
            merge_raw_path = self._base_url.raw_path + parsed.raw_path.lstrip(b"/")
            return self._base_url.copy_with(raw_path=merge_raw_path)
        return parsed

    def build_request(
        self,
        method: str,
        url: URL | str,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any = None,
        params: QueryParamTypes = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes = None,
        timeout: TimeoutTypes | UnsetType = UNSET,
        extensions: dict[str, Any] | None = None,
    ) -> Request:
        """Build a ``Request`` with the client's defaults merged in, without sending it.

        A body-less request for a URL string with no per-request options (and no client
        cookies, which go in its headers as HTTPX puts them) comes from the client's prepared
        requests: built the general way the first time, then remembered."""
        method = method.upper()
        if (
            type(url) is str and content is None and data is None and files is None
            and json is None and params is None and headers is None and cookies is None
            and timeout is UNSET and extensions is None and not self._cookies
        ):
            # The generation and the headers' version are read before what they vouch for
            # (setters assign, then bump; edits change, then bump): an entry built while
            # another thread changes the client is remembered as out of date, never as new.
            prepared_requests = self._prepared
            generation = prepared_requests.generation
            client_headers = self._headers
            headers_version = client_headers.version
            prepared = prepared_requests.lookup(method, url, headers_version)
            if prepared is None:
                joined = self._merge_url(url)
                if self._params:
                    joined = joined.copy_merge_params(self._params)
                prepared = prepare(method, joined, client_headers, generation, headers_version)
                prepared_requests.remember(url, prepared)
            # Each request its own timeout dict: a hook may change it for that request only.
            return Request.prepared_without_body(
                prepared, {"timeout": self._timeout_dict.copy()}
            )
        merged_url = self._merge_url(url)
        if self._params or params is not None:
            merged_params = self._params.merge(params) if self._params else QueryParams(params)
            merged_url = merged_url.copy_merge_params(merged_params)
        if headers is None:
            merged_headers = self._headers
        else:
            merged_headers = self._headers.copy()
            merged_headers.update(headers)
        merged_cookies = None
        if cookies is not None or self._cookies:
            merged_cookies = Cookies(self._cookies)
            if cookies is not None:
                merged_cookies.update(Cookies(cookies))
        extensions = dict(extensions) if extensions else {}
        if "timeout" not in extensions:
            if timeout is UNSET:
                extensions["timeout"] = self._timeout_dict.copy()
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

    # -- sending -------------------------------------------------------------------------

    async def send(
        self,
        request: Request,
        *,
        stream: bool = False,
        auth: AuthTypes | UnsetType = UNSET,
        follow_redirects: bool | UnsetType = UNSET,
    ) -> Response:
        """Send a built request; with ``stream=True`` return as soon as the head arrived.

        The one door every request goes through. Nothing to do between request and response
        (no auth, no redirects to follow, no hooks): straight to the transport; else through
        ``_send_handling_auth``."""
        if not self._opened:
            if self.is_closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            self._opened = True
        if "timeout" not in request.extensions:  # a Request built by hand: the client's
            request.extensions["timeout"] = self._timeout_dict.copy()
        body = request.body
        if type(body) is not bytes and not isinstance(body, AsyncIterable):
            raise RuntimeError(
                f"Attempted to send a request whose body {type(self).__name__} cannot read: "
                f"{type(body).__name__} is not {AsyncIterable.__name__}."
            )
        follow = self.follow_redirects if follow_redirects is UNSET else follow_redirects
        auth_obj = self._auth if auth is UNSET else build_auth(auth)
        if auth_obj is None and request.url.has_userinfo:
            auth_obj = build_auth((request.url.username, request.url.password))
        if (
            auth_obj is None
            and not follow
            and not self._event_hooks["request"]
            and not self._event_hooks["response"]
        ):
            # The client's cookies are in the request already (``build_request``, as HTTPX);
            # the jar takes what the response sets.
            transport = self._transport if self._mounts is None else \
                self._transport_for_url(request.url)
            if len(request.extensions) > self._policies_past:
                response = await self._send_policed(transport, request, stream)
            else:
                response = await transport.handle_async_request(request)
                response.default_encoding = self._default_encoding
            try:
                if response.may_set_cookies:  # an empty jar still takes cookies (as HTTPX)
                    self._cookies.extract_cookies(response)
                if 300 <= response.status_code < 400 and response.has_redirect_location:
                    # Not followed: ready to send (``next_request``), as HTTPX; none when the
                    # redirect would resend a one-shot body already sent.
                    try:
                        response.next_request = build_redirect_request(
                            request, response, cookies=self._cookies
                        )
                    except StreamConsumed:
                        pass
            except BaseException:
                await response.aclose()
                raise
        else:
            response = await self._send_handling_auth(request, auth_obj, follow, [], stream)
        if not stream:
            try:
                if not response.read_if_complete():
                    await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response

    async def _send_handling_auth(
        self, request: Request, auth: Auth | None, follow: bool, history: list[Response],
        stream: bool,
    ) -> Response:
        if auth is None:
            return await self._send_handling_redirects(request, follow, history, stream)
        # As HTTPX: AsyncClient drives ``Auth.async_auth_flow``, Client ``sync_auth_flow``;
        # each reads the request body and the responses first when the Auth needs them.
        flow = auth.async_auth_flow(request)
        try:
            request = await flow.__anext__()
            while True:
                response = await self._send_handling_redirects(request, follow, history, stream)
                try:
                    try:
                        next_request = await flow.asend(response)
                    except StopAsyncIteration:
                        return response
                    check_body_replayable(next_request, request)
                    await response.aread()
                except BaseException:
                    await response.aclose()  # the flow failed on it: give its connection back
                    raise
                await response.aclose()
                response.history = list(history)
                history = history + [response]
                request = next_request
        finally:
            await flow.aclose()

    async def _send_handling_redirects(
        self, request: Request, follow: bool, history: list[Response], stream: bool
    ) -> Response:
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
            response = await self._send_policed(
                self._transport_for_url(request.url), request, stream
            )
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
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
            await response.aclose()
            history = history + [response]
            request = next_request

    async def _send_policed(
        self, transport: AsyncTransportType, request: Request, stream: bool
    ) -> Response:
        """One hop, under the body limits and retry policy that apply to ``request`` (the
        client's, or its own extensions). With a policy, every try of a request that is not
        streamed reads the body too, so an error half-way through it is retried as well."""
        extensions = request.extensions
        limits = body_limits_for(self._body_limits, extensions)
        policy = retry_for(self._retry, extensions)
        if policy is not None and not is_replayable(request.body):
            policy = None  # a one-shot body cannot be sent twice
        if policy is None:
            response = await transport.handle_async_request(request)
            response.default_encoding = self._default_encoding
            if limits is not None:
                response.limit_body(limits)
            return response
        tries = policy.start(request.method)
        while True:
            try:
                response = await transport.handle_async_request(request)
                response.default_encoding = self._default_encoding
                if limits is not None:
                    response.limit_body(limits)
                delay = tries.after_status(
                    response.status_code, response.headers.get("retry-after")
                )
                if delay is None and not stream:
                    try:
                        if not response.read_if_complete():
                            await response.aread()
                    except BaseException:
                        await response.aclose()
                        raise
            except TransportError as exc:
                delay = tries.after_error(exc)
                if delay is None:
                    tries.chain_failures(exc)
                    raise
                logger.debug("try %d of %s %s failed (%r): retrying in %.3f s",
                             tries.retries, request.method, request.url, exc, delay)
            else:
                if delay is None:
                    response.extensions["retries"] = tries.retries
                    return response
                await response.aclose()  # an unread body: its connection is discarded
                logger.debug("try %d of %s %s answered %d: retrying in %.3f s",
                             tries.retries, request.method, request.url,
                             response.status_code, delay)
            if delay > 0:
                await self._backend.sleep(delay)

    def request(
        self,
        method: str,
        url: URL | str,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any = None,
        params: QueryParamTypes = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes = None,
        auth: AuthTypes | UnsetType = UNSET,
        follow_redirects: bool | UnsetType = UNSET,
        timeout: TimeoutTypes | UnsetType = UNSET,
        extensions: dict[str, Any] | None = None,
        stream: bool = False,
        max_body_size: int | None | UnsetType = UNSET,
        max_decompression_ratio: float | None | UnsetType = UNSET,
        retry: RetryTypes | UnsetType = UNSET,
    ) -> Awaitable[Response]:
        """Build and send a request. With ``stream=True`` the body is left unread.
        ``max_body_size`` / ``max_decompression_ratio`` / ``retry`` override the client's for
        this request (None lifts the limit, or turns retries off); they travel as the
        request's extensions.

        Returns the coroutine of ``send()`` (awaited by the caller: one frame less on every
        request and every resume than an ``async def`` around it); an error in building the
        request is raised when that is awaited, as from an ``async def``."""
        if cookies is not None:
            warnings.warn(_PER_REQUEST_COOKIES, DeprecationWarning, stacklevel=2)
        if max_body_size is not UNSET or max_decompression_ratio is not UNSET or \
                retry is not UNSET:
            extensions = dict(extensions) if extensions else {}
            if max_body_size is not UNSET:
                extensions["max_body_size"] = max_body_size
            if max_decompression_ratio is not UNSET:
                extensions["max_decompression_ratio"] = max_decompression_ratio
            if retry is not UNSET:
                extensions["retry"] = retry  # checked when sent (``retry_for``)
        try:
            request = self.build_request(
                method, url, content=content, data=data, files=files, json=json,
                params=params, headers=headers, cookies=cookies, timeout=timeout,
                extensions=extensions,
            )
        except Exception as exc:
            return _raise_when_awaited(exc)
        return self.send(request, stream=stream, auth=auth, follow_redirects=follow_redirects)

    def get(self, url: Any, **kwargs: Any) -> Awaitable[Response]:
        """``GET url``; keywords as for ``request()``. (The verb helpers return what
        ``request()`` returns rather than awaiting it, and call it without ``**{}`` when
        there are no keywords: the same call, cheaper.)"""
        return self.request("GET", url, **kwargs) if kwargs else self.request("GET", url)

    def options(self, url: Any, **kwargs: Any) -> Awaitable[Response]:
        return self.request("OPTIONS", url, **kwargs) if kwargs else self.request("OPTIONS", url)

    def head(self, url: Any, **kwargs: Any) -> Awaitable[Response]:
        return self.request("HEAD", url, **kwargs) if kwargs else self.request("HEAD", url)

    def post(self, url: Any, **kwargs: Any) -> Awaitable[Response]:
        return self.request("POST", url, **kwargs) if kwargs else self.request("POST", url)

    def put(self, url: Any, **kwargs: Any) -> Awaitable[Response]:
        return self.request("PUT", url, **kwargs) if kwargs else self.request("PUT", url)

    def patch(self, url: Any, **kwargs: Any) -> Awaitable[Response]:
        return self.request("PATCH", url, **kwargs) if kwargs else self.request("PATCH", url)

    def delete(self, url: Any, **kwargs: Any) -> Awaitable[Response]:
        return self.request("DELETE", url, **kwargs) if kwargs else self.request("DELETE", url)

    @asynccontextmanager
    async def stream(self, method: str, url: Any, **kwargs: Any) -> AsyncIterator[Response]:
        """``async with client.stream("GET", url) as r:`` — the response is closed on exit."""
        kwargs["stream"] = True
        response = await self.request(method, url, **kwargs)
        try:
            yield response
        finally:
            await response.aclose()

    @asynccontextmanager
    async def sse(
        self,
        url: URL | str,
        *,
        method: str = "GET",
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any = None,
        params: QueryParamTypes = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes = None,
        auth: AuthTypes | UnsetType = UNSET,
        follow_redirects: bool | UnsetType = UNSET,
        timeout: TimeoutTypes | UnsetType = UNSET,
        extensions: dict[str, Any] | None = None,
        max_event_size: int | None = DEFAULT_MAX_EVENT_SIZE,
        reconnect: bool = False,
        max_reconnects: int = DEFAULT_MAX_RECONNECTS,
        retry_ms: int = DEFAULT_RETRY_MS,
    ) -> AsyncIterator[AsyncEventSource]:
        """``async with client.sse(url) as source: async for event in source:`` — server-sent
        events (``ServerSentEvent``), as httpx2's. Sends ``Accept: text/event-stream`` and
        ``Cache-Control: no-store``; the other keywords are ``request()``'s.
        ``max_event_size`` (bytes, None: no limit) bounds one event, and replaces the
        client's ``max_body_size`` for this endless body. ``reconnect=True``: when the stream
        ends or breaks, send the request again after the reconnection time (the server's
        ``retry``, else ``retry_ms``) with ``Last-Event-ID``, at most ``max_reconnects``
        times in a row without an event (see ``_async/sse.py``). The response is closed on
        exit."""
        request_kwargs: dict[str, Any] = {
            "content": content, "data": data, "files": files, "json": json, "params": params,
            "headers": sse_headers(headers), "cookies": cookies, "auth": auth,
            "follow_redirects": follow_redirects, "timeout": timeout, "extensions": extensions,
        }
        limits = self._body_limits
        if (limits is not None and limits.max_body_size is not None
                and "max_body_size" not in (extensions or ())):
            request_kwargs["max_body_size"] = None
        source = AsyncEventSource(
            self, method, url, request_kwargs, max_event_size=max_event_size,
            reconnect=reconnect, max_reconnects=max_reconnects, retry_ms=retry_ms,
        )
        await source.connect()
        try:
            yield source
        finally:
            await source.aclose()

    def websocket(
        self,
        url: URL | str,
        *,
        max_message_size_bytes: int | None = DEFAULT_MAX_MESSAGE_SIZE_BYTES,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        keepalive_ping_interval_seconds: float | None = DEFAULT_KEEPALIVE_PING_INTERVAL_SECONDS,
        keepalive_ping_timeout_seconds: float | None = DEFAULT_KEEPALIVE_PING_TIMEOUT_SECONDS,
        close_timeout_seconds: float | None = DEFAULT_CLOSE_TIMEOUT_SECONDS,
        subprotocols: Sequence[str] | None = None,
        compression: str | None = "deflate",
        params: QueryParamTypes = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes = None,
        auth: AuthTypes | UnsetType = UNSET,
        follow_redirects: bool | UnsetType = UNSET,
        timeout: TimeoutTypes | UnsetType = UNSET,
        extensions: dict[str, Any] | None = None,
    ) -> AbstractAsyncContextManager[AsyncWebSocketSession]:
        """``async with client.websocket("wss://...") as ws:`` — a WebSocket session (RFC
        6455) over one of this client's connections, closed when the block ends (see
        ``websocket.py``; needs ``pip install fasthttpx[ws]``).

        As HTTPX-WS's: ``max_message_size_bytes`` (a bigger message closes the session with
        1009; None: no limit), ``queue_size`` (messages read ahead by the keepalive task
        before it stops reading), ``keepalive_ping_interval_seconds`` /
        ``keepalive_ping_timeout_seconds`` (None: no keepalive / no deadline for its pong),
        ``subprotocols`` offered; beyond it: ``close_timeout_seconds`` (how long closing
        waits for the server's close frame) and ``compression`` (``"deflate"`` offers
        permessage-deflate, RFC 7692; None does not). The rest applies to the handshake
        request as to any request. ``ws://``/``wss://`` URLs (or ``http://``/``https://``)."""
        from .websocket import connect_websocket

        return connect_websocket(
            self, url,
            max_message_size_bytes=max_message_size_bytes,
            queue_size=queue_size,
            keepalive_ping_interval_seconds=keepalive_ping_interval_seconds,
            keepalive_ping_timeout_seconds=keepalive_ping_timeout_seconds,
            close_timeout_seconds=close_timeout_seconds,
            subprotocols=subprotocols,
            compression=compression,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

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
            self._opened = False
            self._prepared.invalidate()  # default headers may hold secrets: drop them now
            await self._transport.aclose()
            for transport in self._mounted_transports():
                await transport.aclose()

    def _mounted_transports(self) -> list[AsyncTransportType]:
        return [] if self._mounts is None else self._mounts.transports()

    async def __aenter__(self) -> AsyncClient:
        if self.is_closed:
            raise RuntimeError("Cannot reopen a client instance, once it has been closed.")
        if self._opened:
            raise RuntimeError("Cannot open a client instance more than once.")
        self._backend.check_running()
        self._opened = True
        # A transport used as a context manager is entered with its client (as HTTPX).
        for transport in [self._transport, *self._mounted_transports()]:
            enter = getattr(transport, "__aenter__", None)
            if enter is not None:
                await enter()
        return self

    async def __aexit__(self, *args: object) -> None:
        if self.is_closed:
            return
        self.is_closed = True
        self._opened = False
        self._prepared.invalidate()
        for transport in [self._transport, *self._mounted_transports()]:
            leave = getattr(transport, "__aexit__", None)
            if leave is not None:
                await leave(*args)
            else:
                await transport.aclose()


async def _raise_when_awaited(exc: Exception) -> Response:
    """Re-raise ``request()``'s error where the caller takes the response: for the async
    client on ``await``, as a coroutine function would."""
    raise exc
