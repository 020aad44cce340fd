"""Client configuration values: timeouts, pool limits, redirects and the TLS context.

``Timeout`` and ``Limits`` are small immutable-by-convention value objects with the HTTPX
constructor forms. ``create_ssl_context`` builds the one ``ssl.SSLContext`` a client uses for
all its connections (building one costs milliseconds, so the client caches it): verification
on against certifi's bundle by default, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when
``trust_env`` and they name an existing file / directory; TLS 1.2 at least (RFC 9113 §9.2
requires it for HTTP/2, and RFC 8996 deprecates older versions), compression off (CRIME), ALPN
offering ``h2`` only when HTTP/2 is enabled (RFC 7301). ``Proxy`` is the configuration of one
proxy (URL, credentials, extra headers), as HTTPX's; what the client does with it is in
``_proxy.py``.
"""

from __future__ import annotations

import enum
import os
import ssl
from typing import Any, Final

import certifi

from ._models import Headers
from ._urls import URL

__all__ = [
    "Timeout", "Limits", "DEFAULT_TIMEOUT", "DEFAULT_LIMITS", "DEFAULT_MAX_REDIRECTS",
    "create_ssl_context", "UNSET", "UnsetType", "VerifyTypes", "Proxy", "TimeoutTypes",
    "CertTypes", "ProxyTypes",
]


