"""A client's prepared requests: the one place where the wire form of a request is remembered.

A service sends the same few (method, URL) pairs again and again. The first time, the client
builds the request the general way (URL parsed and joined to ``base_url`` and the client's
params, the client's headers copied, Host and ``Content-Length: 0`` added); ``prepare`` then
formats and checks its HTTP/1.1 head once, and ``PreparedRequests`` keeps the result in one
bounded map, so the next request for the pair is a dict lookup and no formatting at all.

Validity: an entry is used only while the client's configuration is the one it was made
under. Every client setter bumps ``generation``; the client's ``Headers`` change their own
``version`` when edited in place. Both are recorded in the entry and compared on lookup.
The map belongs to its client (default headers may hold ``Authorization`` or ``Cookie``
values) and is emptied when the client closes: nothing outlives it. Sans-I/O: no awaits.
"""

from __future__ import annotations

from ._exceptions import LocalProtocolError
from ._http11_state import serialize_request_head
from ._models import Headers, Request
from ._urls import URL

__all__ = ["PreparedRequest", "PreparedRequests", "prepare", "DEFAULT_MAX_PREPARED"]

#: (method, URL string) pairs remembered per client; past that the oldest is dropped.
DEFAULT_MAX_PREPARED = 256


class PreparedRequest:
    """A body-less request as the client builds it, with its HTTP/1.1 origin-form head."""

    __slots__ = ("method", "url", "headers", "head", "asks_close", "generation",
                 "headers_version")

    def __init__(
        self,
        method: str,
        url: URL,
        headers: Headers,
        head: bytes | None,
        asks_close: bool,
        generation: int,
        headers_version: int,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers  # complete and shared by every request made from this entry
        self.head = head  # None: could not be formatted (the connection raises the error)
        self.asks_close = asks_close
        self.generation = generation
        self.headers_version = headers_version


def prepare(
    method: str, url: URL, client_headers: Headers, generation: int, headers_version: int
) -> PreparedRequest:
    """Build the request for ``method`` (upper case) and ``url`` (joined, with the client's
    params) the general way, and format its head once. ``generation`` and
    ``headers_version`` are the values the caller read *before* reading the configuration
    (a change made meanwhile then leaves the entry out of date, never wrongly valid)."""
    template = Request(method, url, headers=client_headers).headers
    head: bytes | None
    try:
        head, asks_close = serialize_request_head(
            method.encode("ascii"), url.raw_path, template
        )
    except (LocalProtocolError, UnicodeEncodeError):
        head, asks_close = None, False  # refused at send time, as for any request
    return PreparedRequest(
        method, url, template, head, asks_close, generation, headers_version
    )


class PreparedRequests:
    """The bounded map of one client, keyed by (upper-case method, URL string)."""

    __slots__ = ("_entries", "_max_entries", "generation")

    def __init__(self, max_entries: int = DEFAULT_MAX_PREPARED) -> None:
        self._entries: dict[tuple[str, str], PreparedRequest] = {}
        self._max_entries = max_entries
        #: Bumped by every client setter: entries made before no longer match.
        self.generation = 0

    def invalidate(self) -> None:
        """The client's configuration changed: forget every entry."""
        self.generation += 1
        self._entries.clear()

    def lookup(self, method: str, url: str, headers_version: int) -> PreparedRequest | None:
        """The entry for ``(method, url)`` if it is still valid."""
        entry = self._entries.get((method, url))
        if (
            entry is not None
            and entry.generation == self.generation
            and entry.headers_version == headers_version
        ):
            return entry
        return None

    def remember(self, url: str, entry: PreparedRequest) -> None:
        """Keep ``entry`` for ``(entry.method, url)``, dropping the oldest when full."""
        entries = self._entries
        key = (entry.method, url)
        if key not in entries and len(entries) >= self._max_entries:
            # Tolerant: another thread (a sync client shared by threads) may have dropped
            # the same oldest entry, or emptied the map, since the test above.
            entries.pop(next(iter(entries), key), None)
        entries[key] = entry

    def __len__(self) -> int:
        return len(self._entries)
