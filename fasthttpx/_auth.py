"""Authentication as generators, so one flow drives both the sync and the async client.

An ``Auth`` has ``auth_flow(request)``, a generator that yields requests to send and receives
each response with ``.send(response)``: Basic auth yields once; Digest auth (RFC 7616) yields
the request, reads the 401 challenge and yields it again with credentials. The clients drive
``sync_auth_flow`` (``Client``) or ``async_auth_flow`` (``AsyncClient``), as HTTPX does: by
default both wrap ``auth_flow``, reading the request body first when ``requires_request_body``
and each response before handing it in when ``requires_response_body``; an ``Auth`` that needs
I/O of its own overrides one of them. The client loops do the sending; no I/O or concurrency
library is imported here.
"""

from __future__ import annotations

import hashlib
import os
from base64 import b64encode
from collections.abc import AsyncGenerator, Callable, Generator
from typing import TYPE_CHECKING, Protocol, cast

from ._content import is_replayable
from ._exceptions import ProtocolError, StreamConsumed

if TYPE_CHECKING:
    from ._models import BaseResponse, Request

__all__ = [
    "Auth", "AuthTypes", "BasicAuth", "FunctionAuth", "DigestAuth", "NetRCAuth", "build_auth",
    "check_body_replayable", "parse_auth_params",
]

AuthFlow = Generator["Request", "BaseResponse", None]


class _SyncReadable(Protocol):
    """A ``Client``'s ``Response`` as ``sync_auth_flow`` uses it."""

    def read(self) -> bytes: ...


class _AsyncReadable(Protocol):
    """An ``AsyncClient``'s ``Response`` as ``async_auth_flow`` uses it."""

    async def aread(self) -> bytes: ...


class Auth:
    """Base class for authentication schemes (the HTTPX API).

    Override ``auth_flow`` for a scheme that needs no I/O beyond sending requests; set
    ``requires_request_body`` if it needs ``request.content`` (a streamed body is read
    first), ``requires_response_body`` if it needs the body of the responses it is sent.
    Override ``sync_auth_flow`` / ``async_auth_flow`` for a scheme that does I/O of its own
    (``Client`` drives the first, ``AsyncClient`` the second).
    """

    requires_request_body = False
    requires_response_body = False

    def auth_flow(self, request: Request) -> AuthFlow:
        """Yield each request to send; each ``yield`` evaluates to the response it got."""
        yield request

    def sync_auth_flow(self, request: Request) -> Generator[Request, BaseResponse, None]:
        """``auth_flow`` as ``Client`` drives it."""
        if self.requires_request_body:
            request.read()
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            response = yield request
            if self.requires_response_body:
                cast(_SyncReadable, response).read()
            try:
                request = flow.send(response)
            except StopIteration:
                break

    async def async_auth_flow(self, request: Request) -> AsyncGenerator[Request, BaseResponse]:
        """``auth_flow`` as ``AsyncClient`` drives it."""
        if self.requires_request_body:
            await request.aread()
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            response = yield request
            if self.requires_response_body:
                await cast(_AsyncReadable, response).aread()
            try:
                request = flow.send(response)
            except StopIteration:
                break


#: What ``auth=`` takes: an ``Auth``, a ``(username, password)`` pair for Basic auth, or a
#: callable that takes the request and returns it (modified); None for no auth.
AuthTypes = tuple[str | bytes, str | bytes] | Callable[["Request"], "Request"] | Auth | None


def check_body_replayable(request: Request, sent: Request) -> None:
    """Refuse to send ``request`` again when its body is the one-shot stream ``sent`` had.

    An auth flow that retries (Digest after a 401) sends the same body twice; a generator
    or an async iterable was used up by the first attempt and would go out empty or fail
    half-way through the second, so the client stops before sending (as HTTPX does, with
    ``StreamConsumed``).
    """
    if request.body is sent.body and not is_replayable(request.body):
        raise StreamConsumed(
            "Cannot send the request again for authentication (the server answered "
            f"{request.method} {request.url} with a challenge): its body was a one-shot "
            "stream and has been sent already. Send bytes, call request.read() first, or "
            "use an Auth with requires_request_body = True."
        )