class UnsetType(enum.Enum):
    """Sentinel type for "argument not given" (None means "no timeout"). An enum with one
    member, so that ``x is UNSET`` is both the cheapest test and one type checkers narrow."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = UnsetType.UNSET


class Timeout:
    """Timeouts in seconds (None = wait forever) for connect, read, write and pool waits.

    ``Timeout(5.0)``; ``Timeout(5.0, connect=1.0)``; ``Timeout(None)``;
    ``Timeout((connect, read, write, pool))``; ``Timeout(other_timeout)``;
    ``Timeout(connect=.., read=.., write=.., pool=..)`` with all four given (as HTTPX, a
    phase without a value and without a default is a ``ValueError``).
    """

    __slots__ = ("connect", "read", "write", "pool")

    def __init__(
        self,
        timeout: TimeoutTypes | UnsetType = UNSET,
        *,
        connect: float | None | UnsetType = UNSET,
        read: float | None | UnsetType = UNSET,
        write: float | None | UnsetType = UNSET,
        pool: float | None | UnsetType = UNSET,
    ) -> None:
        self.connect: float | None
        self.read: float | None
        self.write: float | None
        self.pool: float | None
        if isinstance(timeout, Timeout):
            if not all(x is UNSET for x in (connect, read, write, pool)):
                raise ValueError("Timeout(other) takes no per-phase arguments.")
            self.connect, self.read = timeout.connect, timeout.read
            self.write, self.pool = timeout.write, timeout.pool
            return
        if isinstance(timeout, tuple):
            if not 2 <= len(timeout) <= 4:
                raise ValueError("A timeout tuple is (connect, read[, write[, pool]]).")
            self.connect, self.read = timeout[0], timeout[1]
            self.write = timeout[2] if len(timeout) > 2 else None
            self.pool = timeout[3] if len(timeout) > 3 else None
            return
        default: float | None
        if isinstance(timeout, UnsetType):
            if any(x is UNSET for x in (connect, read, write, pool)):
                # As HTTPX: a phase left out needs a default to fall back on.
                raise ValueError(
                    "Timeout must either include a default, or set all four parameters "
                    "explicitly: Timeout(5.0, connect=...) or Timeout(connect=..., read=..., "
                    "write=..., pool=...)."
                )
            default = None
        else:
            default = timeout
        self.connect = default if isinstance(connect, UnsetType) else connect
        self.read = default if isinstance(read, UnsetType) else read
        self.write = default if isinstance(write, UnsetType) else write
        self.pool = default if isinstance(pool, UnsetType) else pool
        for name in self.__slots__:
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, float)) or value < 0):
                raise ValueError(f"Timeout {name}={value!r} must be a number >= 0 or None.")

    def as_dict(self) -> dict[str, float | None]:
        return {"connect": self.connect, "read": self.read, "write": self.write, "pool": self.pool}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timeout) and (
            self.connect, self.read, self.write, self.pool
        ) == (other.connect, other.read, other.write, other.pool)

    def __hash__(self) -> int:
        return hash((self.connect, self.read, self.write, self.pool))

    def __repr__(self) -> str:
        name = self.__class__.__name__
        if len({self.connect, self.read, self.write, self.pool}) == 1:
            return f"{name}(timeout={self.connect})"
        return (
            f"{name}(connect={self.connect}, read={self.read}, "
            f"write={self.write}, pool={self.pool})"
        )


#: What ``timeout=`` takes: seconds for every phase (None: no timeout), a
#: ``(connect, read[, write[, pool]])`` tuple, or a ``Timeout``.
TimeoutTypes = float | None | tuple[float | None, ...] | Timeout


class Limits:
    """Connection pool limits (None = unlimited / never expire).

    ``max_connections``: open connections in all; ``max_keepalive_connections``: idle ones kept
    for reuse; ``keepalive_expiry``: seconds an idle connection is kept. As HTTPX, ``Limits()``
    is unlimited; the clients' default is ``DEFAULT_LIMITS`` (100 connections, 20 idle).
    """

    __slots__ = ("max_connections", "max_keepalive_connections", "keepalive_expiry")

    def __init__(
        self,
        *,
        max_connections: int | None = None,
        max_keepalive_connections: int | None = None,
        keepalive_expiry: float | None = 5.0,
    ) -> None:
        if max_connections is not None and max_connections < 1:
            raise ValueError(f"max_connections must be >= 1 or None, not {max_connections!r}")
        if max_keepalive_connections is not None and max_keepalive_connections < 0:
            raise ValueError(
                f"max_keepalive_connections must be >= 0 or None, "
                f"not {max_keepalive_connections!r}"
            )
        if keepalive_expiry is not None and keepalive_expiry < 0:
            raise ValueError(f"keepalive_expiry must be >= 0 or None, not {keepalive_expiry!r}")
        self.max_connections = max_connections
        self.max_keepalive_connections = max_keepalive_connections
        self.keepalive_expiry = keepalive_expiry

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Limits) and (
            self.max_connections, self.max_keepalive_connections, self.keepalive_expiry
        ) == (other.max_connections, other.max_keepalive_connections, other.keepalive_expiry)

    def __hash__(self) -> int:
        return hash((self.max_connections, self.max_keepalive_connections, self.keepalive_expiry))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(max_connections={self.max_connections}, "
            f"max_keepalive_connections={self.max_keepalive_connections}, "
            f"keepalive_expiry={self.keepalive_expiry})"
        )


#: The clients' defaults, as HTTPX's: 5 s for every phase; at most 100 connections, 20 of them
#: kept idle (a bound on sockets and file descriptors one client may hold).
DEFAULT_TIMEOUT = Timeout(5.0)
DEFAULT_LIMITS = Limits(max_connections=100, max_keepalive_connections=20)
#: Redirects followed before ``TooManyRedirects`` (as HTTPX and browsers' order of magnitude).
DEFAULT_MAX_REDIRECTS = 20

#: A client certificate: a file holding certificate and key, ``(certfile, keyfile)``, or
#: ``(certfile, keyfile, password)``.
CertTypes = str | tuple[str, str] | tuple[str, str, str]
#: What ``verify=`` takes: True (certifi), False (no checks), a CA bundle path, or a context.
VerifyTypes = ssl.SSLContext | str | bool


def _load_verify(ctx: ssl.SSLContext, path: str) -> None:
    if os.path.isdir(path):
        ctx.load_verify_locations(capath=path)
    elif os.path.isfile(path):
        ctx.load_verify_locations(cafile=path)
    else:
        raise FileNotFoundError(
            f"Could not find a suitable TLS CA certificate bundle, invalid path: {path}"
        )


def create_ssl_context(
    verify: ssl.SSLContext | str | bool = True,
    cert: CertTypes | None = None,
    trust_env: bool = True,
    http2: bool = False,
    http1: bool = True,
) -> ssl.SSLContext:
    """Build the client's TLS context (see the module docstring). A given context is kept."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify is False:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.check_hostname = True
        if isinstance(verify, str):
            _load_verify(ctx, verify)
        else:
            cert_file = os.environ.get("SSL_CERT_FILE") if trust_env else None
            cert_dir = os.environ.get("SSL_CERT_DIR") if trust_env else None
            if cert_file and os.path.isfile(cert_file):
                ctx.load_verify_locations(cafile=cert_file)
            elif cert_dir and os.path.isdir(cert_dir):
                ctx.load_verify_locations(capath=cert_dir)
            else:
                ctx.load_verify_locations(cafile=certifi.where())
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= ssl.OP_NO_COMPRESSION
    if http2 and not http1:
        ctx.set_alpn_protocols(["h2"])  # HTTP/2 only: never let the server pick http/1.1
    else:
        ctx.set_alpn_protocols(["h2", "http/1.1"] if http2 else ["http/1.1"])
    if hasattr(ctx, "post_handshake_auth"):
        ctx.post_handshake_auth = True
    if trust_env:
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog:
            ctx.keylog_filename = keylog
    if cert is not None:
        if isinstance(cert, str):
            ctx.load_cert_chain(certfile=cert)
        elif isinstance(cert, tuple) and len(cert) == 2:
            ctx.load_cert_chain(certfile=cert[0], keyfile=cert[1])
        elif isinstance(cert, tuple) and len(cert) == 3:
            ctx.load_cert_chain(certfile=cert[0], keyfile=cert[1], password=cert[2])
        else:
            raise TypeError("cert must be a path, (cert, key) or (cert, key, password).")
    return ctx


