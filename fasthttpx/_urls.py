"""URLs and query parameters: parsed, validated and normalised without I/O.

Why our own parser: the stdlib's ``urlsplit`` neither validates nor normalises, and the request
line needs the exact percent-encoded bytes. How it works: a URL string is split with ``str.find``
/ ``partition`` (RFC 3986 §3: ``scheme ":" "//" authority path "?" query "#" fragment``; no
regex over the whole string), each component is then normalised:

* scheme and host lower-cased (§6.2.2.1), default port dropped (§6.2.3), dot segments removed
  (§5.2.4) and an empty http(s) path made ``/`` (§6.2.3);
* path, query, fragment and userinfo percent-encoded with the WHATWG sets HTTPX uses, leaving
  valid ``%XX`` escapes alone (§2.1, §2.4). A single-character-class regex finds what needs
  encoding (linear time, no backtracking); clean components are returned as they are;
* non-ASCII hosts become IDNA A-labels with ``idna`` (UTS #46 mapping); IPv4 and IPv6 literals
  are validated (§3.2.2); other characters a reg-name cannot hold are percent-encoded, as HTTPX
  does (control characters are ``InvalidURL``).

The parsed form is the seven encoded components; everything else is derived lazily and cached
on the instance (a ``URL`` is immutable). Nothing is cached globally.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import ItemsView, Iterator, KeysView, Mapping, Sequence, ValuesView
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import idna

from ._exceptions import InvalidURL

__all__ = ["URL", "QueryParams", "QueryParamTypes", "MAX_URL_LENGTH", "DEFAULT_PORTS"]

#: Longest URL accepted (bytes of the string form); a guard against absurd inputs.
MAX_URL_LENGTH = 65536

#: Default ports dropped from normalised URLs (WHATWG URL, "special schemes").
DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"  # §2.3
_SUB_DELIMS = "!$&'()*+,;="  # §2.2


def _printable_except(excluded: str) -> str:
    return "".join(chr(i) for i in range(0x21, 0x7F) if chr(i) not in excluded)


# WHATWG percent-encode sets (https://url.spec.whatwg.org/#percent-encoded-bytes), as HTTPX.
_FRAG_SAFE = _printable_except('"<>`')
_QUERY_SAFE = _printable_except('"#<>')
_PATH_SAFE = _printable_except('"#<>?`{}')
_USERNAME_SAFE = _printable_except('"#<>?`{}/:;=@[\\]^|')
_USERINFO_SAFE = _printable_except('"#<>?`{}/;=@[\\]^|')


def _unsafe_regex(safe: str) -> re.Pattern[str]:
    # Anything outside the safe set. A '%' is left as it is, escape or not, as HTTPX does
    # (it is in the WHATWG sets); ``quote()`` below, for query values, is stricter.
    chars = re.escape("".join(sorted(set(safe + _UNRESERVED))))
    return re.compile(f"[^{chars}]")


_FRAG_RE = _unsafe_regex(_FRAG_SAFE)
_QUERY_RE = _unsafe_regex(_QUERY_SAFE)
_PATH_RE = _unsafe_regex(_PATH_SAFE)
_USERNAME_RE = _unsafe_regex(_USERNAME_SAFE)
_USERINFO_RE = _unsafe_regex(_USERINFO_SAFE)
_HOST_BAD_RE = re.compile("[^" + re.escape(_UNRESERVED + _SUB_DELIMS + "%") + "]")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f]")


def _encode_char(match: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in match.group().encode("utf-8"))


def _quote(value: str, unsafe: re.Pattern[str]) -> str:
    """Percent-encode what ``unsafe`` matches, keeping existing ``%XX`` escapes."""
    if unsafe.search(value) is None:
        return value
    return unsafe.sub(_encode_char, value)


def quote(value: str, safe: str = "") -> str:
    """Percent-encode ``value`` leaving unreserved characters, ``safe`` and ``%XX`` alone."""
    chars = re.escape("".join(sorted(set(safe + _UNRESERVED) - {"%"})))
    return _quote(value, re.compile(f"[^{chars}%]|%(?![0-9A-Fa-f]{{2}})"))


def _check_control(value: str, what: str) -> None:
    m = _CONTROL_RE.search(value)
    if m is not None:
        raise InvalidURL(
            f"Invalid non-printable ASCII character in {what}, {m.group()!r} "
            f"at position {m.start()}."
        )


def _encode_host(host: str) -> str:
    """Normalise a host to its ASCII form (§3.2.2): IP literal, reg-name or IDNA A-label."""
    if not host:
        return ""
    if host[0] == "[":
        if host[-1] != "]":
            raise InvalidURL(f"Invalid IPv6 address: {host!r}")
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidURL(f"Invalid IPv6 address: {host!r}") from None
        return host[1:-1].lower()  # as written (HTTPX keeps it so), validated above
    if host.isascii():
        last = host[-1]
        if "0" <= last <= "9":
            parts = host.split(".")
            if len(parts) == 4 and host.replace(".", "").isdigit() and "" not in parts:
                # IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet
                for p in parts:
                    if int(p) > 255 or (len(p) > 1 and p[0] == "0"):
                        raise InvalidURL(f"Invalid IPv4 address: {host!r}")
                return host
        host = host.lower()
        if _HOST_BAD_RE.search(host) is not None:
            # As HTTPX: a reg-name character outside unreserved / sub-delims is percent-encoded
            # (§3.2.2), e.g. "exam le.com" -> "exam%20le.com"; control characters are refused.
            _check_control(host, "URL host")
            host = _HOST_BAD_RE.sub(_encode_char, host)
        if "xn--" in host:
            try:
                idna.decode(host)
            except (idna.IDNAError, UnicodeError) as exc:
                raise InvalidURL(f"Invalid IDNA hostname: {host!r}") from exc
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidURL(f"Invalid IDNA hostname: {host!r}") from exc


def _parse_port(port: str | int | None, scheme: str) -> int | None:
    if port is None or port == "":
        return None
    if isinstance(port, str):
        if not port.isascii() or not port.isdigit():
            raise InvalidURL(f"Invalid port: {port!r}")
        value = int(port)
    else:
        value = port
    if not 0 <= value <= 65535:
        raise InvalidURL(f"Invalid port: {port!r}")
    if DEFAULT_PORTS.get(scheme) == value:
        return None
    return value


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: drop "." and ".." segments, keeping a trailing slash they imply."""
    if "." not in path:
        return path
    segments = path.split("/")
    if "." not in segments and ".." not in segments:
        return path
    out: list[str] = []
    last = len(segments) - 1
    for i, seg in enumerate(segments):
        if seg == "." or seg == "..":
            if seg == ".." and out and out != [""]:
                out.pop()
            if i == last:
                out.append("")
        else:
            out.append(seg)
    if out == [""]:
        return "/" if path.startswith("/") else ""
    return "/".join(out)