class FunctionAuth(Auth):
    """Auth from a callable that takes the request and returns it (modified)."""

    def __init__(self, func: Callable[[Request], Request]) -> None:
        self._func = func

    def auth_flow(self, request: Request) -> AuthFlow:
        yield self._func(request)


def _to_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _basic_header(username: str | bytes, password: str | bytes) -> str:
    token = b64encode(_to_bytes(username) + b":" + _to_bytes(password))
    return "Basic " + token.decode("ascii")  # RFC 7617 §2


class BasicAuth(Auth):
    """HTTP Basic (RFC 7617), credentials encoded as UTF-8."""

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        self._auth_header = _basic_header(username, password)

    def auth_flow(self, request: Request) -> AuthFlow:
        request.headers["Authorization"] = self._auth_header
        yield request


class NetRCAuth(Auth):
    """Basic auth with the credentials a netrc file has for the request's host.

    ``file`` is the netrc file's path; None reads ``~/.netrc`` (``$NETRC`` on Python 3.11+),
    as the standard library's ``netrc`` does. A host the file has no password for is sent
    without credentials.
    """

    def __init__(self, file: str | None = None) -> None:
        import netrc  # only users of netrc pay for it

        self._netrc_info = netrc.netrc(file)

    def auth_flow(self, request: Request) -> AuthFlow:
        auth_info = self._netrc_info.authenticators(request.url.host)
        if auth_info is not None and auth_info[2]:
            request.headers["Authorization"] = _basic_header(auth_info[0], auth_info[2])
        yield request


class _HashObject(Protocol):
    """What Digest needs of a ``hashlib`` hash object."""

    def hexdigest(self) -> str: ...


def _sha512_256(data: bytes) -> _HashObject:
    return hashlib.new("sha512_256", data)


#: RFC 7616 §3.2 (and RFC 2617's MD5, and the SHA / SHA-512 names HTTPX accepts); each has a
#: "-SESS" variant (§3.4.2). SHA-512-256 where the OpenSSL build has it.
_HASHES: dict[str, Callable[[bytes], _HashObject]] = {
    "MD5": hashlib.md5,
    "MD5-SESS": hashlib.md5,
    "SHA": hashlib.sha1,
    "SHA-SESS": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-256-SESS": hashlib.sha256,
    "SHA-512": hashlib.sha512,
    "SHA-512-SESS": hashlib.sha512,
}
if "sha512_256" in hashlib.algorithms_available:  # pragma: no branch
    _HASHES["SHA-512-256"] = _HASHES["SHA-512-256-SESS"] = _sha512_256

_UNQUOTED = ("algorithm", "qop", "nc", "userhash")


def parse_auth_params(fields: str) -> dict[str, str]:
    """The ``name=value`` parameters of a challenge, names lower-cased, quotes removed.

    auth-param = token BWS "=" BWS ( token / quoted-string ) (RFC 9110 §11.2, §5.6.4).
    A linear scan, so a hostile header cannot make it slow.
    """
    params: dict[str, str] = {}
    i, n = 0, len(fields)
    while i < n:
        while i < n and fields[i] in " \t,":
            i += 1
        eq = fields.find("=", i)
        if i >= n or eq < 0:
            break
        name = fields[i:eq].strip().lower()
        i = eq + 1
        while i < n and fields[i] in " \t":
            i += 1
        if i < n and fields[i] == '"':
            i += 1
            buf = []
            while i < n and fields[i] != '"':
                if fields[i] == "\\" and i + 1 < n:  # quoted-pair
                    i += 1
                buf.append(fields[i])
                i += 1
            value = "".join(buf)
            i += 1
        else:
            end = fields.find(",", i)
            if end < 0:
                end = n
            value = fields[i:end].strip()
            i = end
        params[name] = value
    return params