#: Proxy URL schemes a ``Proxy`` accepts; which ones the client can use is decided in
#: ``_proxy.py`` (plain ``http://`` proxies).
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class Proxy:
    """One proxy: ``Proxy("http://user:pass@proxy.example:3128")`` or
    ``Proxy(url, auth=("user", "pass"), headers={...})``.

    Credentials in the URL's userinfo become ``auth`` (and leave the URL); they are sent as
    ``Proxy-Authorization: Basic ...`` (RFC 9110 §11.7.1, RFC 7617). ``headers`` are sent to
    the proxy with every forwarded request and every CONNECT.
    """

    __slots__ = ("url", "auth", "headers")

    def __init__(
        self,
        url: URL | str,
        *,
        auth: tuple[str, str] | None = None,
        headers: Any = None,
    ) -> None:
        url = URL(url)
        if url.scheme not in PROXY_SCHEMES:
            raise ValueError(f"Unknown scheme for proxy URL {url!r}")
        if not url.host:
            raise ValueError(f"The proxy URL {url!r} has no host")
        if url.username or url.password:
            auth = (url.username, url.password)
            url = url.copy_with(username=None, password=None)
        self.url = url
        self.auth = auth
        self.headers = Headers(headers)

    @property
    def raw_auth(self) -> tuple[bytes, bytes] | None:
        if self.auth is None:
            return None
        return self.auth[0].encode("utf-8"), self.auth[1].encode("utf-8")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Proxy) and (self.url, self.auth, self.headers) == (
            other.url, other.auth, other.headers
        )

    def __hash__(self) -> int:
        return hash((self.url, self.auth))

    def __repr__(self) -> str:
        auth = f", auth=({self.auth[0]!r}, '********')" if self.auth else ""
        return f"{self.__class__.__name__}({str(self.url)!r}{auth})"


#: What ``proxy=`` takes: a proxy URL (``str`` or ``URL``) or a ``Proxy``.
ProxyTypes = URL | str | Proxy
