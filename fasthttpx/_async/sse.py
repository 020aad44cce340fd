"""Server-sent events: the event source ``AsyncClient.sse()`` yields.

Why here: a source is a streamed response read through the event-stream parser
(``_sse.pyx`` or its twin, chosen in ``_implementation.py``), plus, when asked, reconnections;
it needs the client to send requests and its backend to wait between them. Written once, async;
``_sync/sse.py`` (``EventSource``) is generated from it.

How: the body is read as it arrives (``aiter_bytes``: transfer and content codings undone) and
each piece is fed whole to the parser, which returns the events it completed; they are handed
out in that order. As httpx2's ``EventSource``, the response's media type is checked when
iteration starts (so ``source.response`` can be looked at first): anything but
``text/event-stream`` raises ``SSEError`` carrying the response.

``reconnect=True`` follows the spec's "reestablish the connection": when the stream ends or
breaks (a ``TransportError`` other than ``SSEError``), wait the reconnection time (the last
``retry`` the server sent, at most an hour, else ``retry_ms``) and send the request again with
``Last-Event-ID`` set to the last event ID, if any. At most ``max_reconnects`` attempts in a
row without an event in between; when they are used up, a stream that ended ends the
iteration and a broken one raises its error. A ``204 No Content`` answer stops the source
(the spec's way for a server to say "do not reconnect"); any other answer that is not an event
stream raises ``SSEError``. The request must be sendable again (bytes, not a one-shot stream).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from .._exceptions import SSEError, TransportError
from .._implementation import EventStreamParser
from .._models import Headers, HeaderTypes
from .._response import Response
from .._sse_event import ServerSentEvent
from .body import close_iterator

if TYPE_CHECKING:
    from .client import AsyncClient

__all__ = ["AsyncEventSource", "DEFAULT_RETRY_MS", "DEFAULT_MAX_RECONNECTS", "MAX_RETRY_MS",
           "sse_headers"]

#: The reconnection time until the server sets one with ``retry`` (the spec leaves it to the
#: user agent; browsers use a few seconds).
DEFAULT_RETRY_MS = 3000
#: Reconnection attempts in a row, without an event in between, before a source gives up.
DEFAULT_MAX_RECONNECTS = 5
#: The longest reconnection time a server's ``retry`` can set (one hour): a larger number
#: would only stall the source (or overflow a sleep).
MAX_RETRY_MS = 3_600_000

_SSE_HEADERS = (("Accept", "text/event-stream"), ("Cache-Control", "no-store"))


def sse_headers(headers: HeaderTypes | None) -> Headers:
    """The request headers of an event source: ``Accept: text/event-stream`` and
    ``Cache-Control: no-store`` (as the spec's ``EventSource`` sends), then the caller's."""
    merged = Headers(_SSE_HEADERS)
    if headers is not None:
        merged.update(Headers(headers))
    return merged


def _is_event_stream(response: Response) -> bool:
    media_type: str = response.headers.get("content-type", "")
    return media_type.partition(";")[0].strip().lower() == "text/event-stream"


class AsyncEventSource:
    """The events of one ``text/event-stream`` response (or of several, reconnecting):
    ``async for event in source``. ``response`` is the response being read."""

    def __init__(
        self,
        client: AsyncClient,
        method: str,
        url: Any,
        request_kwargs: dict[str, Any],
        *,
        max_event_size: int | None,
        reconnect: bool = False,
        max_reconnects: int = DEFAULT_MAX_RECONNECTS,
        retry_ms: int = DEFAULT_RETRY_MS,
    ) -> None:
        if max_reconnects < 0:
            raise ValueError("max_reconnects must be at least 0")
        if retry_ms < 0:
            raise ValueError("retry_ms must be at least 0")
        self._client = client
        self._method = method
        self._url = url
        self._request_kwargs = request_kwargs
        self._headers: Headers = request_kwargs["headers"]
        self._reconnect = reconnect
        self._max_reconnects = max_reconnects
        self._retry_ms = retry_ms
        self._max_event_size = max_event_size  # (httpx2's name: code that reads it works)
        # A Last-Event-ID the caller sent is the one to resume from until the server sets one.
        self._parser = EventStreamParser(
            max_event_size=max_event_size,
            last_event_id=self._headers.get("Last-Event-ID", ""),
        )
        self._response: Response | None = None
        #: The iterations started, closed with the source: an async generator left to the
        #: garbage collector could not close the body it reads (trio reports that).
        self._iterations: list[AsyncIterator[ServerSentEvent]] = []

    @property
    def response(self) -> Response:
        """The response being read (after a reconnection, the new one)."""
        if self._response is None:
            raise RuntimeError("the event source is not connected")
        return self._response

    @property
    def last_event_id(self) -> str:
        """The last event ID the stream set: what a reconnection sends as Last-Event-ID."""
        return self._parser.last_event_id

    @property
    def retry(self) -> int:
        """The reconnection time in milliseconds: the server's last ``retry`` (at most
        ``MAX_RETRY_MS``), else ``retry_ms``."""
        retry = self._parser.retry
        return self._retry_ms if retry is None else min(retry, MAX_RETRY_MS)

    async def connect(self) -> None:
        """Send the request (again, when reconnecting) and take the response's head."""
        kwargs = self._request_kwargs
        last_event_id = self._parser.last_event_id
        if last_event_id and self._response is not None:
            kwargs = dict(kwargs)
            headers = Headers(self._headers, encoding="utf-8")  # the spec sends it as UTF-8
            headers["Last-Event-ID"] = last_event_id
            kwargs["headers"] = headers
        self._response = await self._client.request(
            self._method, self._url, stream=True, **kwargs
        )

    def __aiter__(self) -> AsyncIterator[ServerSentEvent]:
        iteration = self._events()
        self._iterations.append(iteration)
        return iteration

    def aiter_sse(self) -> AsyncIterator[ServerSentEvent]:
        """The events, as ``async for``: httpx-sse's name."""
        return self.__aiter__()

    async def _events(self) -> AsyncIterator[ServerSentEvent]:
        parser = self._parser
        attempts = 0  # reconnections since the last event
        while True:
            response = self.response
            if self._reconnect and response.status_code == 204:
                return  # the server's "stop reconnecting"
            if not _is_event_stream(response):
                media_type = response.headers.get("content-type", "")
                raise SSEError(
                    f"expected a text/event-stream response, got {response.status_code} "
                    f"with Content-Type {media_type!r}",
                    request=response.request, response=response,
                )
            error: TransportError | None = None
            pieces = response.aiter_bytes()
            try:
                async for piece in pieces:
                    events = parser.feed(piece)
                    if events:
                        attempts = 0
                        for event in events:
                            yield event
            except SSEError as exc:
                if exc.response is None:
                    exc.response = response
                    exc.request = response.request
                raise
            except TransportError as exc:
                if not self._reconnect:
                    raise
                error = exc
            finally:
                await close_iterator(pieces)
            parser.feed_eof()
            await response.aclose()
            if not self._reconnect:
                return
            while True:
                if attempts >= self._max_reconnects:
                    if error is not None:
                        raise error
                    return
                attempts += 1
                await self._client._backend.sleep(self.retry / 1000)
                try:
                    await self.connect()
                    break
                except TransportError as exc:  # refused, reset, timed out: try again
                    error = exc

    async def aclose(self) -> None:
        """Stop the iterations and close the response being read (the client's ``sse()``
        block does it on exit)."""
        iterations, self._iterations = self._iterations, []
        for iteration in iterations:
            await close_iterator(iteration)
        if self._response is not None:
            await self._response.aclose()
