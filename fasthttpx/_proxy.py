"""Which proxy, if any, carries a request, and the bytes a proxied exchange adds. No I/O.

A client is configured with one ``proxy=`` (used for every request) or, with
``trust_env=True`` and no ``proxy=``, with the environment as HTTPX reads it:
``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` (lower-case names win over upper-case ones;
a value without ``://`` means ``http://``; upper-case ``HTTP_PROXY`` is ignored when
``REQUEST_METHOD`` is set, i.e. inside a CGI script, where a client's ``Proxy:`` header would
arrive as ``HTTP_PROXY``: "httpoxy") and ``NO_PROXY``, a comma-separated list of:

* ``*``: no proxy for anything;
* ``host`` (``example.com``): that host and its subdomains; ``.example.com`` or
  ``*.example.com``: subdomains only; ``localhost``: exactly that;
* an IP address (``127.0.0.1``, ``::1``, ``[::1]``) or an IPv4/IPv6 network
  (``10.0.0.0/8``): hosts written as such addresses;
* any of those with ``:port``: only that port; ``scheme://host[:port]``: only that scheme.

``ProxyRouter`` holds these rules as HTTPX's URL patterns do (the most specific wins: a rule
with a port before one without, a longer host before a shorter one, ``https://`` before
``all://``) and answers, for an origin, ``None`` (connect directly) or a ``Route``:

* ``http://`` targets go **forward** (RFC 9112 §3.2.2): the request is sent to the proxy with an
  absolute-form target and the proxy's headers (``Proxy-Authorization``, RFC 9110 §11.7.1);
  connections to the proxy are pooled under ``Route.key``, one key per proxy, shared by all
  ``http://`` origins;
* an ``https://`` proxy URL means TLS with the proxy itself (verified like origins, with the
  client's ``verify=``), under either kind of route;
* ``https://`` targets go through a **tunnel** (RFC 9110 §9.3.6): ``CONNECT host:port`` in
  authority-form (RFC 9112 §3.2.3), then TLS with the target inside it; such connections are
  pooled under the target's origin. So does a request to an ``http://`` target that switches
  protocols (a WebSocket handshake, RFC 6455 §4.1), without the TLS.
* ``socks5://`` and ``socks5h://`` proxies (RFC 1928, with RFC 1929 username/password) carry
  every target through a tunnel opened by the SOCKS handshake (``Socks5Handshake``, over
  the sans-I/O ``socksio``: ``pip install fasthttpx[socks]``); ``socks5h`` lets the proxy
  resolve the host name, ``socks5`` resolves it here and sends the address. Such tunnels are
  pooled under the target's origin, like CONNECT tunnels.

The pool asks once per origin and caches the answer; a client without proxies never asks.
"""

from __future__ import annotations

import base64
import ipaddress
import os
from collections.abc import Container, Mapping
from typing import Any

from ._config import Proxy, ProxyTypes
from ._exceptions import ProxyError
from ._urls import URL

__all__ = [
    "ProxyRouter", "Route", "NoProxyRule", "environment_proxies", "parse_no_proxy",
    "build_router", "basic_proxy_authorization", "absolute_form", "build_connect_head",
    "FORWARD_SCHEME", "SOCKS_SCHEMES", "Socks5Handshake", "load_socksio",
]

Origin = tuple[str, bytes, int]

#: The scheme part of a pool key for connections to a forward proxy: never a URL scheme, so
#: these connections are never mistaken for direct connections to the proxy's host.
FORWARD_SCHEME = "proxy+http"

_FORBIDDEN = (b"\r", b"\n", b"\0")

#: Proxy URL schemes spoken with the SOCKS5 handshake rather than HTTP.
SOCKS_SCHEMES = ("socks5", "socks5h")

#: The port of a SOCKS proxy URL that names none (RFC 1928 §3: "conventionally ... 1080").
DEFAULT_SOCKS_PORT = 1080


def basic_proxy_authorization(username: bytes, password: bytes) -> bytes:
    """The ``Proxy-Authorization`` value for Basic credentials (RFC 7617 §2: base64 of
    ``user-id ":" password``, UTF-8)."""
    return b"Basic " + base64.b64encode(username + b":" + password)


def _authority(host: bytes, port: int) -> bytes:
    """``host:port`` as in authority-form (RFC 9112 §3.2.3); IPv6 literals in brackets."""
    if b":" in host:
        return b"[%s]:%d" % (host, port)
    return b"%s:%d" % (host, port)