def _split(url: str) -> tuple[str, str | None, str, str | None, str | None]:
    """Split into (scheme, authority or None, path, query or None, fragment or None)."""
    fragment = query = None
    i = url.find("#")
    if i >= 0:
        url, fragment = url[:i], url[i + 1 :]
    i = url.find("?")
    if i >= 0:
        url, query = url[:i], url[i + 1 :]
    scheme = ""
    if url.startswith("://"):  # an empty scheme, as HTTPX accepts
        url = url[1:]
    i = url.find(":")
    if i > 0:
        j = url.find("/")
        if (j < 0 or i < j) and _SCHEME_RE.fullmatch(url, 0, i):
            scheme, url = url[:i], url[i + 1 :]
    authority = None
    if url.startswith("//"):
        j = url.find("/", 2)
        if j < 0:
            authority, url = url[2:], ""
        else:
            authority, url = url[2:j], url[j:]
    return scheme, authority, url, query, fragment


def _split_authority(authority: str) -> tuple[str, str, str | None]:
    """Split authority (§3.2) into (userinfo, host, port or None)."""
    userinfo = ""
    i = authority.rfind("@")
    if i >= 0:
        userinfo, authority = authority[:i], authority[i + 1 :]
    if authority.startswith("["):
        j = authority.find("]")
        if j < 0:
            raise InvalidURL(f"Invalid IPv6 address: {authority!r}")
        host, rest = authority[: j + 1], authority[j + 1 :]
        if not rest:
            return userinfo, host, None
        if rest[0] != ":":
            raise InvalidURL(f"Invalid URL authority: {authority!r}")
        return userinfo, host, rest[1:]
    i = authority.rfind(":")
    if i >= 0:
        return userinfo, authority[:i], authority[i + 1 :]
    return userinfo, authority, None


