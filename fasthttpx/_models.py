"""Headers, Request and the I/O-free part of a Response.

``Headers`` keeps the fields as a list of raw ``(name, value)`` byte pairs, names in the case
they were given or received, in order, duplicates kept (RFC 9110 §5.3: a recipient may combine
same-named fields with commas, which ``headers[name]`` does). Building one from the parser's
list costs nothing: the list is kept as is (``Headers.from_raw``) and the lower-cased names used
for case-insensitive look-ups (§5.1) are computed on the first look-up only.

``Request`` normalises what the user gave (method, URL, headers, body via ``_content``) into the
values the transport sends; ``BaseResponse`` holds everything about a response except how its
body is read (and the body stream's bookkeeping, which needs no I/O); ``Response``
(``_response.py``) adds the sync and async reading paths, which set ``_content`` (and
``_num_bytes_downloaded``).
"""

from __future__ import annotations

import codecs
import datetime
import json as jsonlib
import re
import time
import warnings
from collections.abc import (
    AsyncIterable,
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    MutableMapping,
    ValuesView,
)
from itertools import chain
from operator import itemgetter
from typing import Any, Protocol, Union

from ._body_limits import BodyLimits, BoundedDecoder
from ._content import encode_request, encode_response
from ._cookies import Cookies
from ._decoders import ContentDecoder, IdentityDecoder, TextDecoder, decoder_for_headers
from ._events import CONTENT_ENCODING_FIELD
from ._exceptions import (
    HTTPStatusError,
    RequestNotRead,
    ResponseClosed,
    ResponseNotRead,
    StreamConsumed,
)
from ._implementation import response_fields
from ._status_codes import codes
from ._streams import ByteStream, UnattachedStream
from ._urls import URL

__all__ = [
    "Headers", "Request", "BaseResponse", "HeaderTypes", "RequestBody", "RequestStream",
    "PreparedHead",
]

HeaderTypes = Union[
    "Headers",
    Mapping[str, str],
    Mapping[bytes, bytes],
    Iterable[tuple[str, str]],
    Iterable[tuple[bytes, bytes]],
]
RequestBody = bytes | Iterable[bytes] | AsyncIterable[bytes]
#: What ``request.stream`` hands out: a body held as bytes comes as a ``ByteStream`` over them.
RequestStream = ByteStream | Iterable[bytes] | AsyncIterable[bytes]

_SENSITIVE = frozenset({b"authorization", b"proxy-authorization"})
#: Methods that get ``Content-Length: 0`` when sent without a body (RFC 9110 §8.6).
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _encode(value: str | bytes, encoding: str | None, what: str) -> bytes:
    if type(value) is bytes:
        return value
    if isinstance(value, str):
        return value.encode(encoding or "ascii")
    if isinstance(value, bytes):
        return bytes(value)
    raise TypeError(f"Header {what} must be str or bytes, not {type(value)}")


# Names the client itself looks up on every request, lower-cased once.
_COMMON_KEYS: dict[str, bytes] = {
    name: name.lower().encode()
    for name in ("connection", "Connection", "keep-alive", "Keep-Alive", "content-encoding",
                 "Content-Encoding", "content-length", "Content-Length", "transfer-encoding",
                 "Transfer-Encoding", "host", "Host", "content-type", "Content-Type")
}


_FIELD_NAME = itemgetter(0)


