"""An ASGI app with httpbin-like endpoints, for testing the client against ordinary HTTP.

Written directly against the ASGI 3 interface (no framework), so it runs under uvicorn or
hypercorn with nothing else installed. Routes (all methods unless noted):

========================================  ================================================
``/``                                     ``Hello, world!`` (text/plain)
``/echo``                                 JSON: method, path, query, headers, body
``/json``                                 a fixed JSON object (:data:`JSON_DOC`)
``/status/{code}``                        empty response with that status (3xx: Location /)
``/redirect/{n}``                         302 chain /redirect/n-1 ... / (path-absolute)
``/absolute-redirect/{n}``                same chain with absolute URLs
``/relative-redirect``                    302 ``Location: json`` (resolves to /json)
``/redirect-to?url=&status_code=``        redirect anywhere (default 302)
``/bytes/{n}?seed=``                      n bytes of :func:`deterministic_bytes`
``/stream/{n}``                           n JSON lines, each its own chunk (chunked coding)
``/gzip`` ``/deflate`` ``/brotli``        JSON compressed with that Content-Encoding
``/delay/{ms}``                           waits ms milliseconds, then ``Hello, world!``
``/headers``                              JSON ``{"headers": [[name, value], ...]}``
``/cookies/set?name=value...``            Set-Cookie per pair, 302 to /cookies
``/cookies``                              JSON ``{"cookies": {...}}`` from the Cookie header
``/slow-body?chunks=&size=&delay=``       Content-Length body sent in pieces with pauses
``/basic-auth/{user}/{pass}``             200 if Basic credentials match, else 401
``/digest-auth/{qop}/{user}/{pass}/{alg}``  Digest (RFC 7616) check, see :func:`_digest_auth`
``/charset/{name}?declare=1``             :func:`charset_text` encoded in that charset
``/large/{mib}?chunked=0``                mib MiB streamed in 64 KiB pieces
========================================  ================================================

Unknown paths give 404. Request headers are echoed decoded as latin-1 (RFC 9110 §5.5).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import gzip
import hashlib
import json
import random
import secrets
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote
from urllib.request import parse_http_list, parse_keqv_list

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
HeaderList = list[tuple[bytes, bytes]]

try:
    import brotli as _brotli
except ImportError:  # pragma: no cover - brotli is a test dependency
    _brotli = None

HELLO = b"Hello, world!"
JSON_DOC: dict[str, Any] = {
    "name": "fasthttpx",
    "numbers": [1, 2, 3],
    "nested": {"ok": True, "none": None},
    "unicode": "café ☕",
}
#: Piece size used by the streaming endpoints.
STREAM_PIECE = 64 * 1024
MIB = 1024 * 1024

_BLOCK_CACHE: dict[int, bytes] = {}


def deterministic_bytes(n: int, seed: int = 0) -> bytes:
    """The body of ``/bytes/{n}?seed=``: ``n`` pseudo-random bytes, the same on every call."""
    return random.Random(seed).randbytes(n)


def large_block() -> bytes:
    """The 64 KiB block that ``/large/{mib}`` repeats (its body is this block * 16 * mib)."""
    block = _BLOCK_CACHE.get(STREAM_PIECE)
    if block is None:
        block = _BLOCK_CACHE[STREAM_PIECE] = deterministic_bytes(STREAM_PIECE, seed=1)
    return block


_CHARSET_SAMPLES = (
    "Привет, мир! Grüße, café — ½ €",
    "こんにちは、世界",
    "Grüße, café déjà vu",
    "Hello, world!",
)


def charset_text(name: str) -> str:
    """The text ``/charset/{name}`` sends: the first sample that ``name`` can encode."""
    for sample in _CHARSET_SAMPLES:
        try:
            sample.encode(name)
        except UnicodeEncodeError:
            continue
        return sample
    return _CHARSET_SAMPLES[-1]


def gzip_body() -> bytes:
    return json.dumps({"gzipped": True, **JSON_DOC}).encode()


def deflate_body() -> bytes:
    return json.dumps({"deflated": True, **JSON_DOC}).encode()


def brotli_body() -> bytes:
    return json.dumps({"brotli": True, **JSON_DOC}).encode()


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return bytes(body)


async def _respond(
    send: Send,
    status: int,
    body: bytes = b"",
    headers: HeaderList | None = None,
    content_type: bytes | None = b"text/plain; charset=utf-8",
) -> None:
    hdrs: HeaderList = []
    if content_type is not None and body:
        hdrs.append((b"content-type", content_type))
    hdrs += headers or []
    if status not in (204, 304) and not (100 <= status < 200):
        hdrs.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


async def _respond_json(
    send: Send, obj: Any, status: int = 200, headers: HeaderList | None = None
) -> None:
    body = json.dumps(obj).encode()
    await _respond(send, status, body, headers, content_type=b"application/json")


def _headers(scope: Scope) -> list[list[str]]:
    return [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]]


def _header(scope: Scope, name: bytes) -> bytes | None:
    for k, v in scope["headers"]:
        if k.lower() == name:
            return bytes(v)
    return None


def _query(scope: Scope) -> list[tuple[str, str]]:
    return parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)


def _origin(scope: Scope) -> str:
    host = _header(scope, b"host")
    if host is not None:
        return f"{scope.get('scheme', 'http')}://{host.decode('latin-1')}"
    server = scope.get("server") or ("127.0.0.1", 80)
    return f"{scope.get('scheme', 'http')}://{server[0]}:{server[1]}"


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI 3 application."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    path: str = scope["path"]
    parts = [p for p in path.split("/") if p]
    head = parts[0] if parts else ""
    handler = _ROUTES.get(head)
    if handler is None:
        body = await _read_body(receive)
        del body
        await _respond(send, 404, b"Not Found")
        return
    await handler(scope, receive, send, parts[1:])


Route = Callable[[Scope, Receive, Send, list[str]], Awaitable[None]]


async def _root(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    await _respond(send, 200, HELLO)


async def _echo(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    body = await _read_body(receive)
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    await _respond_json(
        send,
        {
            "method": scope["method"],
            "path": scope["path"],
            "raw_path": (scope.get("raw_path") or scope["path"].encode()).decode("latin-1"),
            "query": scope["query_string"].decode("latin-1"),
            "http_version": scope["http_version"],
            "headers": _headers(scope),
            "body": text,
            "body_base64": base64.b64encode(body).decode("ascii"),
        },
    )


async def _json(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    await _respond_json(send, JSON_DOC)


async def _status(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    code = _int(args[0]) if args else None
    if code is None or not 200 <= code <= 599:
        await _respond(send, 400, b"status must be 200..599")
        return
    headers: HeaderList = []
    if code in (301, 302, 303, 307, 308):
        headers.append((b"location", b"/"))
    await _respond(send, code, b"", headers)


async def _redirect(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    n = _int(args[0]) if args else None
    if n is None or n < 1:
        await _respond(send, 400, b"n must be >= 1")
        return
    location = "/" if n == 1 else f"/redirect/{n - 1}"
    await _respond(send, 302, b"", [(b"location", location.encode())])


async def _absolute_redirect(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    n = _int(args[0]) if args else None
    if n is None or n < 1:
        await _respond(send, 400, b"n must be >= 1")
        return
    target = "/" if n == 1 else f"/absolute-redirect/{n - 1}"
    await _respond(send, 302, b"", [(b"location", (_origin(scope) + target).encode())])


async def _relative_redirect(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    await _respond(send, 302, b"", [(b"location", b"json")])


async def _redirect_to(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    query = dict(_query(scope))
    url = query.get("url")
    status = _int(query.get("status_code", "302")) or 302
    if url is None or not 300 <= status <= 399:
        await _respond(send, 400, b"url= required, status_code must be 3xx")
        return
    await _respond(send, status, b"", [(b"location", url.encode("utf-8"))])


async def _bytes(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    n = _int(args[0]) if args else None
    seed = _int(dict(_query(scope)).get("seed", "0")) or 0
    if n is None or n < 0:
        await _respond(send, 400, b"n must be >= 0")
        return
    await _respond(
        send, 200, deterministic_bytes(n, seed), content_type=b"application/octet-stream"
    )


async def _stream(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    n = _int(args[0]) if args else None
    if n is None or n < 0:
        await _respond(send, 400, b"n must be >= 0")
        return
    # No content-length and more_body=True: the server uses chunked coding (RFC 9112 §7.1).
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/x-ndjson")],
        }
    )
    for i in range(n):
        line = json.dumps({"id": i}).encode() + b"\n"
        await send({"type": "http.response.body", "body": line, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _gzip(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    body = gzip.compress(gzip_body())
    await _respond(
        send, 200, body, [(b"content-encoding", b"gzip")], content_type=b"application/json"
    )


async def _deflate(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    # RFC 9110 §8.4.1.2: "deflate" is the zlib format (RFC 1950) wrapping raw deflate.
    body = zlib.compress(deflate_body())
    await _respond(
        send, 200, body, [(b"content-encoding", b"deflate")], content_type=b"application/json"
    )


async def _brotli_route(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    if _brotli is None:
        await _respond(send, 501, b"brotli is not installed")
        return
    body = _brotli.compress(brotli_body())
    await _respond(
        send, 200, body, [(b"content-encoding", b"br")], content_type=b"application/json"
    )


async def _delay(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    ms = _int(args[0]) if args else None
    if ms is None or ms < 0:
        await _respond(send, 400, b"ms must be >= 0")
        return
    await asyncio.sleep(ms / 1000)
    await _respond(send, 200, HELLO)


async def _headers_route(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    await _respond_json(send, {"headers": _headers(scope)})


def _request_cookies(scope: Scope) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for k, v in scope["headers"]:
        if k.lower() != b"cookie":
            continue
        for pair in v.decode("latin-1").split(";"):
            name, sep, value = pair.strip().partition("=")
            if sep:
                cookies[name] = value
    return cookies


async def _cookies(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    if args and args[0] == "set":
        headers: HeaderList = [
            (b"set-cookie", f"{name}={value}; Path=/".encode("latin-1"))
            for name, value in _query(scope)
        ]
        headers.append((b"location", b"/cookies"))
        await _respond(send, 302, b"", headers)
        return
    if args:
        await _respond(send, 404, b"Not Found")
        return
    await _respond_json(send, {"cookies": _request_cookies(scope)})


async def _slow_body(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    query = dict(_query(scope))
    chunks = _int(query.get("chunks", "10")) or 0
    size = _int(query.get("size", "10")) or 0
    delay = float(query.get("delay", "0.05"))
    piece = b"x" * size
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/octet-stream"),
                (b"content-length", str(chunks * size).encode()),
            ],
        }
    )
    for i in range(chunks):
        if i:
            await asyncio.sleep(delay)
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _basic_auth(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    if len(args) != 2:
        await _respond(send, 404, b"Not Found")
        return
    user, password = unquote(args[0]), unquote(args[1])
    header = _header(scope, b"authorization") or b""
    scheme, _, token = header.partition(b" ")
    given: tuple[str, str] | None = None
    if scheme.lower() == b"basic":
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        name, sep, secret = decoded.partition(":")
        if sep:
            given = (name, secret)
    if given == (user, password):
        await _respond_json(send, {"authenticated": True, "user": user})
    else:
        await _respond_json(
            send,
            {"authenticated": False},
            status=401,
            headers=[(b"www-authenticate", b'Basic realm="kit"')],
        )


#: Digest nonces this app issued: nonce -> [authenticated uses, highest nc seen].
_DIGEST_NONCES: dict[str, list[int]] = {}
_DIGEST_OPAQUE = "kit-opaque"
_DIGEST_HASHES = {
    "MD5": "md5", "SHA": "sha1", "SHA-256": "sha256", "SHA-512": "sha512",
    "SHA-512-256": "sha512_256",
}


def _digest_check(
    scope: Scope, header: bytes, user: str, password: str, qop: str, algorithm: str,
    userhash: bool, stale_after: int | None,
) -> tuple[str | None, bool, dict[str, Any]]:
    """(failure reason or None, whether the nonce was stale, what the check saw)."""
    scheme, _, rest = header.decode("latin-1").partition(" ")
    if scheme.lower() != "digest":
        return "no digest credentials", False, {}
    params = parse_keqv_list(parse_http_list(rest))
    nonce = params.get("nonce", "")
    state = _DIGEST_NONCES.get(nonce)
    if state is None:
        return "unknown nonce", False, {}
    if stale_after is not None and state[0] >= stale_after:
        return "stale nonce", True, {}

    def h(data: str) -> str:
        name = _DIGEST_HASHES[algorithm.upper().removesuffix("-SESS")]
        return hashlib.new(name, data.encode("utf-8")).hexdigest()

    target = scope["raw_path"].decode("latin-1")
    if scope["query_string"]:
        target += "?" + scope["query_string"].decode("latin-1")
    expected_user = h(f"{user}:kit") if userhash else user
    if params.get("username") != expected_user or params.get("realm") != "kit":
        return "wrong user or realm", False, {}
    if params.get("uri") != target or params.get("opaque") != _DIGEST_OPAQUE:
        return "wrong uri or opaque", False, {}
    if params.get("algorithm", "MD5").upper() != algorithm.upper():
        return "wrong algorithm", False, {}
    ha1 = h(f"{user}:kit:{password}")
    cnonce = params.get("cnonce", "")
    if algorithm.upper().endswith("-SESS"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{scope['method']}:{target}")
    nc: int | None = None
    if qop == "none":
        if "qop" in params:
            return "qop sent to an RFC 2069 challenge", False, {}
        expected = h(f"{ha1}:{nonce}:{ha2}")
    else:
        if params.get("qop") != "auth" or not cnonce:
            return "qop=auth and cnonce expected", False, {}
        try:
            nc = int(params.get("nc", ""), 16)
        except ValueError:
            return "bad nc", False, {}
        if nc <= state[1]:  # RFC 7616 §3.4: a replayed nc
            return "nc not increasing", False, {}
        expected = h(f"{ha1}:{nonce}:{params['nc']}:{cnonce}:auth:{ha2}")
    if params.get("response") != expected:
        return "wrong response", False, {}
    state[0] += 1
    if nc is not None:
        state[1] = nc
    return None, False, {"nonce": nonce, "nc": nc, "cnonce": cnonce}


async def _digest_auth(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    """``/digest-auth/{qop}/{user}/{pass}/{algorithm}``: HTTP Digest (RFC 7616) done by hand.

    ``qop`` is ``auth``, ``auth-int``, ``auth,auth-int`` or ``none`` (RFC 2069); ``algorithm``
    defaults to MD5. A 401 carries a fresh nonce, realm "kit" and an opaque value; with qop the
    nc of each nonce must go up (replays are refused). ``?stale_after=n``: a nonce serves n
    requests, then is refused with ``stale=true`` and a new nonce. ``?userhash=1``: the
    challenge asks for a hashed username. ``?nextnonce=1``: a success names the next nonce in
    ``Authentication-Info`` (RFC 7616 §3.5). 200 JSON: user, nonce, nc (None without qop),
    the request body's length.
    """
    body = await _read_body(receive)
    if len(args) not in (3, 4):
        await _respond(send, 404, b"Not Found")
        return
    qop, user, password = args[0], unquote(args[1]), unquote(args[2])
    algorithm = args[3] if len(args) == 4 else "MD5"
    query = dict(_query(scope))
    stale_after = _int(query["stale_after"]) if "stale_after" in query else None
    userhash = query.get("userhash") == "1"
    header = _header(scope, b"authorization") or b""
    reason, stale, seen = _digest_check(
        scope, header, user, password, qop, algorithm, userhash, stale_after
    )
    if reason is None:
        headers: HeaderList = []
        if query.get("nextnonce") == "1":
            nextnonce = secrets.token_hex(16)
            _DIGEST_NONCES[nextnonce] = [0, 0]
            headers.append((b"authentication-info", f'nextnonce="{nextnonce}"'.encode()))
        await _respond_json(
            send, {"authenticated": True, "user": user, "body_length": len(body), **seen},
            headers=headers,
        )
        return
    nonce = secrets.token_hex(16)
    _DIGEST_NONCES[nonce] = [0, 0]
    challenge = f'Digest realm="kit", nonce="{nonce}", opaque="{_DIGEST_OPAQUE}"'
    challenge += f", algorithm={algorithm}"
    if qop != "none":
        challenge += f', qop="{qop.replace(",", ", ")}"'
    if userhash:
        challenge += ", userhash=true"
    if stale:
        challenge += ", stale=true"
    await _respond_json(
        send, {"authenticated": False, "reason": reason}, status=401,
        headers=[(b"www-authenticate", challenge.encode())],
    )


async def _charset(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    if not args:
        await _respond(send, 404, b"Not Found")
        return
    name = args[0]
    try:
        body = charset_text(name).encode(name)
    except LookupError:
        await _respond(send, 400, b"unknown charset")
        return
    declare = dict(_query(scope)).get("declare", "1") != "0"
    ctype = f"text/plain; charset={name}" if declare else "text/plain"
    await _respond(send, 200, body, content_type=ctype.encode("latin-1"))


async def _large(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await _read_body(receive)
    mib = _int(args[0]) if args else None
    if mib is None or mib < 0:
        await _respond(send, 400, b"mib must be >= 0")
        return
    chunked = dict(_query(scope)).get("chunked", "0") == "1"
    headers: HeaderList = [(b"content-type", b"application/octet-stream")]
    if not chunked:
        headers.append((b"content-length", str(mib * MIB).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    block = large_block()
    for _ in range(mib * MIB // STREAM_PIECE):
        await send({"type": "http.response.body", "body": block, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


_ROUTES: dict[str, Route] = {
    "": _root,
    "echo": _echo,
    "json": _json,
    "status": _status,
    "redirect": _redirect,
    "absolute-redirect": _absolute_redirect,
    "relative-redirect": _relative_redirect,
    "redirect-to": _redirect_to,
    "bytes": _bytes,
    "stream": _stream,
    "gzip": _gzip,
    "deflate": _deflate,
    "brotli": _brotli_route,
    "delay": _delay,
    "headers": _headers_route,
    "cookies": _cookies,
    "slow-body": _slow_body,
    "basic-auth": _basic_auth,
    "digest-auth": _digest_auth,
    "charset": _charset,
    "large": _large,
}
