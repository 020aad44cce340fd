"""The one exception hierarchy every error raised to a user belongs to.

Native errors (OSError, ssl.SSLError, trio errors, h2 errors) are mapped once, where they
arise, with the original chained as ``__cause__``. The tree (as HTTPX 0.28 draws it)::

    HTTPError
    ├── RequestError
    │   ├── TransportError
    │   │   ├── TimeoutException
    │   │   │   ├── ConnectTimeout
    │   │   │   ├── ReadTimeout
    │   │   │   ├── WriteTimeout
    │   │   │   └── PoolTimeout
    │   │   ├── NetworkError
    │   │   │   ├── ConnectError
    │   │   │   ├── ReadError
    │   │   │   ├── WriteError
    │   │   │   └── CloseError
    │   │   ├── ProtocolError
    │   │   │   ├── LocalProtocolError
    │   │   │   └── RemoteProtocolError
    │   │   ├── ProxyError
    │   │   ├── UnsupportedProtocol
    │   │   └── SSEError
    │   ├── DecodingError
    │   │   └── DecompressionBombError
    │   ├── ResponseTooLarge
    │   └── TooManyRedirects
    ├── HTTPStatusError
    └── WebSocketError
        ├── WebSocketUpgradeError
        ├── WebSocketDisconnect
        │   └── WebSocketProtocolError
        ├── WebSocketNetworkError (also a NetworkError)
        ├── WebSocketInvalidTypeReceived
        └── WebSocketTimeout (also the builtin TimeoutError)
    InvalidURL
    CookieConflict
    StreamError
    ├── StreamConsumed
    ├── StreamClosed
    ├── ResponseClosed
    ├── ResponseNotRead
    └── RequestNotRead
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "HTTPError", "RequestError", "TransportError", "TimeoutException", "ConnectTimeout",
    "ReadTimeout", "WriteTimeout", "PoolTimeout", "NetworkError", "ConnectError", "ReadError",
    "WriteError", "CloseError", "ProtocolError", "LocalProtocolError", "RemoteProtocolError",
    "ProxyError", "UnsupportedProtocol", "SSEError", "DecodingError", "DecompressionBombError",
    "ResponseTooLarge", "TooManyRedirects", "HTTPStatusError",
    "InvalidURL", "CookieConflict", "StreamError", "StreamConsumed", "StreamClosed",
    "ResponseClosed", "ResponseNotRead", "RequestNotRead", "WebSocketError",
    "WebSocketUpgradeError", "WebSocketDisconnect", "WebSocketProtocolError",
    "WebSocketNetworkError", "WebSocketInvalidTypeReceived", "WebSocketTimeout",
]


class HTTPError(Exception):
    """Base class for everything that goes wrong with a request or its response."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self._request: Any = None

    @property
    def request(self) -> Any:
        if self._request is None:
            raise RuntimeError("The .request property has not been set.")
        return self._request

    @request.setter
    def request(self, request: Any) -> None:
        self._request = request


class RequestError(HTTPError):
    """An error while sending a request or receiving its response."""

    def __init__(self, message: str, *, request: Any = None) -> None:
        super().__init__(message)
        self._request = request


class TransportError(RequestError):
    """An error at the transport layer (network, protocol, timeouts)."""


class TimeoutException(TransportError):
    """A timeout (connect, read, write or pool) expired."""


class ConnectTimeout(TimeoutException):
    """Opening the connection took longer than the connect timeout."""


class ReadTimeout(TimeoutException):
    """No data arrived from the server within the read timeout."""


class WriteTimeout(TimeoutException):
    """Sending data took longer than the write timeout."""


class PoolTimeout(TimeoutException):
    """No connection became free in the pool within the pool timeout."""


class NetworkError(TransportError):
    """The network failed while connecting, reading, writing or closing."""


class ConnectError(NetworkError):
    """The connection could not be opened (refused, unreachable, DNS, TLS handshake)."""


class ReadError(NetworkError):
    """Receiving data from the network failed."""


class WriteError(NetworkError):
    """Sending data to the network failed."""


class CloseError(NetworkError):
    """Closing the connection failed."""


class ProtocolError(TransportError):
    """The protocol was violated."""


class LocalProtocolError(ProtocolError):
    """We were about to violate the protocol (e.g. a malformed request)."""


class RemoteProtocolError(ProtocolError):
    """The server violated the protocol: malformed, ambiguous or truncated response."""


class ProxyError(TransportError):
    """The proxy could not be used."""


class UnsupportedProtocol(TransportError):
    """The URL scheme is not one we speak (only http and https are)."""