class Headers(MutableMapping[str, str]):
    """Case-insensitive multi-dict of HTTP header fields."""

    __slots__ = ("_list", "_lower", "_encoding", "version")

    _list: list[tuple[bytes, bytes]]
    _lower: list[bytes] | None
    _encoding: str | None
    #: A number that changes whenever the fields do (read it, never set it): lets the owner
    #: of a value derived from them (a client's prepared requests) see it is out of date.
    #: Bumped after each change, so a value derived while a change was under way carries
    #: the number from before it.
    version: int

    def __init__(self, headers: HeaderTypes | None = None, encoding: str | None = None) -> None:
        self._lower = None
        self._encoding = encoding
        self.version = 0
        if headers is None:
            self._list = []
        elif isinstance(headers, Headers):
            self._list = list(headers._list)
            self._lower = None if headers._lower is None else list(headers._lower)
            if encoding is None:
                self._encoding = headers._encoding
        elif isinstance(headers, Mapping):
            self._list = [
                (_encode(k, encoding, "name"), _encode(v, encoding, "value"))
                for k, v in headers.items()
            ]
        else:
            pairs: list[Any] = list(headers)
            if all(type(k) is bytes and type(v) is bytes for k, v in pairs):
                self._list = pairs
            else:
                self._list = [
                    (_encode(k, encoding, "name"), _encode(v, encoding, "value"))
                    for k, v in pairs
                ]

    @classmethod
    def from_raw(cls, raw: list[tuple[bytes, bytes]]) -> Headers:
        """Wrap a parser's list of ``(name, value)`` bytes pairs, taking ownership: O(1)."""
        h = cls.__new__(cls)
        h._list = raw
        h._lower = None
        h._encoding = None
        h.version = 0
        return h

    def copy(self) -> Headers:
        """An independent copy, made without the general constructor's type checks: a
        request's own headers come from a client's template this way, once per request."""
        h = Headers.__new__(Headers)
        h._list = self._list.copy()
        h._lower = None  # worked out again if a lookup needs it
        h._encoding = self._encoding
        h.version = 0
        return h

    def render(self) -> bytes:
        """The fields as ``Name: value\r\n`` lines. Not validated here: the HTTP/1.1 layer
        refuses CR, LF and NUL before sending."""
        return b"".join([b"%s: %s\r\n" % field for field in self._list])

    # -- internals ----------------------------------------------------------------------------

    def lower_names(self) -> list[bytes]:
        """The field names in lower case, in order (cached): ``b"name" in lower_names()``
        is the cheapest presence test, for the client's own per-response checks."""
        lower = self._lower
        if lower is None:
            # C iteration end to end (no comprehension frame): once per response.
            lower = self._lower = list(map(bytes.lower, map(_FIELD_NAME, self._list)))
        return lower

    def _key(self, key: str | bytes) -> bytes:
        known = _COMMON_KEYS.get(key)  # type: ignore[arg-type]
        if known is not None:
            return known
        if isinstance(key, str):
            return key.lower().encode(self._encoding or "utf-8")
        return key.lower()

    @property
    def encoding(self) -> str:
        """How values are decoded: ascii, else utf-8, else iso-8859-1 (never fails)."""
        enc = self._encoding
        if enc is None:
            if b"".join(chain.from_iterable(self._list)).isascii():
                enc = "ascii"
            else:
                try:
                    for k, v in self._list:
                        k.decode("utf-8")
                        v.decode("utf-8")
                    enc = "utf-8"
                except UnicodeDecodeError:
                    enc = "iso-8859-1"
            self._encoding = enc
        return enc

    @encoding.setter
    def encoding(self, value: str) -> None:
        self._encoding = value

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The fields as ``(name, value)`` bytes, names in their original case."""
        return list(self._list)

    # -- reading ------------------------------------------------------------------------------

    def get_list(self, key: str, split_commas: bool = False) -> list[str]:
        """All values of ``key`` in order; with ``split_commas`` each is split on ","."""
        lk = self._key(key)
        names = self.lower_names()
        if lk not in names:
            return []
        # An ASCII value decodes the same under every candidate encoding, so the (whole-list)
        # encoding is only worked out when a non-ASCII value is asked for.
        values = [
            v.decode("latin-1") if v.isascii() else v.decode(self.encoding)
            for n, (_, v) in zip(names, self._list)
            if n == lk
        ]
        if not split_commas:
            return values
        out: list[str] = []
        for v in values:
            out.extend(item.strip() for item in v.split(","))
        return out

    def __getitem__(self, key: str) -> str:
        values = self.get_list(key)
        if not values:
            raise KeyError(key)
        return values[0] if len(values) == 1 else ", ".join(values)

    def get(self, key: str, default: Any = None) -> Any:
        lk = self._key(key)
        names = self.lower_names()
        if lk not in names:
            return default
        if names.count(lk) == 1:  # the usual case: one field, found with C-speed scans
            value = self._list[names.index(lk)][1]
            return value.decode("latin-1") if value.isascii() else value.decode(self.encoding)
        return ", ".join(self.get_list(key))

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, (str, bytes)):
            return False
        return self._key(key) in self.lower_names()

    def _combined(self) -> dict[str, str]:
        enc = self.encoding
        d: dict[str, str] = {}
        for n, (_, v) in zip(self.lower_names(), self._list):
            k = n.decode(enc)
            val = v.decode(enc)
            d[k] = d[k] + ", " + val if k in d else val
        return d

    def keys(self) -> KeysView[str]:
        enc = self.encoding
        return {n.decode(enc): None for n in self.lower_names()}.keys()

    def values(self) -> ValuesView[str]:
        return self._combined().values()

    def items(self) -> ItemsView[str, str]:
        return self._combined().items()

    def multi_items(self) -> list[tuple[str, str]]:
        """Every field as (lower-case name, value), duplicates kept, in order."""
        enc = self.encoding
        return [(n.decode(enc), v.decode(enc)) for n, (_, v) in zip(self.lower_names(), self._list)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    # -- writing ------------------------------------------------------------------------------

    def __setitem__(self, key: str, value: str) -> None:
        """Set one field: replaces the first of that name in place and drops the others."""
        name = _encode(key, self._encoding, "name")
        val = _encode(value, self._encoding, "value")
        lk = name.lower()
        names = self.lower_names()
        found = [i for i, n in enumerate(names) if n == lk]
        for i in reversed(found[1:]):
            del self._list[i]
            del names[i]
        if found:
            self._list[found[0]] = (name, val)
        else:
            self._list.append((name, val))
            names.append(lk)
        self.version += 1  # after the change: a reader that saw the old number is stale

    def __delitem__(self, key: str) -> None:
        lk = self._key(key)
        names = self.lower_names()
        found = [i for i, n in enumerate(names) if n == lk]
        if not found:
            raise KeyError(key)
        for i in reversed(found):
            del self._list[i]
            del names[i]
        self.version += 1

    def add(self, key: str | bytes, value: str | bytes) -> None:
        """Append a field, keeping any others of the same name."""
        name = _encode(key, self._encoding, "name")
        self._list.append((name, _encode(value, self._encoding, "value")))
        self.version += 1
        if self._lower is not None:
            self._lower.append(name.lower())

    def update(self, headers: Any = None, **kwargs: Any) -> None:  # type: ignore[override]
        """Replace the fields named in ``headers`` with its values (all of them)."""
        other = Headers(headers)
        if kwargs:
            other.update(kwargs)
        for key in other.keys():
            if key in self:
                del self[key]
        self._list.extend(other._list)
        self._lower = None
        self.version += 1

    # -- dunder -------------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        try:
            other_headers = other if isinstance(other, Headers) else Headers(other)  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return False
        mine = [(n, v) for n, (_, v) in zip(self.lower_names(), self._list)]
        theirs = [(n, v) for n, (_, v) in zip(other_headers.lower_names(), other_headers._list)]
        return sorted(mine) == sorted(theirs)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        enc = self.encoding
        as_list = [
            (n, "[secure]" if n.encode(enc) in _SENSITIVE else v)
            for n, v in self.multi_items()
        ]
        as_dict = dict(as_list)
        encoding_str = "" if enc == "ascii" else f", encoding={enc!r}"
        if len(as_dict) == len(as_list):
            return f"{self.__class__.__name__}({as_dict!r}{encoding_str})"
        return f"{self.__class__.__name__}({as_list!r}{encoding_str})"


class PreparedHead(Protocol):
    """What a client's request seam (``_prepared.py``) prepared for a body-less request."""

    method: str
    url: URL
    headers: Headers
    head: bytes | None  # the HTTP/1.1 origin-form head, when it could be formatted
    asks_close: bool  # whether that head has ``Connection: close``