_Components = tuple[str, str, str, int | None, str, str | None, str | None]


def _normalise(
    scheme: str,
    userinfo: str,
    host: str,
    port: str | int | None,
    path: str,
    query: str | None,
    fragment: str | None,
) -> _Components:
    scheme = scheme.lower()
    if userinfo:
        userinfo = _quote(userinfo, _USERINFO_RE)
    host = _encode_host(host)
    port_int = _parse_port(port, scheme)
    has_authority = bool(userinfo or host or port_int is not None)
    # §3.3: path rules depend on whether there is a scheme or an authority.
    if has_authority:
        if path and path[0] != "/":
            raise InvalidURL("For absolute URLs, path must be empty or begin with '/'")
    elif not scheme:
        if path.startswith("//"):
            raise InvalidURL("Relative URLs cannot have a path starting with '//'")
        if path.startswith(":"):
            raise InvalidURL("Relative URLs cannot have a path starting with ':'")
    if scheme or has_authority:
        path = remove_dot_segments(path)
    path = _quote(path, _PATH_RE)
    if query:
        query = _quote(query, _QUERY_RE)
    if fragment:
        fragment = _quote(fragment, _FRAG_RE)
    return scheme, userinfo, host, port_int, path, query, fragment


_ALLOWED_KWARGS: dict[str, type | tuple[type, ...]] = {
    "scheme": str,
    "username": str,
    "password": str,
    "userinfo": bytes,
    "host": str,
    "port": int,
    "netloc": bytes,
    "path": str,
    "query": bytes,
    "raw_path": bytes,
    "fragment": str,
    "params": object,
}


