"""Build the request that follows a redirect response (RFC 9110 §15.4), without I/O.

The client loop sends a request, and when the response ``has_redirect_location`` and
redirects are followed, asks ``build_redirect_request`` for the next one:

* method: 303 → GET (HEAD stays HEAD, §15.4.4); 302 and 301 → GET for a POST, 302 for any
  method but HEAD as browsers and HTTPX do (§15.4.2-3 allow it); 307/308 keep method and body
  (§15.4.8-9), so the body must be replayable bytes or a rewindable stream;
* URL: ``Location`` resolved against the request URL (§10.2.2, RFC 3986 §5.2); the request's
  fragment is kept when the Location has none (§10.2.2);
* headers: body headers dropped when the method changes; ``Authorization`` dropped when the
  origin changes, except an http → https upgrade of the same host on default ports; ``Cookie``
  rebuilt from the client's jar for the new URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._content import is_replayable
from ._exceptions import (
    InvalidURL,
    RemoteProtocolError,
    StreamConsumed,
    UnsupportedProtocol,
)
from ._models import Headers, Request, RequestBody
from ._urls import URL

if TYPE_CHECKING:
    from ._models import BaseResponse

__all__ = ["build_redirect_request", "redirect_method", "SUPPORTED_SCHEMES"]

#: Schemes a redirect may go to.
SUPPORTED_SCHEMES = frozenset({"http", "https"})

_BODY_HEADERS = (
    "Content-Length", "Transfer-Encoding", "Content-Type", "Content-Encoding",
    "Content-Language", "Content-Location",
)


def redirect_method(method: str, status_code: int) -> str:
    """The method of the request that follows a ``status_code`` redirect of ``method``."""
    if status_code == 303 and method != "HEAD":
        return "GET"
    if status_code == 302 and method != "HEAD":
        return "GET"
    if status_code == 301 and method == "POST":
        return "GET"
    return method


def _redirect_url(request: Request, response: BaseResponse) -> URL:
    location = response.headers["Location"]
    try:
        url = URL(location)
    except InvalidURL as exc:
        raise RemoteProtocolError(
            f"Invalid URL in location header: {exc}.", request=request
        ) from exc
    if url.scheme and not url.host:
        # "http:/path" style Location (absolute, no host): keep our host.
        url = url.copy_with(host=request.url.host)
    if url.is_relative_url:
        url = request.url.join(url)
    if request.url.fragment and not url.fragment:
        url = url.copy_with(fragment=request.url.fragment)
    if url.scheme not in SUPPORTED_SCHEMES:
        raise UnsupportedProtocol(f"Scheme {url.scheme!r} not supported.", request=request)
    return url


def _is_https_upgrade(old: URL, new: URL) -> bool:
    return (
        old.scheme == "http"
        and new.scheme == "https"
        and old.raw_host == new.raw_host
        and old.port in (80, None)
        and new.port in (443, None)
    )


def redirect_headers(request: Request, url: URL, method: str) -> Headers:
    """The headers of the request that follows ``request`` to ``url`` with ``method``:
    ``Authorization`` dropped on a change of origin (unless an upgrade to https of the same
    host), ``Host`` for the new origin, no ``Cookie`` (the client's jar decides), and no body
    headers when the method changes (RFC 9110 §15.4: the new request has no content)."""
    headers = Headers(request.headers)
    if url.origin != request.url.origin:
        if not _is_https_upgrade(request.url, url):
            headers.pop("Authorization", None)
        headers["Host"] = url.netloc.decode("ascii")
    if "Cookie" in headers:
        del headers["Cookie"]
    if method != request.method:
        for name in _BODY_HEADERS:
            if name in headers:
                del headers[name]
    return headers


def build_redirect_request(
    request: Request, response: BaseResponse, *, cookies: Any = None
) -> Request:
    """The request to send after ``response`` redirected ``request`` (see module docstring)."""
    method = redirect_method(request.method, response.status_code)
    url = _redirect_url(request, response)
    headers = redirect_headers(request, url, method)
    stream: RequestBody
    if method != request.method:
        stream = b""
    else:
        stream = request.body
        if not is_replayable(stream):
            raise StreamConsumed(
                f"Cannot follow a {response.status_code} redirect that keeps the method: the "
                "request body was a one-shot stream and cannot be sent again. Send bytes, or "
                "call request.read() first."
            )

    return Request(
        method=method,
        url=url,
        headers=headers,
        cookies=cookies,
        stream=stream,
        extensions=request.extensions,
    )