def _content_type_params(value: str) -> dict[str, str]:
    """Parameters of a media type (RFC 9110 §8.3.1), names lower-cased, quotes removed."""
    params: dict[str, str] = {}
    for part in value.split(";")[1:]:
        k, sep, v = part.partition("=")
        if sep:
            v = v.strip()
            if len(v) >= 2 and v[0] == v[-1] == '"':
                v = v[1:-1]
            params[k.strip().lower()] = v
    return params


def _boundary_from_content_type(headers: Headers) -> bytes | None:
    ct = headers.get("content-type")
    if ct is None or not ct.lower().startswith("multipart/form-data"):
        return None
    b = _content_type_params(ct).get("boundary")
    return b.encode("latin-1") if b else None


class Request:
    """An HTTP request, ready for a transport: method, URL, headers and encoded body."""

    def __init__(
        self,
        method: str | bytes,
        url: URL | str,
        *,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        stream: Any = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        self.method: str = (
            method.decode("ascii").upper() if isinstance(method, bytes) else method.upper()
        )
        u = url if isinstance(url, URL) else URL(url)
        # As HTTPX 0.28: ``params`` replace the URL's query (the client merges its own).
        self.url: URL = u if params is None else u.copy_with(params=params)
        self.headers: Headers = Headers(headers)
        self.extensions: dict[str, Any] = {} if extensions is None else extensions
        self._content: bytes | None = None
        body_headers: dict[str, str]

        if cookies:
            Cookies(cookies).set_cookie_header(self)

        if stream is None and content is None and data is None and files is None and json is None:
            # No body: the common GET.
            self.body = b""
            self._content = b""
            body_headers = {}
        elif stream is None:
            if data is not None and not isinstance(data, Mapping):
                # As HTTPX: raw bytes/str go in `content=`.
                warnings.warn(
                    "Use 'content=<...>' to upload raw bytes/text content.",
                    DeprecationWarning,
                    stacklevel=2,
                )
                content, data = data, None
            body_headers, body = encode_request(
                content=content,
                data=data,
                files=files,
                json=json,
                boundary=_boundary_from_content_type(self.headers) if files else None,
            )
            self.body = body
            if type(body) is bytes:
                self._content = body
        else:
            body_headers = {}
            self.body = stream
            if type(stream) is bytes:
                self._content = stream
        self._prepare(body_headers)

    _headers: Headers
    #: The body as the transports send it: bytes (written whole, replayable) or a stream.
    #: HTTPX code sees it as ``stream``.
    body: RequestBody
    #: ``_headers`` is a template other requests share (see ``prepared``): the request copies
    #: it the first time its ``headers`` are handed out.
    _shared_headers = False
    #: What the client's request seam prepared for this request (``_prepared.py``): its
    #: HTTP/1.1 head, among others. Dropped as soon as the headers are handed out (they may
    #: be changed); a transport uses it only while ``method`` and ``url`` are still the ones
    #: it was prepared for.
    prepared: PreparedHead | None = None

    @property
    def headers(self) -> Headers:
        if self._shared_headers:
            self._headers = self._headers.copy()
            self._shared_headers = False
            self.prepared = None
        return self._headers

    @headers.setter
    def headers(self, headers: Headers) -> None:
        self._headers = headers
        self._shared_headers = False
        self.prepared = None

    @classmethod
    def prepared_without_body(
        cls, prepared: PreparedHead, extensions: dict[str, Any]
    ) -> Request:
        """A request with no body from a client's prepared template: what ``__init__`` built
        for the same method and URL, sharing its complete headers (Host included) until
        someone asks for them."""
        self = cls.__new__(cls)
        self.method = prepared.method
        self.url = prepared.url
        self._headers = prepared.headers
        self._shared_headers = True
        self.prepared = prepared
        self.extensions = extensions
        self._content = b""
        self.body = b""
        return self

    @classmethod
    def from_parts(
        cls,
        method: str,
        url: URL,
        headers: list[tuple[bytes, bytes]],
        stream: RequestBody,
        extensions: dict[str, Any],
    ) -> Request:
        """A request another client already built (the httpx adapters'): ``headers`` are
        the raw fields to send, in order and as cased, taken over as they are (no Host or
        Content-Length added: that client framed the body); ``stream`` is the body, bytes or
        an iterable (sync or async) of them."""
        self = cls.__new__(cls)
        self.method = method
        self.url = url
        self._headers = Headers.from_raw(headers)
        self.extensions = extensions
        self._content = stream if type(stream) is bytes else None
        self.body = stream
        return self

    def _prepare(self, body_headers: dict[str, str]) -> None:
        """Add the body's headers the caller did not set, then Host (RFC 9110 §7.2) and, for a
        body method without a body, ``Content-Length: 0`` (RFC 9110 §8.6) in front."""
        headers = self._headers
        for key, value in body_headers.items():
            # RFC 9112 §6.2: never both Content-Length and Transfer-Encoding.
            if key == "Transfer-Encoding" and "Content-Length" in headers:
                continue
            if key not in headers:
                headers[key] = value
        auto: list[tuple[bytes, bytes]] = []
        if "Host" not in headers and self.url.raw_host:
            auto.append((b"Host", self.url.netloc))
        if (
            self.method in _BODY_METHODS
            and "Content-Length" not in headers
            and "Transfer-Encoding" not in headers
        ):
            auto.append((b"Content-Length", b"0"))
        if auto:
            self._headers = Headers(auto + headers.raw)

    @property
    def stream(self) -> RequestStream:
        """The body as HTTPX hands it out: a stream to iterate, sync or async (or both, for a
        body in memory). A body held as bytes comes as a ``ByteStream`` over those bytes,
        made here when asked for: sending never needs it (the connections write the bytes)."""
        body = self.body
        if isinstance(body, bytes):
            return ByteStream(body)
        return body

    @stream.setter
    def stream(self, body: RequestBody) -> None:
        self.body = body

    @property
    def content(self) -> bytes:
        if self._content is None:
            raise RequestNotRead()
        return self._content

    def read(self) -> bytes:
        """Read a streamed body into ``content`` and make it replayable: afterwards
        ``stream`` is a ``ByteStream`` of the same bytes, iterable sync or async as in HTTPX
        (and sent framed as the headers say, chunked or not)."""
        if self._content is None:
            body = self.body
            if isinstance(body, bytes):  # set through ``stream``
                self._content = body
                return body
            if not isinstance(body, Iterable):
                raise TypeError("This request has an async body: use 'await request.aread()'.")
            self._content = b"".join(body)
            self.body = ByteStream(self._content)
        return self._content

    async def aread(self) -> bytes:
        if self._content is None:
            body = self.body
            if not isinstance(body, AsyncIterable):
                return self.read()
            self._content = b"".join([part async for part in body])
            self.body = ByteStream(self._content)
        return self._content

    def __getstate__(self) -> dict[str, Any]:
        # A streamed body cannot travel: the copy's stream raises StreamClosed (as HTTPX).
        state = self.__dict__.copy()
        state.pop("prepared", None)  # the client's, not the request's
        if state.pop("_shared_headers", False):
            state["_headers"] = state["_headers"].copy()
        if not isinstance(self.body, (bytes, ByteStream)):
            state["body"] = UnattachedStream()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}({self.method!r}, {str(self.url)!r})>"