def absolute_form(url: URL) -> bytes:
    """The request-target for a forward proxy (RFC 9112 §3.2.2): scheme, authority, path and
    query; never userinfo or fragment."""
    return b"%s://%s%s" % (url.raw_scheme, url.netloc, url.raw_path)


def _header_lines(fields: list[tuple[bytes, bytes]]) -> bytes:
    for name, value in fields:
        for part in (name, value):
            if any(char in part for char in _FORBIDDEN) or b":" in name or not name:
                raise ValueError(f"invalid proxy header {name!r}: {value!r}")
    return b"".join(b"%s: %s\r\n" % (name, value) for name, value in fields)


def build_connect_head(host: bytes, port: int, fields: list[tuple[bytes, bytes]]) -> bytes:
    """The CONNECT request head (RFC 9110 §9.3.6; authority-form target, RFC 9112 §3.2.3;
    ``Host`` is the same authority, RFC 9112 §3.2)."""
    authority = _authority(host, port)
    return b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (
        authority, authority, _header_lines(fields)
    )


def _proxy_fields(proxy: Proxy) -> list[tuple[bytes, bytes]]:
    """The header fields sent to ``proxy``: its own headers, then Proxy-Authorization from its
    credentials unless the headers already hold one."""
    fields = list(proxy.headers.raw)
    raw_auth = proxy.raw_auth
    if raw_auth is not None and "proxy-authorization" not in proxy.headers:
        fields.append((b"Proxy-Authorization", basic_proxy_authorization(*raw_auth)))
    return fields


class Route:
    """How to reach one origin through ``proxy``: forward (``tunnel`` False) or tunnel.

    ``key`` is the pool key of its connections; ``proxy_host``/``proxy_port`` where to open
    TCP; for a forward route, ``fields`` (the header lines to add to each request, and the
    lower-cased names in ``field_names`` so that a request's own value wins) and ``count``;
    for a tunnel, ``connect_head``, the CONNECT request to send.
    """

    __slots__ = ("proxy", "tunnel", "socks", "key", "target", "proxy_host", "proxy_port",
                 "fields", "field_names", "count", "connect_head")

    def __init__(self, proxy: Proxy, target: Origin, tunnel: bool = False) -> None:
        self.proxy = proxy
        self.target = target
        scheme, host, port = target
        proxy_origin = proxy.url.origin
        self.proxy_host = proxy_origin[1].decode("ascii")
        #: A SOCKS proxy: every target through a tunnel its handshake opens.
        self.socks = proxy.url.scheme in SOCKS_SCHEMES
        self.proxy_port = proxy_origin[2] or (DEFAULT_SOCKS_PORT if self.socks else 0)
        fields = [] if self.socks else _proxy_fields(proxy)
        #: ``tunnel``: asked for (an ``http://`` target switching protocols: RFC 6455 §4.1).
        self.tunnel = scheme == "https" or self.socks or tunnel
        if self.tunnel:
            self.key = target
            self.connect_head = b"" if self.socks else build_connect_head(host, port, fields)
            self.fields = b""
            self.field_names: tuple[str, ...] = ()
            self.count = 0
        else:
            self.key = (FORWARD_SCHEME, proxy_origin[1], proxy_origin[2])
            self.connect_head = b""
            self.fields = _header_lines(fields)
            self.field_names = tuple(name.decode("latin-1").lower() for name, _ in fields)
            self.count = len(fields)

    def fields_for(self, request_headers: Container[str]) -> tuple[bytes, int]:
        """The proxy header lines to add to a forwarded request (those the request does not
        set itself) and their number."""
        names = self.field_names
        if not names or not any(name in request_headers for name in names):
            return self.fields, self.count
        proxy = self.proxy
        fields = [f for f in _proxy_fields(proxy)
                  if f[0].decode("latin-1").lower() not in request_headers]
        return _header_lines(fields), len(fields)

    def as_tunnel(self) -> Route:
        """This route's proxy reached by a CONNECT tunnel even for an ``http://`` target."""
        return self if self.tunnel else Route(self.proxy, self.target, tunnel=True)

    def __repr__(self) -> str:
        how = "socks" if self.socks else "tunnel" if self.tunnel else "forward"
        return f"<Route {how} via {self.proxy.url} to {self.target!r}>"


