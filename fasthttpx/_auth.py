"""Authentication as generators, so one flow drives both the sync and the async client.

An ``Auth`` has ``auth_flow(request)``, a generator that yields requests to send and receives
each response with ``.send(response)``: Basic auth yields once; Digest auth (RFC 7616) yields
the request, reads the 401 challenge and yields it again with credentials. The client loop
(sync or async) does the I/O; ``requires_response_body`` tells it to read a response before
sending it in. No I/O or concurrency library is imported here.
"""

from __future__ import annotations

import hashlib
import os
import re
from base64 import b64encode
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Protocol

from ._exceptions import ProtocolError

if TYPE_CHECKING:
    from ._models import BaseResponse, Request

__all__ = ["Auth", "AuthTypes", "BasicAuth", "FunctionAuth", "DigestAuth", "build_auth"]

AuthFlow = Generator["Request", "BaseResponse", None]


class Auth:
    """Base class: subclasses override ``auth_flow``."""

    requires_request_body = False
    requires_response_body = False

    def auth_flow(self, request: Request) -> AuthFlow:
        yield request


#: What ``auth=`` takes: an ``Auth``, a ``(username, password)`` pair for Basic auth, or a
#: callable that takes the request and returns it (modified); None for no auth.
AuthTypes = tuple[str | bytes, str | bytes] | Callable[["Request"], "Request"] | Auth | None


class FunctionAuth(Auth):
    """Auth from a callable that takes the request and returns it (modified)."""

    def __init__(self, func: Callable[[Request], Request]) -> None:
        self._func = func

    def auth_flow(self, request: Request) -> AuthFlow:
        yield self._func(request)


def _basic_header(username: str | bytes, password: str | bytes) -> str:
    user = username.encode("utf-8") if isinstance(username, str) else username
    pwd = password.encode("utf-8") if isinstance(password, str) else password
    return "Basic " + b64encode(user + b":" + pwd).decode("ascii")  # RFC 7617 §2


class BasicAuth(Auth):
    """HTTP Basic (RFC 7617), credentials encoded as UTF-8."""

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        self._auth_header = _basic_header(username, password)

    def auth_flow(self, request: Request) -> AuthFlow:
        request.headers["Authorization"] = self._auth_header
        yield request


class _HashObject(Protocol):
    """What Digest needs of a ``hashlib`` hash object."""

    def hexdigest(self) -> str: ...


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
_UNQUOTED = ("algorithm", "qop", "nc")

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
    __slots__ = ("realm", "nonce", "algorithm", "opaque", "qop")

    def __init__(
        self, realm: bytes, nonce: bytes, algorithm: str, opaque: bytes | None, qop: bytes | None
    ) -> None:
        self.realm, self.nonce, self.algorithm = realm, nonce, algorithm
        self.opaque, self.qop = opaque, qop


class DigestAuth(Auth):
    """HTTP Digest (RFC 7616): MD5 / SHA-256 / SHA-512 (and -sess), qop=auth or none."""

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        self._username = username.encode("utf-8") if isinstance(username, str) else username
        self._password = password.encode("utf-8") if isinstance(password, str) else password
        self._last_challenge: _Challenge | None = None
        self._nonce_count = 1

    def auth_flow(self, request: Request) -> AuthFlow:
        if self._last_challenge is not None:
            request.headers["Authorization"] = self._header(request, self._last_challenge)
        response = yield request
        if response.status_code != 401 or "www-authenticate" not in response.headers:
            return
        for value in response.headers.get_list("www-authenticate"):
            if value.lower().startswith("digest "):
                break
        else:
            return
        self._last_challenge = self._parse_challenge(request, value)
        self._nonce_count = 1
        request.headers["Authorization"] = self._header(request, self._last_challenge)
        if "set-cookie" in response.headers:
            response.cookies.set_cookie_header(request)
        yield request

    @staticmethod
    def _parse_challenge(request: Request, header: str) -> _Challenge:
        """RFC 7616 §3.3: the WWW-Authenticate parameters."""
        _, _, fields = header.partition(" ")
        params = parse_auth_params(fields)
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
        )

    def _client_nonce(self, nonce_count: int, nonce: bytes) -> bytes:
        return os.urandom(16).hex().encode()

    def _header(self, request: Request, challenge: _Challenge) -> str:
        hash_func = _HASHES.get(challenge.algorithm.upper())
        if hash_func is None:
            raise ProtocolError(
                f"Unsupported Digest algorithm {challenge.algorithm!r}", request=request
            )

        def digest(data: bytes) -> bytes:
            return hash_func(data).hexdigest().encode()

        path = request.url.raw_path
        ha1 = digest(b":".join((self._username, challenge.realm, self._password)))
        ha2 = digest(request.method.encode() + b":" + path)
        nc = b"%08x" % self._nonce_count
        cnonce = self._client_nonce(self._nonce_count, challenge.nonce)
        self._nonce_count += 1
        if challenge.algorithm.lower().endswith("-sess"):
            ha1 = digest(b":".join((ha1, challenge.nonce, cnonce)))
        qop = self._resolve_qop(challenge.qop, request)
        if qop is None:  # RFC 2069 compatibility
            parts = [ha1, challenge.nonce, ha2]
        else:
            parts = [ha1, challenge.nonce, nc, cnonce, qop, ha2]
        fields: dict[str, bytes] = {
            "username": self._username,
            "realm": challenge.realm,
            "nonce": challenge.nonce,
            "uri": path,
            "response": digest(b":".join(parts)),
            "algorithm": challenge.algorithm.encode(),
        }
        if challenge.opaque:
            fields["opaque"] = challenge.opaque
        if qop:
            fields["qop"] = b"auth"
            fields["nc"] = nc
            fields["cnonce"] = cnonce
        return "Digest " + ", ".join(
            f"{k}={v.decode()}" if k in _UNQUOTED else f'{k}="{v.decode()}"'
            for k, v in fields.items()
        )

    @staticmethod
    def _resolve_qop(qop: bytes | None, request: Request) -> bytes | None:
        if qop is None:
            return None
        options = re.split(rb", ?", qop)
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