class URL:
    """An RFC 3986 URL, normalised. Immutable: ``copy_with`` and friends return new URLs."""

    __slots__ = (
        "_scheme", "_userinfo", "_host", "_port", "_path", "_query", "_fragment",
        "_str", "_raw_path", "_netloc", "_host_unicode", "_origin",
    )

    _scheme: str
    _userinfo: str
    _host: str
    _port: int | None
    _path: str
    _query: str | None
    _fragment: str | None

    def __init__(self, url: URL | str = "", *, params: Any = None, **components: Any) -> None:
        if params is not None:
            components["params"] = params
        if isinstance(url, str):
            if not components:
                self._set(self._parse(url))
                return
            base = self._parse(url)
        elif isinstance(url, URL):
            if not components:
                self._set(url._components())
                return
            base = url._components()
        else:
            raise TypeError(
                f"Invalid type for url.  Expected str or fasthttpx.URL, got {type(url)}: {url!r}"
            )
        self._set(self._with_components(base, components))

    # -- construction -------------------------------------------------------------------------

    def _set(self, c: _Components) -> None:
        (self._scheme, self._userinfo, self._host, self._port,
         self._path, self._query, self._fragment) = c
        self._str: str | None = None
        self._raw_path: bytes | None = None
        self._netloc: bytes | None = None
        self._host_unicode: str | None = None
        self._origin: tuple[str, bytes, int] | None = None

    def _components(self) -> _Components:
        return (self._scheme, self._userinfo, self._host, self._port,
                self._path, self._query, self._fragment)

    @staticmethod
    def _parse(url: str) -> _Components:
        if len(url) > MAX_URL_LENGTH:
            raise InvalidURL("URL too long")
        if not (url.isascii() and url.isprintable()) or " " in url:
            # Slow path: only ASCII control characters are errors; spaces get encoded.
            _check_control(url, "URL")
        scheme, authority, path, query, fragment = _split(url)
        if authority is None:
            userinfo, host, port = "", "", None
        else:
            userinfo, host, port = _split_authority(authority)
        return _normalise(scheme, userinfo, host, port, path, query, fragment)

    @staticmethod
    def _with_components(base: _Components, kw: dict[str, Any]) -> _Components:
        for key, value in kw.items():
            allowed = _ALLOWED_KWARGS.get(key)
            if allowed is None:
                raise TypeError(f"{key!r} is an invalid keyword argument for URL()")
            if value is not None and not isinstance(value, allowed):
                raise TypeError(
                    f"Argument {key!r} must be {allowed.__name__} "  # type: ignore[union-attr]
                    f"but got {type(value).__name__}"
                )
            if isinstance(value, bytes):
                value = value.decode("ascii")
                kw[key] = value
            if isinstance(value, str):
                if len(value) > MAX_URL_LENGTH:
                    raise InvalidURL(f"URL component '{key}' too long")
                _check_control(value, f"URL {key} component")
        scheme, userinfo, host, port, path, query, fragment = base
        port_in: str | int | None = port
        if "params" in kw:
            p = kw.pop("params")
            kw["query"] = str(QueryParams(p)) if p else None
        if "netloc" in kw:
            _, kw["host"], kw["port"] = _split_authority(kw.pop("netloc") or "")
        if "username" in kw or "password" in kw:
            user = _quote(kw.pop("username", "") or "", _USERNAME_RE)
            pwd = _quote(kw.pop("password", "") or "", _USERNAME_RE)
            kw["userinfo"] = f"{user}:{pwd}" if pwd else user
        if "raw_path" in kw:
            raw = kw.pop("raw_path") or ""
            p_, sep, q_ = raw.partition("?")
            kw["path"], kw["query"] = p_, (q_ if sep else None)
        if "host" in kw:
            h = kw["host"] or ""
            if ":" in h and not h.startswith("["):
                h = f"[{h}]"
            host = h
        elif host and ":" in host:
            host = f"[{host}]"
        scheme = kw.get("scheme", scheme) or ""
        if "scheme" in kw and scheme and _SCHEME_RE.fullmatch(scheme) is None:
            raise InvalidURL("Invalid URL component 'scheme'")
        userinfo = kw.get("userinfo", userinfo) or ""
        port_in = kw.get("port", port_in)
        path = kw.get("path", path) or ""
        query = kw.get("query", query)
        fragment = kw.get("fragment", fragment)
        if "fragment" in kw and fragment == "":
            fragment = None
        return _normalise(scheme, userinfo, host, port_in, path, query, fragment)

    # -- components ---------------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        return self._scheme

    @property
    def raw_scheme(self) -> bytes:
        return self._scheme.encode("ascii")

    @property
    def userinfo(self) -> bytes:
        return self._userinfo.encode("ascii")

    @property
    def has_userinfo(self) -> bool:
        """Whether the URL carries credentials (``user:pass@``), without encoding them."""
        return bool(self._userinfo)

    @property
    def username(self) -> str:
        return unquote(self._userinfo.partition(":")[0])

    @property
    def password(self) -> str:
        return unquote(self._userinfo.partition(":")[2])

    @property
    def host(self) -> str:
        """The host, lower-case, IDNA A-labels decoded to unicode, IPv6 without brackets."""
        h = self._host_unicode
        if h is None:
            h = self._host
            if "xn--" in h:
                try:
                    h = idna.decode(h)
                except (idna.IDNAError, UnicodeError):
                    pass
            self._host_unicode = h
        return h

    @property
    def raw_host(self) -> bytes:
        return self._host.encode("ascii")

    @property
    def port(self) -> int | None:
        return self._port

    @property
    def netloc(self) -> bytes:
        n = self._netloc
        if n is None:
            host = self._host
            if ":" in host:
                host = f"[{host}]"
            if self._port is not None:
                host = f"{host}:{self._port}"
            n = self._netloc = host.encode("ascii")
        return n

    @property
    def path(self) -> str:
        """The decoded path; "/" when empty (as HTTPX: ``str()`` keeps it empty)."""
        return unquote(self._path) if self._path else "/"

    @property
    def query(self) -> bytes:
        return (self._query or "").encode("ascii")

    @property
    def params(self) -> QueryParams:
        return QueryParams(self._query or "")

    @property
    def raw_path(self) -> bytes:
        """The request-target in origin-form (RFC 9112 §3.2.1): path and ``?query``."""
        r = self._raw_path
        if r is None:
            path = self._path or "/"
            if self._query is not None:
                path = f"{path}?{self._query}"
            r = self._raw_path = path.encode("ascii")
        return r

    @property
    def fragment(self) -> str:
        return unquote(self._fragment or "")

    @property
    def origin(self) -> tuple[str, bytes, int]:
        """(scheme, raw_host, port) with the scheme's default port filled in (computed once:
        the pool looks it up for every request)."""
        origin = self._origin
        if origin is None:
            port = self._port
            if port is None:
                port = DEFAULT_PORTS.get(self._scheme, 0)
            origin = self._origin = (self._scheme, self._host.encode("ascii"), port)
        return origin

    @property
    def is_absolute_url(self) -> bool:
        return bool(self._scheme and self._host)

    @property
    def is_relative_url(self) -> bool:
        return not self.is_absolute_url

    # -- copies -------------------------------------------------------------------------------

    def copy_with(self, **kwargs: Any) -> URL:
        return URL(self, **kwargs)

    def copy_set_param(self, key: str, value: Any = None) -> URL:
        return self.copy_with(params=self.params.set(key, value))

    def copy_add_param(self, key: str, value: Any = None) -> URL:
        return self.copy_with(params=self.params.add(key, value))

    def copy_remove_param(self, key: str) -> URL:
        return self.copy_with(params=self.params.remove(key))

    def copy_merge_params(self, params: Any) -> URL:
        return self.copy_with(params=self.params.merge(params))

    def join(self, url: URL | str) -> URL:
        """Resolve a reference against this URL (RFC 3986 §5.2.2, strict parser)."""
        ref = url if isinstance(url, URL) else URL(url)
        r_scheme, r_userinfo, r_host, r_port, r_path, r_query, r_frag = ref._components()
        b_scheme, b_userinfo, b_host, b_port, b_path, b_query, _ = self._components()
        r_has_auth = bool(r_userinfo or r_host or r_port is not None)
        if r_scheme:
            t = (r_scheme, r_userinfo, r_host, r_port, remove_dot_segments(r_path), r_query)
        elif r_has_auth:
            t = (b_scheme, r_userinfo, r_host, r_port, remove_dot_segments(r_path), r_query)
        else:
            if not r_path:
                path, query = b_path, (r_query if r_query is not None else b_query)
            else:
                if r_path.startswith("/"):
                    path = remove_dot_segments(r_path)
                else:
                    # §5.2.3 merge
                    b_has_auth = bool(b_userinfo or b_host or b_port is not None)
                    if b_has_auth and not b_path:
                        merged = "/" + r_path
                    else:
                        merged = b_path[: b_path.rfind("/") + 1] + r_path
                    path = remove_dot_segments(merged)
                query = r_query
            t = (b_scheme, b_userinfo, b_host, b_port, path, query)
        scheme, userinfo, host, port, path, query = t
        if ":" in host:
            host = f"[{host}]"
        return URL._from_components(
            _normalise(scheme, userinfo, host, port, path, query, r_frag)
        )

    @classmethod
    def from_parts(cls, scheme: str, host: str, port: int | None, target: bytes) -> URL:
        """A URL from parts another URL parser already normalised (the httpx adapters'
        requests): ``host`` in lower-case ASCII (IPv6 without brackets), ``port`` None for the
        scheme's default, ``target`` the path and query as the request line sends them.
        Nothing is checked or encoded again: these parts go on the wire as they are."""
        path, sep, query = target.decode("ascii").partition("?")
        obj = cls.__new__(cls)
        obj._set((scheme, "", host, port, path, query if sep else None, None))
        obj._raw_path = target
        return obj

    @classmethod
    def _from_components(cls, c: _Components) -> URL:
        obj = cls.__new__(cls)
        obj._set(c)
        return obj

    # -- dunder -------------------------------------------------------------------------------

    def __str__(self) -> str:
        s = self._str
        if s is None:
            s = self._str = self._render(self._userinfo)
        return s

    def _render(self, userinfo: str) -> str:
        scheme, _, host, port, path, query, fragment = self._components()
        parts = []
        if scheme:
            parts.append(scheme + ":")
        if userinfo or host or port is not None:
            parts.append("//")
            if userinfo:
                parts.append(userinfo + "@")
            parts.append(f"[{host}]" if ":" in host else host)
            if port is not None:
                parts.append(f":{port}")
        parts.append(path)
        if query is not None:
            parts.append("?" + query)
        if fragment is not None:
            parts.append("#" + fragment)
        return "".join(parts)

    def __repr__(self) -> str:
        userinfo = self._userinfo
        if ":" in userinfo:
            userinfo = userinfo.split(":")[0] + ":[secure]"
        return f"{self.__class__.__name__}({self._render(userinfo)!r})"

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL):
            return str(self) == str(other)
        if isinstance(other, str):
            try:
                return str(self) == str(URL(other))
            except InvalidURL:
                return False
        return False