class NoProxyRule:
    """One pattern of a proxy map: scheme (``""`` any), host pattern and port (None any).

    Host kinds: ``"any"``; ``"exact"``; ``"domain"`` (the host or any subdomain);
    ``"subdomain"`` (subdomains only); ``"network"`` (an IP address host inside a network).
    """

    __slots__ = ("scheme", "kind", "host", "network", "port", "pattern")

    def __init__(self, scheme: str, kind: str, host: str, port: int | None,
                 network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None,
                 pattern: str = "") -> None:
        self.scheme = scheme
        self.kind = kind
        self.host = host
        self.port = port
        self.network = network
        self.pattern = pattern

    def matches(self, scheme: str, host: str, port: int) -> bool:
        if self.scheme and self.scheme != scheme:
            return False
        if self.port is not None and self.port != port:
            return False
        kind = self.kind
        if kind == "any":
            return True
        if kind == "exact":
            return host == self.host
        if kind == "domain":
            return host == self.host or host.endswith("." + self.host)
        if kind == "subdomain":
            return host.endswith("." + self.host)
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        assert self.network is not None
        return address.version == self.network.version and address in self.network

    @property
    def priority(self) -> tuple[int, int, int]:
        """Sort key, most specific first (as HTTPX orders its mount patterns): a port before
        none, then the longer host, then the longer scheme."""
        host_length = len(self.host) + (1 if self.kind == "domain" else 0)
        return (0 if self.port is not None else 1, -host_length, -len(self.scheme))

    def __repr__(self) -> str:
        return f"NoProxyRule({self.pattern!r})"


