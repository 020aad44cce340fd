"""Cookies: a ``MutableMapping`` view over the stdlib ``http.cookiejar.CookieJar``.

The jar implements the cookie rules (RFC 6265: domain and path matching, expiry, Set-Cookie
parsing); this module adapts our ``Request``/``Response`` to the urllib-shaped objects the jar
expects: a request that reports its URL/headers and receives the ``Cookie`` header
(``add_unredirected_header``), and a response whose ``info().get_all("Set-Cookie")`` lists
the received fields. It imports the models for typing only, so ``_models`` can import it.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator, Mapping, MutableMapping
from http.cookiejar import Cookie, CookieJar
from typing import TYPE_CHECKING, Any

from ._exceptions import CookieConflict

if TYPE_CHECKING:
    from ._models import BaseResponse, Request

__all__ = ["Cookies", "CookieTypes"]


class _RequestAdapter(urllib.request.Request):
    """What ``CookieJar`` needs from a request; the Cookie header lands on ours."""

    def __init__(self, request: Request) -> None:
        super().__init__(
            url=str(request.url),
            headers=dict(request.headers.items()),
            method=request.method,
        )
        self._request = request

    def add_unredirected_header(self, key: str, header: str) -> None:
        super().add_unredirected_header(key, header)
        self._request.headers[key] = header


class _Info:
    __slots__ = ("_response",)

    def __init__(self, response: BaseResponse) -> None:
        self._response = response

    def get_all(self, name: str, default: list[str] | None = None) -> list[str]:
        values = self._response.headers.get_list(name)
        return values if values else (default if default is not None else [])


class _ResponseAdapter:
    def __init__(self, response: BaseResponse) -> None:
        self._info = _Info(response)

    def info(self) -> _Info:
        return self._info


class Cookies(MutableMapping[str, str]):
    """HTTP cookies, as a mutable mapping of name → value over a ``CookieJar``."""

    def __init__(self, cookies: Any = None) -> None:
        if cookies is None or isinstance(cookies, Mapping) and not isinstance(cookies, Cookies):
            self.jar = CookieJar()
            if cookies:
                for key, value in cookies.items():
                    self.set(key, value)
        elif isinstance(cookies, Cookies):
            self.jar = CookieJar()
            for cookie in cookies.jar:
                self.jar.set_cookie(cookie)
        elif isinstance(cookies, CookieJar):
            self.jar = cookies
        else:
            self.jar = CookieJar()
            for key, value in cookies:
                self.set(key, value)

    def extract_cookies(self, response: BaseResponse) -> None:
        """Store the cookies a response sets (its Set-Cookie fields, for its request's URL)."""
        if "set-cookie" not in response.headers:
            return
        self.jar.extract_cookies(
            _ResponseAdapter(response),  # type: ignore[arg-type]
            _RequestAdapter(response.request),
        )

    def set_cookie_header(self, request: Request) -> None:
        """Set the ``Cookie`` header on ``request`` from the cookies that match its URL."""
        if not len(self.jar):
            return
        self.jar.add_cookie_header(_RequestAdapter(request))

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        cookie = Cookie(
            version=0, name=name, value=value, port=None, port_specified=False,
            domain=domain, domain_specified=bool(domain),
            domain_initial_dot=domain.startswith("."), path=path, path_specified=bool(path),
            secure=False, expires=None, discard=True, comment=None, comment_url=None,
            rest={"HttpOnly": None},  # type: ignore[dict-item]
            rfc2109=False,
        )
        self.jar.set_cookie(cookie)

    def get(  # type: ignore[override]
        self, name: str, default: str | None = None, domain: str | None = None,
        path: str | None = None,
    ) -> str | None:
        value = None
        for cookie in self.jar:
            if cookie.name == name and (domain is None or cookie.domain == domain) and (
                path is None or cookie.path == path
            ):
                if value is not None:
                    raise CookieConflict(f"Multiple cookies exist with name={name}")
                value = cookie.value
        return default if value is None else value

    def delete(self, name: str, domain: str | None = None, path: str | None = None) -> None:
        if domain is not None and path is not None:
            self.jar.clear(domain, path, name)
            return
        remove = [
            c for c in self.jar
            if c.name == name and (domain is None or c.domain == domain)
            and (path is None or c.path == path)
        ]
        for c in remove:
            self.jar.clear(c.domain, c.path, c.name)

    def clear(self, domain: str | None = None, path: str | None = None) -> None:
        if path is not None and domain is None:
            raise ValueError("Clearing cookies by path needs a domain too.")
        if domain is None:
            self.jar.clear()
        elif path is None:
            self.jar.clear(domain)
        else:
            self.jar.clear(domain, path)

    def update(self, cookies: Any = None) -> None:  # type: ignore[override]
        for cookie in Cookies(cookies).jar:
            self.jar.set_cookie(cookie)

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __delitem__(self, name: str) -> None:
        if self.get(name) is None:
            raise KeyError(name)
        self.delete(name)

    def __len__(self) -> int:
        return len(self.jar)

    def __iter__(self) -> Iterator[str]:
        return (cookie.name for cookie in self.jar)

    def __bool__(self) -> bool:
        # CookieJar keeps {domain: {path: {name: cookie}}}; an empty dict is the common case
        # and answers without walking the jar (this runs for every request).
        if not getattr(self.jar, "_cookies", True):
            return False
        return any(True for _ in self.jar)

    def __repr__(self) -> str:
        inner = ", ".join(
            f"<Cookie {c.name}={c.value} for {c.domain} />" for c in self.jar
        )
        return f"<Cookies[{inner}]>"


#: What ``cookies=`` takes: a ``Cookies``, a ``CookieJar``, a mapping or (name, value) pairs.
CookieTypes = Cookies | CookieJar | Mapping[str, str] | list[tuple[str, str]] | None