class SSEError(TransportError):
    """A server-sent events stream cannot be read: the response is not ``text/event-stream``,
    or one event grew past ``max_event_size``. ``response`` is the response concerned (None
    when the error did not come from one), as httpx2's ``SSEError`` is a ``TransportError``."""

    def __init__(self, message: str, *, request: Any = None, response: Any = None) -> None:
        super().__init__(message, request=request)
        self.response = response


class DecodingError(RequestError):
    """The response body could not be decoded from its Content-Encoding."""


class DecompressionBombError(DecodingError):
    """Decoding the body expanded it more than ``max_decompression_ratio`` allows (decoded
    bytes per byte received, past the first MiB of decoded output): the response is closed."""


class ResponseTooLarge(RequestError):
    """The decoded body grew past ``max_body_size``: the response is closed, its connection
    discarded when the body had not ended."""


class TooManyRedirects(RequestError):
    """More redirects than ``max_redirects`` were followed."""


class HTTPStatusError(HTTPError):
    """Raised by ``raise_for_status()`` for 4xx and 5xx responses."""

    def __init__(self, message: str, *, request: Any, response: Any) -> None:
        super().__init__(message)
        self._request = request
        self.response = response


class WebSocketError(HTTPError):
    """Base class of what a WebSocket session (``client.websocket()``) raises."""


class WebSocketUpgradeError(WebSocketError):
    """The server did not switch to the WebSocket protocol: it answered the handshake with
    something other than 101, or a 101 whose handshake fields are wrong (RFC 6455 §4.1).
    ``response`` is its answer (with its body read, for a non-101)."""

    def __init__(self, response: Any, message: str | None = None) -> None:
        if message is None:
            message = (
                f"the server answered the WebSocket handshake with {response.status_code} "
                f"{response.reason_phrase}, not 101 Switching Protocols".rstrip()
            )
        super().__init__(message)
        self.response = response
        self._request = getattr(response, "_request", None)


class WebSocketDisconnect(WebSocketError):
    """The WebSocket session is over: ``code`` and ``reason`` are those of the server's close
    frame (RFC 6455 §7.1.5; 1005 when it carried no code), or of ours when we ended it."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""
        text = f"WebSocket closed with code {code}"
        super().__init__(f"{text}: {self.reason}" if self.reason else text)


class WebSocketProtocolError(WebSocketDisconnect):
    """The server broke RFC 6455 (a malformed frame, invalid UTF-8, a message over the size
    limit...): we closed the session with ``code`` (1002 protocol error, 1007 invalid data,
    1009 message too big) and ``reason`` says what was wrong."""


class WebSocketNetworkError(WebSocketError, NetworkError):
    """The connection under a WebSocket session failed (reset, closed without a close frame,
    a keepalive ping unanswered within its timeout, a write that failed)."""


class WebSocketInvalidTypeReceived(WebSocketError):
    """``receive_text()`` got a binary message, or ``receive_bytes()`` a text message;
    ``event`` is what arrived (a ``wsproto`` message event, as HTTPX-WS gives)."""

    def __init__(self, event: Any, message: str | None = None) -> None:
        super().__init__(message or f"unexpected WebSocket message: {type(event).__name__}")
        self.event = event


class WebSocketTimeout(WebSocketError, TimeoutError):
    """No message arrived within a ``receive*(timeout=...)``; the session stays usable.
    Also a builtin ``TimeoutError``, which is what HTTPX-WS raises there."""


class InvalidURL(Exception):
    """A URL could not be parsed or is not usable for a request."""


class CookieConflict(Exception):
    """More than one cookie matched a lookup by name."""


class StreamError(RuntimeError):
    """A response or request stream was used in a way that cannot work."""


class StreamConsumed(StreamError):
    """The stream was already consumed once and is not kept."""

    def __init__(self, message: str = "Attempted to read or stream content, but the content "
                 "has already been streamed.") -> None:
        super().__init__(message)


class StreamClosed(StreamError):
    """The stream was closed before it was read."""

    def __init__(self, message: str = "Attempted to read or stream content, but the stream "
                 "has been closed.") -> None:
        super().__init__(message)


class ResponseClosed(StreamClosed):
    """The response was closed before its body was read."""

    def __init__(self, message: str = "Attempted to read or stream response content, but the "
                 "response has been closed.") -> None:
        super().__init__(message)


class ResponseNotRead(StreamError):
    """``.content`` was used on a streamed response that has not been read."""

    def __init__(self, message: str = "Attempted to access streaming response content, "
                 "without having called `read()`.") -> None:
        super().__init__(message)


class RequestNotRead(StreamError):
    """``.content`` was used on a request whose streamed body has not been read."""

    def __init__(self, message: str = "Attempted to access streaming request content, "
                 "without having called `read()`.") -> None:
        super().__init__(message)