def _parse_host_port(text: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            return host, int(rest[1:])
        return host, None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        if port.isdigit():
            return host, int(port)
    return text, None


def _rule(entry: str) -> NoProxyRule | None:
    """One ``NO_PROXY`` entry as a rule; None for ``*`` (handled by the caller) or empty."""
    pattern = entry
    scheme = ""
    if "://" in entry:
        scheme, _, entry = entry.partition("://")
        scheme = "" if scheme.lower() == "all" else scheme.lower()
        entry = entry.rstrip("/")
    host, port = _parse_host_port(entry.strip())
    host = host.lower().rstrip(".")
    if not host or host == "*":
        return NoProxyRule(scheme, "any", "", port, pattern=pattern)
    try:
        network = ipaddress.ip_network(host, strict=False)
    except ValueError:
        pass
    else:  # an address is a network of one: any spelling of it matches
        return NoProxyRule(scheme, "network", host, port, network, pattern=pattern)
    if host.startswith("*."):
        return NoProxyRule(scheme, "subdomain", host[2:], port, pattern=pattern)
    if host.startswith("."):
        return NoProxyRule(scheme, "subdomain", host[1:], port, pattern=pattern)
    if host.startswith("*"):
        host = host[1:]
    if host == "localhost" or scheme:
        return NoProxyRule(scheme, "exact", host, port, pattern=pattern)
    return NoProxyRule(scheme, "domain", _to_ascii(host), port, pattern=pattern)


def _to_ascii(host: str) -> str:
    """Hosts are compared in their ASCII (IDNA A-label) form, as the URL's origin holds them."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def parse_no_proxy(value: str) -> list[NoProxyRule] | None:
    """The rules of a ``NO_PROXY`` value; None when it says ``*`` (no proxy at all)."""
    rules = []
    for entry in value.split(","):
        entry = entry.strip()
        if entry == "*":
            return None
        if entry:
            rule = _rule(entry)
            if rule is not None:
                rules.append(rule)
    return rules


def _env(environ: Mapping[str, str], name: str) -> str:
    """The lower-case variable if set, else the upper-case one (as urllib, curl and HTTPX)."""
    value = environ.get(name.lower())
    if value:
        return value
    if name == "HTTP_PROXY" and "REQUEST_METHOD" in environ:
        return ""  # httpoxy: under CGI, HTTP_PROXY may come from a request's Proxy header
    return environ.get(name, "")


def environment_proxies(
    environ: Mapping[str, str] | None = None,
) -> list[tuple[NoProxyRule, Proxy | None]]:
    """The proxy map the environment defines, as (rule, proxy or None for "direct") pairs,
    most specific first."""
    if environ is None:
        environ = os.environ
    no_proxy = parse_no_proxy(_env(environ, "NO_PROXY"))
    if no_proxy is None:
        return []
    # NO_PROXY rules first: the sort is stable, so on a tie "direct" wins.
    entries: list[tuple[NoProxyRule, Proxy | None]] = [(rule, None) for rule in no_proxy]
    proxies = 0
    for scheme in ("http", "https", "all"):
        value = _env(environ, f"{scheme.upper()}_PROXY").strip()
        if value:
            url = value if "://" in value else f"http://{value}"
            rule = NoProxyRule("" if scheme == "all" else scheme, "any", "", None,
                               pattern=f"{scheme}://")
            entries.append((rule, Proxy(url)))
            proxies += 1
    if not proxies:
        return []
    entries.sort(key=lambda entry: entry[0].priority)
    return entries


class ProxyRouter:
    """Answers "which proxy for this origin" from an ordered proxy map (first match wins).

    Built once per client; every proxy it may return is checked here, so an unusable one
    fails at client construction rather than at the first request."""

    def __init__(self, entries: list[tuple[NoProxyRule, Proxy | None]]) -> None:
        for _, proxy in entries:
            if proxy is not None:
                _check_usable(proxy)
        self.entries = entries

    def proxy_for(self, origin: Origin) -> Proxy | None:
        scheme, raw_host, port = origin
        host = raw_host.decode("ascii")
        for rule, proxy in self.entries:
            if rule.matches(scheme, host, port):
                return proxy
        return None

    def route(self, origin: Origin) -> Route | None:
        """How to reach ``origin``: None for a direct connection."""
        proxy = self.proxy_for(origin)
        return None if proxy is None else Route(proxy, origin)

    def __repr__(self) -> str:
        return f"ProxyRouter({self.entries!r})"


def load_socksio() -> Any:
    """The ``socksio`` module; an ImportError naming the extra when it is missing."""
    try:
        import socksio
    except ImportError as exc:
        raise ImportError(
            "SOCKS proxies need the 'socksio' package: pip install fasthttpx[socks]"
        ) from exc
    return socksio


def _check_usable(proxy: Proxy) -> None:
    scheme = proxy.url.scheme
    if scheme in SOCKS_SCHEMES:
        load_socksio()
        return
    if scheme not in ("http", "https"):
        raise NotImplementedError(f"{scheme} proxies are not supported: {proxy.url}")


def build_router(
    proxy: ProxyTypes | None, trust_env: bool, environ: Mapping[str, str] | None = None
) -> ProxyRouter | None:
    """The client's router: ``proxy`` (a URL string, ``URL`` or ``Proxy``) for everything;
    else the environment's proxies when ``trust_env``; None when no request uses a proxy."""
    if proxy is not None:
        if not isinstance(proxy, Proxy):
            if not isinstance(proxy, (str, URL)):
                raise TypeError(
                    f"proxy must be a URL string, a URL or a Proxy, not {type(proxy).__name__}"
                )
            proxy = Proxy(proxy)
        return ProxyRouter([(NoProxyRule("", "any", "", None, pattern="all://"), proxy)])
    if not trust_env:
        return None
    entries = environment_proxies(environ)
    return ProxyRouter(entries) if entries else None


class Socks5Handshake:
    """The client's side of a SOCKS5 handshake (RFC 1928), framed here, encoded by
    ``socksio``; no I/O. The shell sends ``start()``, then feeds ``receive(data)`` what it
    reads and sends what that returns, until ``done``; a refusal, an unknown answer or a
    close (``receive(b"")``) is a ``ProxyError`` naming ``step``.

    Steps: ``"greeting"`` (the authentication methods we offer: none, or username/password
    when the proxy URL has credentials, RFC 1929), ``"authentication"``, ``"connect"`` (the
    CONNECT command with the target: a domain name, or for ``socks5://`` the address the
    caller resolved). socksio parses whole messages only, so each answer is framed here by
    its length (RFC 1928 §3 and §6: the reply's length follows from its address type).
    """

    def __init__(
        self,
        proxy_url: URL,
        target: tuple[str, int],
        credentials: tuple[bytes, bytes] | None,
    ) -> None:
        self._socksio = load_socksio()
        self._proxy_url = proxy_url
        self._target = target
        self._credentials = credentials
        self._conn = self._socksio.SOCKS5Connection()
        self._buffer = b""
        self.step = "greeting"
        self.done = False

    def _error(self, message: str) -> Exception:
        return ProxyError(f"SOCKS5 proxy {self._proxy_url}, {self.step} step: {message}")

    def start(self) -> bytes:
        """The greeting: the authentication methods offered."""
        methods = [self._socksio.SOCKS5AuthMethod.NO_AUTH_REQUIRED]
        if self._credentials is not None:
            methods.append(self._socksio.SOCKS5AuthMethod.USERNAME_PASSWORD)
        self._conn.send(self._socksio.SOCKS5AuthMethodsRequest(methods))
        data: bytes = self._conn.data_to_send()
        return data

    def _command(self) -> bytes:
        self.step = "connect"
        host, port = self._target
        try:
            request = self._socksio.SOCKS5CommandRequest.from_address(
                self._socksio.SOCKS5Command.CONNECT, (host, port)
            )
        except (self._socksio.SOCKSError, ValueError) as exc:
            raise self._error(f"cannot encode the target {host}:{port}: {exc}") from exc
        self._conn.send(request)
        data: bytes = self._conn.data_to_send()
        return data

    def _take(self, size: int) -> bytes | None:
        if len(self._buffer) < size:
            return None
        message, self._buffer = self._buffer[:size], self._buffer[size:]
        return message

    def _reply_size(self) -> int | None:
        """The length of the CONNECT reply (RFC 1928 §6), once enough of it arrived."""
        buffer = self._buffer
        if len(buffer) < 5:
            return None
        if buffer[0] != 5:
            raise self._error(f"not a SOCKS5 reply: {buffer[:5]!r}")
        address_type = buffer[3]
        if address_type == 1:
            return 10
        if address_type == 4:
            return 22
        if address_type == 3:
            return 7 + buffer[4]
        raise self._error(f"unknown address type {address_type} in the reply")

    def receive(self, data: bytes) -> bytes:
        """Bytes received (``b""``: the proxy closed); returns what to send next."""
        if not data:
            raise self._error("the proxy closed the connection")
        if self.done:
            raise self._error("bytes after the proxy's reply")
        self._buffer += data
        socksio = self._socksio
        if self.step == "greeting":
            message = self._take(2)
            if message is None:
                return b""
            if message[0] != 5:
                raise self._error(f"not a SOCKS5 answer: {message!r}")
            if message[1:] == b"\xff":
                raise self._error("the proxy accepted none of the authentication "
                                  "methods offered" + (" (credentials are needed?)"
                                                       if self._credentials is None else ""))
            try:
                reply = self._conn.receive_data(message)
            except socksio.SOCKSError as exc:
                raise self._error(f"unexpected answer {message!r}") from exc
            method = reply.method
            if method == socksio.SOCKS5AuthMethod.USERNAME_PASSWORD:
                if self._credentials is None:
                    raise self._error("the proxy asks for a username and password, "
                                      "and the proxy URL has none")
                self.step = "authentication"
                username, password = self._credentials
                if len(username) > 255 or len(password) > 255:
                    raise self._error("username and password are limited to 255 bytes "
                                      "each (RFC 1929 §2)")
                self._conn.send(socksio.SOCKS5UsernamePasswordRequest(username, password))
                return self._send_checked()
            if method != socksio.SOCKS5AuthMethod.NO_AUTH_REQUIRED:
                raise self._error(f"the proxy chose a method not offered: {method.name}")
            return self._command() + self._more()
        if self.step == "authentication":
            message = self._take(2)
            if message is None:
                return b""
            reply = self._conn.receive_data(message)
            if not reply.success:
                raise self._error("the proxy rejected the username and password")
            return self._command() + self._more()
        size = self._reply_size()
        if size is None:
            return b""
        message = self._take(size)
        if message is None:
            return b""
        try:
            reply = self._conn.receive_data(message)
        except socksio.SOCKSError as exc:
            raise self._error(f"malformed reply {message!r}") from exc
        if reply.reply_code != socksio.SOCKS5ReplyCode.SUCCEEDED:
            host, port = self._target
            reason = reply.reply_code.name.replace("_", " ").lower()
            raise self._error(f"the proxy refused to connect to {host}:{port}: {reason}")
        if self._buffer:
            raise self._error("bytes after the proxy's reply")
        self.done = True
        return b""

    def _send_checked(self) -> bytes:
        data: bytes = self._conn.data_to_send()
        return data + self._more()

    def _more(self) -> bytes:
        """An early answer already buffered is an error: the proxy must wait for us."""
        if self._buffer:
            raise self._error(f"unexpected bytes before our request: {self._buffer[:16]!r}")
        return b""
