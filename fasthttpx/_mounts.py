"""``mounts=``: which transport carries a request, by URL pattern, as HTTPX decides it.

A pattern is ``scheme://host:port`` where each part may be left out or wildcarded:
``"all://"`` (every URL), ``"https://"`` (a scheme), ``"all://example.com"`` (that host only),
``"all://*example.com"`` (the host and its subdomains), ``"all://*.example.com"`` (subdomains
only), ``"http://example.com:8080"`` (a port too). When several match, the most specific wins:
a pattern with a port before one without, then the longer host, then the longer scheme
(``"all"`` counts as no scheme, so ``"https://"`` beats ``"all://"``). A
client with no mounts never looks here: its default transport carries everything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Generic, TypeVar

from ._urls import URL

__all__ = ["URLPattern", "Mounts"]

T = TypeVar("T")


class URLPattern:
    """One ``mounts`` key, compiled."""

    __slots__ = ("pattern", "scheme", "host", "port", "_host_regex")

    def __init__(self, pattern: str) -> None:
        if pattern and ":" not in pattern:
            raise ValueError(
                f"Proxy keys should use proper URL forms rather than plain scheme strings. "
                f'Instead of "{pattern}", use "{pattern}://"'
            )
        url = URL(pattern)
        self.pattern = pattern
        self.scheme = "" if url.scheme == "all" else url.scheme
        self.host = "" if url.host == "*" else url.host
        self.port = url.port
        host = self.host
        if not host:
            self._host_regex: re.Pattern[str] | None = None
        elif host.startswith("*."):
            self._host_regex = re.compile(rf"^.+\.{re.escape(host[2:])}$")
        elif host.startswith("*"):
            self._host_regex = re.compile(rf"^(.+\.)?{re.escape(host[1:])}$")
        else:
            self._host_regex = re.compile(rf"^{re.escape(host)}$")

    def matches(self, url: URL) -> bool:
        if self.scheme and url.scheme != self.scheme:
            return False
        if self._host_regex is not None and not self._host_regex.match(url.host):
            return False
        return self.port is None or url.port == self.port

    @property
    def priority(self) -> tuple[int, int, int]:
        """Sort key: the most specific pattern first."""
        return (0 if self.port is not None else 1, -len(self.host), -len(self.scheme))

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, URLPattern) and self.pattern == other.pattern

    def __repr__(self) -> str:
        return f"URLPattern({self.pattern!r})"


class Mounts(Generic[T]):
    """The client's mounted transports, most specific pattern first; ``None`` as a transport
    means "the client's default transport" (HTTPX's way to exempt a pattern)."""

    __slots__ = ("_entries",)

    def __init__(self, mounts: Iterable[tuple[str, T | None]] = ()) -> None:
        entries = [(URLPattern(key), transport) for key, transport in mounts]
        self._entries: list[tuple[URLPattern, T | None]] = sorted(entries, key=_priority)

    def transport_for(self, url: URL, default: T) -> T:
        for pattern, transport in self._entries:
            if pattern.matches(url):
                return default if transport is None else transport
        return default

    def transports(self) -> list[T]:
        """Every mounted transport (not the default), once each, for opening and closing."""
        seen: list[T] = []
        for _, transport in self._entries:
            if transport is not None and not any(transport is t for t in seen):
                seen.append(transport)
        return seen


def _priority(entry: tuple[URLPattern, object]) -> tuple[int, int, int]:
    return entry[0].priority