class _Challenge:
    """One ``WWW-Authenticate: Digest`` challenge (RFC 7616 §3.3), values unquoted."""

    __slots__ = ("realm", "nonce", "algorithm", "opaque", "qop", "userhash")

    def __init__(
        self,
        realm: bytes,
        nonce: bytes,
        algorithm: str,
        opaque: bytes | None,
        qop: bytes | None,
        userhash: bool = False,
    ) -> None:
        self.realm, self.nonce, self.algorithm = realm, nonce, algorithm
        self.opaque, self.qop, self.userhash = opaque, qop, userhash


def _quote(value: str) -> str:
    """A quoted-string (RFC 9110 §5.6.4): backslash and DQUOTE escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class DigestAuth(Auth):
    """HTTP Digest (RFC 7616, RFC 2617, RFC 2069).

    Algorithms MD5, SHA, SHA-256, SHA-512 (SHA-512-256 where available), each also "-sess";
    qop "auth", or none (RFC 2069); "auth-int" alone is refused with ``NotImplementedError``
    (as HTTPX). After the first challenge every request is sent with credentials straight
    away, the nonce count (nc, §3.4) going up by one per request while the nonce stays the
    same; a new nonce (a stale one replaced, §3.3, or an Authentication-Info ``nextnonce``,
    §3.5) starts it again at 1. ``userhash=true`` challenges get a hashed username (§3.4.4).
    """

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        self._username = _to_bytes(username)
        self._password = _to_bytes(password)
        self._last_challenge: _Challenge | None = None
        self._nonce_count = 1

    def auth_flow(self, request: Request) -> AuthFlow:
        if self._last_challenge is not None:
            request.headers["Authorization"] = self._build_auth_header(
                request, self._last_challenge
            )
        response = yield request
        challenge_header = self._digest_challenge(response)
        if challenge_header is None:
            self._take_next_nonce(response)
            return
        challenge = self._parse_challenge(request, challenge_header)
        last = self._last_challenge
        if last is None or last.nonce != challenge.nonce:
            self._nonce_count = 1  # §3.4: nc counts the requests sent with this nonce
        self._last_challenge = challenge
        request.headers["Authorization"] = self._build_auth_header(request, challenge)
        if "set-cookie" in response.headers:
            response.cookies.set_cookie_header(request)
        response = yield request
        self._take_next_nonce(response)

    @staticmethod
    def _digest_challenge(response: BaseResponse) -> str | None:
        """The first Digest challenge of a 401 whose algorithm is supported (RFC 7616 §3.7),
        else its first Digest challenge (refused later, by name); None if there is none."""
        if response.status_code != 401 or "www-authenticate" not in response.headers:
            return None
        digests = [
            value
            for value in response.headers.get_list("www-authenticate")
            if value[:7].lower() == "digest "
        ]
        for value in digests:
            algorithm = parse_auth_params(value[7:]).get("algorithm", "MD5")
            if algorithm.upper() in _HASHES:
                return value
        return digests[0] if digests else None

    def _take_next_nonce(self, response: BaseResponse) -> None:
        """RFC 7616 §3.5: ``Authentication-Info: nextnonce=...`` is the nonce to use next."""
        info = response.headers.get("authentication-info")
        if info is None or self._last_challenge is None:
            return
        nextnonce = parse_auth_params(info).get("nextnonce")
        if nextnonce and nextnonce.encode() != self._last_challenge.nonce:
            last = self._last_challenge
            self._last_challenge = _Challenge(
                last.realm, nextnonce.encode(), last.algorithm, last.opaque, last.qop,
                last.userhash,
            )
            self._nonce_count = 1

    @staticmethod
    def _parse_challenge(request: Request, header: str) -> _Challenge:
        """RFC 7616 §3.3: the WWW-Authenticate parameters."""
        params = parse_auth_params(header[7:])
        try:
            realm = params["realm"].encode()
            nonce = params["nonce"].encode()
        except KeyError as exc:
            raise ProtocolError(
                "Malformed Digest WWW-Authenticate header", request=request
            ) from exc
        qop = params.get("qop")
        opaque = params.get("opaque")
        return _Challenge(
            realm=realm,
            nonce=nonce,
            algorithm=params.get("algorithm", "MD5"),
            opaque=opaque.encode() if opaque is not None else None,
            qop=qop.encode() if qop is not None else None,
            userhash=params.get("userhash", "").lower() == "true",
        )

    def _get_client_nonce(self, nonce_count: int, nonce: bytes) -> bytes:
        """The cnonce (§3.4): 64 random bits as 16 hex digits (HTTPX's length; the name is
        HTTPX's too, so tests that pin the cnonce by replacing it keep working)."""
        return os.urandom(8).hex().encode()

    def _build_auth_header(self, request: Request, challenge: _Challenge) -> str:
        """The Authorization header value for ``request`` (RFC 7616 §3.4)."""
        hash_func = _HASHES.get(challenge.algorithm.upper())
        if hash_func is None:
            raise ProtocolError(
                f"Unsupported Digest algorithm {challenge.algorithm!r}", request=request
            )

        def digest(data: bytes) -> bytes:
            return hash_func(data).hexdigest().encode()

        path = request.url.raw_path
        ha1 = digest(b":".join((self._username, challenge.realm, self._password)))  # §3.4.2
        ha2 = digest(request.method.encode() + b":" + path)  # §3.4.3, qop=auth
        nc = b"%08x" % self._nonce_count
        cnonce = self._get_client_nonce(self._nonce_count, challenge.nonce)
        self._nonce_count += 1
        if challenge.algorithm.upper().endswith("-SESS"):
            ha1 = digest(b":".join((ha1, challenge.nonce, cnonce)))
        qop = self._resolve_qop(challenge.qop, request)
        if qop is None:  # RFC 2069 §2.1.2
            parts = [ha1, challenge.nonce, ha2]
        else:  # RFC 7616 §3.4.1
            parts = [ha1, challenge.nonce, nc, cnonce, qop, ha2]
        username = self._username
        if challenge.userhash:  # §3.4.4
            username = digest(username + b":" + challenge.realm)
        fields: dict[str, bytes] = {
            "username": username,
            "realm": challenge.realm,
            "nonce": challenge.nonce,
            "uri": path,
            "response": digest(b":".join(parts)),
            "algorithm": challenge.algorithm.encode(),
        }
        if challenge.opaque:
            fields["opaque"] = challenge.opaque
        if qop:
            fields["qop"] = qop
            fields["nc"] = nc
            fields["cnonce"] = cnonce
        if challenge.userhash:
            fields["userhash"] = b"true"
        return "Digest " + ", ".join(
            f"{k}={v.decode()}" if k in _UNQUOTED else f"{k}={_quote(v.decode())}"
            for k, v in fields.items()
        )

    @staticmethod
    def _resolve_qop(qop: bytes | None, request: Request) -> bytes | None:
        """RFC 7616 §3.3: "auth" when offered; "auth-int" alone is not supported."""
        if qop is None:
            return None
        options = [option.strip() for option in qop.split(b",")]
        if b"auth" in options:
            return b"auth"
        if options == [b"auth-int"]:
            raise NotImplementedError("Digest auth-int support is not yet implemented")
        raise ProtocolError(f'Unexpected qop value "{qop!r}" in digest auth', request=request)


def build_auth(auth: AuthTypes) -> Auth | None:
    """Turn what users pass as ``auth=`` into an ``Auth`` (or None)."""
    if auth is None:
        return None
    if isinstance(auth, Auth):
        return auth
    if isinstance(auth, tuple):
        if len(auth) != 2:
            raise TypeError("auth tuples must be (username, password)")
        return BasicAuth(auth[0], auth[1])
    if callable(auth):
        return FunctionAuth(auth)
    raise TypeError(f'Invalid "auth" argument: {auth!r}')