def primitive_str(value: object) -> str:
    """A form or query value as text, as HTTPX renders it: ``True`` → ``"true"``,
    ``False`` → ``"false"``, ``None`` → ``""``, anything else ``str(value)``. Shared by
    query strings (here), urlencoded bodies (``_content``) and multipart fields."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


class QueryParams(Mapping[str, str]):
    """An immutable multi-dict of query parameters (first value wins for ``[key]``)."""

    __slots__ = ("_dict",)

    _dict: dict[str, list[str]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > 1:
            raise TypeError("Too many arguments.")
        if args and kwargs:
            raise TypeError("Cannot mix named and unnamed arguments.")
        value = args[0] if args else kwargs
        d: dict[str, list[str]] = {}
        if value is None or isinstance(value, (str, bytes)):
            if isinstance(value, bytes):
                value = value.decode("ascii")
            if value:
                for k, v in parse_qsl(value, keep_blank_values=True):
                    d.setdefault(k, []).append(v)
        elif isinstance(value, QueryParams):
            d = {k: list(v) for k, v in value._dict.items()}
        elif isinstance(value, Mapping):
            for k, v in value.items():
                vs = v if isinstance(v, (list, tuple)) else [v]
                d[str(k)] = [primitive_str(x) for x in vs]
        elif isinstance(value, Sequence):
            for k, v in value:
                d.setdefault(str(k), []).append(primitive_str(v))
        else:
            raise TypeError(f"Invalid type for query params: {type(value).__name__}")
        self._dict = d

    def keys(self) -> KeysView[str]:
        return self._dict.keys()

    def values(self) -> ValuesView[str]:
        return {k: v[0] for k, v in self._dict.items()}.values()

    def items(self) -> ItemsView[str, str]:
        return {k: v[0] for k, v in self._dict.items()}.items()

    def multi_items(self) -> list[tuple[str, str]]:
        return [(k, v) for k, vs in self._dict.items() for v in vs]

    def get(self, key: Any, default: Any = None) -> Any:
        vs = self._dict.get(str(key))
        return vs[0] if vs else default

    def get_list(self, key: str) -> list[str]:
        return list(self._dict.get(str(key), []))

    def _copy(self) -> QueryParams:
        q = QueryParams.__new__(QueryParams)
        q._dict = dict(self._dict)
        return q

    def set(self, key: str, value: Any = None) -> QueryParams:
        q = self._copy()
        q._dict[str(key)] = [primitive_str(value)]
        return q

    def add(self, key: str, value: Any = None) -> QueryParams:
        q = self._copy()
        q._dict[str(key)] = self.get_list(key) + [primitive_str(value)]
        return q

    def remove(self, key: str) -> QueryParams:
        q = self._copy()
        q._dict.pop(str(key), None)
        return q

    def merge(self, params: Any = None) -> QueryParams:
        q = QueryParams(params)
        q._dict = {**self._dict, **q._dict}
        return q

    def __getitem__(self, key: Any) -> str:
        return self._dict[key][0]

    def __contains__(self, key: Any) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __bool__(self) -> bool:
        return bool(self._dict)

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryParams):
            return False
        return sorted(self.multi_items()) == sorted(other.multi_items())

    def __str__(self) -> str:
        return urlencode(self.multi_items())

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"

    def update(self, params: Any = None) -> None:
        raise RuntimeError("QueryParams are immutable. Use `q = q.merge(...)` for a copy.")

    def __setitem__(self, key: str, value: str) -> None:
        raise RuntimeError("QueryParams are immutable. Use `q = q.set(key, value)` for a copy.")


#: What ``params=`` takes: a ``QueryParams``, a mapping (values may be lists), pairs, or a
#: query string.
QueryParamTypes = (
    QueryParams | Mapping[str, Any] | Sequence[tuple[str, Any]] | str | bytes | None
)