def _is_known_encoding(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


_LINK_SPLIT = re.compile(r",\s*<")
_LINK_STRIP = " '\""


def parse_header_links(value: str) -> list[dict[str, str]]:
    """Parse a ``Link`` header (RFC 8288 §3) into dicts with "url" and the parameters."""
    links: list[dict[str, str]] = []
    value = value.strip(_LINK_STRIP)
    if not value:
        return links
    for item in _LINK_SPLIT.split(value):
        url, _, params = item.partition(";")
        link = {"url": url.strip("<> '\"")}
        for param in params.split(";"):
            key, sep, val = param.partition("=")
            if not sep:
                break
            link[key.strip(_LINK_STRIP)] = val.strip(_LINK_STRIP)
        links.append(link)
    return links


_ERROR_TYPES = {
    1: "Informational response",
    3: "Redirect response",
    4: "Client error",
    5: "Server error",
}


#: HTTPX's messages for a body read (or closed) through the wrong kind of method, keyed by
#: what the reading method iterates with (the async reader asks for ``__aiter__``).
_WRONG_KIND_READ = {
    "__aiter__": "Attempted to call an async iterator on a sync stream.",
    "__iter__": "Attempted to call a sync iterator on an async stream.",
}
_WRONG_KIND_CLOSE = {
    "__aiter__": "Attempted to call an async close on a sync stream.",
    "__iter__": "Attempted to call a sync close on an async stream.",
}


class BaseResponse:
    """A response without its I/O: status, headers, helpers over ``_content``, and the
    bookkeeping of its body stream (claimed, closed, decoded) that needs no I/O.

    ``fasthttpx.Response`` (``_response.py``) adds the reading paths: the sync ones and the
    async ones, each written once (``_async/body.py``, generated ``_sync/body.py``). They set
    ``self._content`` (bytes) once it is read and keep ``self._num_bytes_downloaded`` up to
    date. The body stream is the connection's (or a transport's) and says by itself whether
    it is read sync (``__iter__``), async (``__aiter__``) or both ways (in memory).
    """

    # Class-level defaults: a subclass building responses off the wire only sets what differs.
    _content: bytes | None = None
    _text: str | None = None
    _encoding: str | None = None
    _elapsed: datetime.timedelta | None = None
    _elapsed_seconds: float | None = None
    _num_bytes_downloaded = 0
    _cookies: Cookies | None = None
    is_closed = False
    default_encoding: str | Callable[[bytes], str | None] = "utf-8"
    #: The redirect a client did not follow (``follow_redirects=False``), ready to send.
    next_request: Request | None = None
    #: ``extensions`` as given to ``__init__``; a response off the wire leaves it None (or
    #: empty) and ``extensions`` fills in what HTTPX's transports report, when first asked.
    _extensions: dict[str, Any] | None = None
    _extensions_given = False
    #: The body as the connection or transport hands it over (None: in memory, ``_content``).
    _body_stream: Any = None
    is_stream_consumed = False
    #: ``time.perf_counter()`` when the request went out (``elapsed`` counts from it).
    _started = 0.0
    #: Whether ``read()``/``stream()``/``raw()``/``close()`` are awaited, when a transport
    #: said so (``attach``); None: as the body stream says.
    _awaited_by_transport: bool | None = None
    #: ``from_wire``'s headers and their ``response_fields`` flags, as the connection found
    #: them while parsing; trusted while those headers are unchanged (version 0).
    _fields_known_for: Headers | None = None
    _wire_fields = 0
    #: ``max_body_size`` / ``max_decompression_ratio`` for this body (``_body_limits.py``), set
    #: by the client; None: unbounded, read as it comes.
    _body_limits: BodyLimits | None = None
    #: False only when the connection that read this response saw no Set-Cookie field: the
    #: client's jar then has nothing to take (a fact about the response as received).
    may_set_cookies = True

    def __init__(
        self,
        status_code: int,
        *,
        headers: Any = None,
        content: bytes | str | None = None,
        text: str | None = None,
        html: str | None = None,
        json: Any = None,
        request: Request | None = None,
        http_version: str = "HTTP/1.1",
        reason_phrase: str | None = None,
        history: list[Any] | None = None,
        default_encoding: str | Callable[[bytes], str | None] = "utf-8",
        extensions: dict[str, Any] | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers: Headers = headers if isinstance(headers, Headers) else Headers(headers)
        self._request = request
        self.http_version = http_version
        self.reason_phrase: str = (
            reason_phrase if reason_phrase is not None else codes.get_reason_phrase(status_code)
        )
        self.history: list[Any] = [] if history is None else history
        self.default_encoding = default_encoding
        self._extensions = {} if extensions is None else extensions
        self._extensions_given = True
        self.is_closed = False
        self._content: bytes | None = None
        self._text: str | None = None
        self._encoding: str | None = None
        self._elapsed: datetime.timedelta | None = None
        self._num_bytes_downloaded = 0
        self._cookies: Cookies | None = None
        if content is not None or text is not None or html is not None or json is not None:
            body_headers, body = encode_response(content, text, html, json)
            for key, value in body_headers.items():
                if key == "Content-Length" and "Transfer-Encoding" in self.headers:
                    continue
                if key not in self.headers:
                    self.headers[key] = value
            self._num_bytes_downloaded = len(body)
            if content is not None and "content-encoding" in self.headers:
                # As HTTPX: ``content=`` is the body as sent, so its coding is undone here
                # (RFC 9110 §8.4); a broken body raises DecodingError now.
                decoder = decoder_for_headers(self.headers)
                body = decoder.decode(body) + decoder.flush()
            self._content = body

    # -- the body stream's bookkeeping (no I/O) ------------------------------------------------

    def wrap_body(self, wrap: Callable[[Any], Any]) -> None:
        """For the transport that lent the connection: put its own wrapper around the body
        (the pool's lease, which hands the connection back when the body ends)."""
        if self._body_stream is not None:
            self._body_stream = wrap(self._body_stream)

    def limit_body(self, limits: BodyLimits | None) -> None:
        """For the client: the ``max_body_size`` / ``max_decompression_ratio`` that reading
        this body must respect (``_body_limits.py``); None lifts them. With limits, the
        connection's finding on the headers is forgotten, so that ``read_if_complete`` takes
        its general branch, where the limits are checked: its fast branch tests nothing more."""
        self._body_limits = limits
        if limits is not None:
            self._fields_known_for = None

    def attach(self, request: Request, *, asynchronous: bool) -> None:
        """For a transport handing this response to a client: bind it to ``request`` and say
        whether the seed spellings (``read()``, ``stream()``, ``raw()``, ``close()``) are
        awaited (an ``AsyncClient``'s) or plain (a ``Client``'s). Needed only for a body in
        memory, readable both ways; a streamed body's own kind decides otherwise."""
        self._request = request
        self._awaited_by_transport = asynchronous

    def _awaited(self) -> bool:
        """Whether the seed spellings return awaitables: as the transport said, else as the
        body stream of a connection says (``seed_awaited``); a response built by hand
        follows HTTPX (plain)."""
        awaited = self._awaited_by_transport
        if awaited is None:
            return getattr(self._body_stream, "seed_awaited", False)
        return awaited

    def _decoder(self) -> ContentDecoder | None:
        """What undoes the body's Content-Encoding, decided from the headers as they are when
        the body is decoded (once per response); None when there is nothing to undo."""
        if not self._field_flags() & CONTENT_ENCODING_FIELD:
            return None
        decoder = decoder_for_headers(self.headers)
        return None if isinstance(decoder, IdentityDecoder) else decoder

    def _field_flags(self) -> int:
        """``response_fields`` of the headers as they are now: the connection's finding
        while the headers are the ones it parsed, unchanged; else worked out again."""
        headers = self.headers
        if headers is self._fields_known_for and not headers.version:
            return self._wire_fields
        return response_fields(headers.raw)

    def _claim_stream(self, iterates: str) -> Any:
        """The body stream, for one reading through ``iterates`` (``"__iter__"`` or
        ``"__aiter__"``): HTTPX's checks in HTTPX's order (consumed, closed, kind)."""
        if self.is_stream_consumed:
            raise StreamConsumed()
        stream = self._body_stream
        if self.is_closed or stream is None:
            raise ResponseClosed()
        if not hasattr(stream, iterates):
            raise RuntimeError(_WRONG_KIND_READ[iterates])
        self.is_stream_consumed = True
        return stream

    def _stream_to_close(self, iterates: str) -> Any:
        """The body stream for ``close``/``aclose`` (None if none or already closed), after
        checking that it is of that method's kind."""
        stream = self._body_stream
        if stream is not None and not hasattr(stream, iterates):
            raise RuntimeError(_WRONG_KIND_CLOSE[iterates])
        if self.is_closed:
            return None
        self.is_closed = True
        self._elapsed_seconds = time.perf_counter() - self._started
        return stream

    def read_if_complete(self) -> bool:
        """Read the body without I/O, when the whole body has already arrived with the
        head (the usual small response): True once ``.content`` is set. False when the body
        has still to be read, or when reading would raise (consumed, closed)."""
        if self._content is not None:
            return True
        stream = self._body_stream
        if self.is_stream_consumed or self.is_closed or stream is None:
            return False
        raw = stream.take_complete()
        if raw is None:
            return False
        self.is_stream_consumed = True
        # The connection went back when the body ended: closed now.
        self.is_closed = True
        self._elapsed_seconds = time.perf_counter() - self._started
        self._num_bytes_downloaded = len(raw)
        headers = self.headers
        if raw and (
            self._wire_fields & CONTENT_ENCODING_FIELD
            or headers is not self._fields_known_for
            or headers.version
        ):
            # Coded, or the headers are not the parser's any more, or limits are set (which
            # forget the parser's finding: ``limit_body``).
            decoder = self._decoder()
            limits = self._body_limits
            if limits is not None:
                raw = self._decode_within(limits, decoder, raw)
            elif decoder is not None:
                raw = decoder.decode(raw) + decoder.flush()
        self._content = raw
        return True

    def _decode_within(
        self, limits: BodyLimits, decoder: ContentDecoder | None, raw: bytes
    ) -> bytes:
        """A body already in memory, decoded under ``limits`` piece by piece."""
        bounded = BoundedDecoder(limits, decoder, self._request)
        pieces = list(bounded.decode(raw))
        pieces.append(bounded.flush())
        return b"".join(pieces)

    def _set_content(self, raw: bytes) -> None:
        self._num_bytes_downloaded += len(raw)
        decoder = self._decoder() if raw else None
        self._content = decoder.decode(raw) + decoder.flush() if decoder else raw

    # -- pickling (as HTTPX: the content is kept, the stream is not) --------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {
            name: value for name, value in self.__dict__.items()
            if name not in ("_body_stream", "is_closed", "_extensions", "_extensions_given")
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.is_closed = True
        self._extensions = {}
        self._extensions_given = True
        self._body_stream = UnattachedStream()

    # -- request-related ----------------------------------------------------------------------

    @property
    def request(self) -> Request:
        if self._request is None:
            raise RuntimeError(
                "The request instance has not been set on this response."
            )
        return self._request

    @request.setter
    def request(self, value: Request) -> None:
        self._request = value

    @property
    def url(self) -> URL:
        return self.request.url

    @property
    def extensions(self) -> dict[str, Any]:
        """As HTTPX: what the transport reports. A response read off the wire has
        ``http_version`` and ``reason_phrase`` (bytes, as on the status line); one built with
        ``Response(...)`` has what it was given. Worked out on first access, not per request."""
        extensions = self._extensions
        if extensions is None:
            extensions = self._extensions = {}
        if not self._extensions_given:
            self._extensions_given = True
            extensions.setdefault("http_version", self.http_version.encode("ascii"))
            extensions.setdefault("reason_phrase", self.reason_phrase.encode("latin-1"))
        return extensions

    @extensions.setter
    def extensions(self, value: dict[str, Any]) -> None:
        self._extensions = value

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending the request to the end of the response (set by the client)."""
        if self._elapsed is None and self._elapsed_seconds is not None:
            self._elapsed = datetime.timedelta(seconds=self._elapsed_seconds)
        if self._elapsed is None:
            raise RuntimeError(
                "'.elapsed' may only be accessed after the response has been read or closed."
            )
        return self._elapsed

    @elapsed.setter
    def elapsed(self, value: datetime.timedelta) -> None:
        self._elapsed = value

    # -- body ---------------------------------------------------------------------------------

    @property
    def content(self) -> bytes:
        content = self._content
        if content is None:
            raise ResponseNotRead()
        return content

    @property
    def num_bytes_downloaded(self) -> int:
        return self._num_bytes_downloaded

    @property
    def charset_encoding(self) -> str | None:
        """The ``charset`` parameter of Content-Type, if any (RFC 9110 §8.3.2)."""
        ct = self.headers.get("content-type")
        if ct is None or ";" not in ct:
            return None
        return _content_type_params(ct).get("charset") or None

    @property
    def encoding(self) -> str:
        """The text encoding: Content-Type charset if known, else ``default_encoding``."""
        enc = self._encoding
        if enc is None:
            charset = self.charset_encoding
            if charset is not None and _is_known_encoding(charset):
                enc = charset
            elif isinstance(self.default_encoding, str):
                enc = self.default_encoding
            elif self._content is not None:
                enc = self.default_encoding(self._content)
            enc = self._encoding = enc or "utf-8"
        return enc

    @encoding.setter
    def encoding(self, value: str) -> None:
        if self._text is not None:
            raise ValueError("Setting encoding after `text` has been accessed is not allowed.")
        self._encoding = value

    @property
    def text(self) -> str:
        text = self._text
        if text is None:
            content = self.content
            if not content:
                text = ""
            else:
                decoder = TextDecoder(self.encoding)
                text = decoder.decode(content) + decoder.flush()
            self._text = text
        return text

    def json(self, **kwargs: Any) -> Any:
        return jsonlib.loads(self.content, **kwargs)

    # -- status -------------------------------------------------------------------------------

    @property
    def is_informational(self) -> bool:
        return 100 <= self.status_code <= 199

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code <= 299

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status_code <= 399

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status_code <= 499

    @property
    def is_server_error(self) -> bool:
        return 500 <= self.status_code <= 599

    @property
    def is_error(self) -> bool:
        return 400 <= self.status_code <= 599

    @property
    def has_redirect_location(self) -> bool:
        """A 301/302/303/307/308 with a Location field (RFC 9110 §15.4)."""
        return self.status_code in (301, 302, 303, 307, 308) and "location" in self.headers

    def raise_for_status(self) -> Any:
        """Raise ``HTTPStatusError`` unless 2xx; returns the response itself when it is."""
        request = self._request
        if request is None:
            raise RuntimeError(
                "Cannot call `raise_for_status` as the request "
                "instance has not been set on this response."
            )
        if self.is_success:
            return self
        error_type = _ERROR_TYPES.get(self.status_code // 100, "Invalid status code")
        message = (
            f"{error_type} '{self.status_code} {self.reason_phrase}' for url '{self.url}'\n"
        )
        if self.has_redirect_location:
            message += f"Redirect location: '{self.headers['location']}'\n"
        message += (
            "For more information check: "
            f"https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/{self.status_code}"
        )
        raise HTTPStatusError(message, request=request, response=self)

    # -- fields -------------------------------------------------------------------------------

    @property
    def cookies(self) -> Cookies:
        cookies = self._cookies
        if cookies is None:
            cookies = self._cookies = Cookies()
            cookies.extract_cookies(self)
        return cookies

    @property
    def links(self) -> dict[str | None, dict[str, str]]:
        """The ``Link`` header parsed, keyed by ``rel`` (or by URL when no rel)."""
        header = self.headers.get("link")
        if header is None:
            return {}
        return {(link.get("rel") or link.get("url")): link for link in parse_header_links(header)}

    def __repr__(self) -> str:
        return f"<Response [{self.status_code} {self.reason_phrase}]>"
