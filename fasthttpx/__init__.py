"""fasthttpx: an HTTP client with an HTTPX-style API and a compiled HTTP/1.1 core.

``fasthttpx.get(url)``, ``with fasthttpx.Client() as client: ...`` and
``async with fasthttpx.AsyncClient() as client: ...``. ``__implementation__`` says whether
the compiled parser (``"cython"``) or its pure-Python twin (``"python"``) is running.
"""

from . import (
    adapters,  # the engine under httpx / httpx2: their modules load only on demand
    websockets,  # HTTPX-WS's spelling: connect_ws / aconnect_ws
)
from ._api import (
    delete,
    get,
    head,
    options,
    parallel,
    patch,
    post,
    put,
    request,
    stream,
    websocket,
)
from ._async.client import AsyncClient
from ._async.sse import AsyncEventSource
from ._auth import Auth, BasicAuth, DigestAuth, FunctionAuth, NetRCAuth
from ._config import Limits, Proxy, Timeout, create_ssl_context
from ._cookies import Cookies
from ._exceptions import (
    CloseError,
    ConnectError,
    ConnectTimeout,
    CookieConflict,
    DecodingError,
    DecompressionBombError,
    HTTPError,
    HTTPStatusError,
    InvalidURL,
    LocalProtocolError,
    NetworkError,
    PoolTimeout,
    ProtocolError,
    ProxyError,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    RequestError,
    RequestNotRead,
    ResponseClosed,
    ResponseNotRead,
    ResponseTooLarge,
    SSEError,
    StreamClosed,
    StreamConsumed,
    StreamError,
    TimeoutException,
    TooManyRedirects,
    TransportError,
    UnsupportedProtocol,
    WebSocketDisconnect,
    WebSocketError,
    WebSocketInvalidTypeReceived,
    WebSocketNetworkError,
    WebSocketProtocolError,
    WebSocketTimeout,
    WebSocketUpgradeError,
    WriteError,
    WriteTimeout,
)
from ._implementation import IMPLEMENTATION as __implementation__  # noqa: F401 (not in __all__)
from ._models import Headers, Request
from ._response import AsyncResponse, Response
from ._retry import Retry
from ._sse_event import ServerSentEvent
from ._status_codes import codes
from ._streams import AsyncByteStream, ByteStream, SyncByteStream
from ._sync.client import Client
from ._sync.sse import EventSource
from ._transports import (
    ASGITransport,
    AsyncBaseTransport,
    AsyncHTTPTransport,
    BaseTransport,
    HTTPTransport,
    MockTransport,
    WSGITransport,
)
from ._urls import URL, QueryParams
from ._version import __version__

__title__ = "fasthttpx"
__description__ = "A fast HTTP client with an HTTPX-style API and a compiled HTTP/1.1 core."

# As HTTPX's: every public name, sorted case-insensitively (`concurrency` is the backends'
# subpackage, bound here by the imports above; `adapters` the httpx/httpx2 engine's;
# `websockets` HTTPX-WS's spelling).
# `__implementation__` is an attribute only.
__all__ = [
    "__description__", "__title__", "__version__", "adapters", "ASGITransport",
    "AsyncBaseTransport", "AsyncByteStream", "AsyncClient", "AsyncEventSource",
    "AsyncHTTPTransport", "AsyncResponse", "Auth",
    "BaseTransport", "BasicAuth", "ByteStream", "Client", "CloseError", "codes", "concurrency",
    "ConnectError", "ConnectTimeout", "CookieConflict", "Cookies", "create_ssl_context",
    "DecodingError", "DecompressionBombError", "delete", "DigestAuth", "EventSource",
    "FunctionAuth", "get",
    "head", "Headers", "HTTPError",
    "HTTPStatusError", "HTTPTransport", "InvalidURL", "Limits", "LocalProtocolError",
    "MockTransport", "NetRCAuth", "NetworkError", "options", "parallel", "patch", "PoolTimeout",
    "post",
    "ProtocolError", "Proxy", "ProxyError", "put", "QueryParams", "ReadError", "ReadTimeout",
    "RemoteProtocolError", "request", "Request", "RequestError", "RequestNotRead", "Response",
    "ResponseClosed", "ResponseNotRead", "ResponseTooLarge", "Retry", "ServerSentEvent",
    "SSEError", "stream", "StreamClosed",
    "StreamConsumed", "StreamError",
    "SyncByteStream", "Timeout", "TimeoutException", "TooManyRedirects", "TransportError",
    "UnsupportedProtocol", "URL", "websocket", "WebSocketDisconnect", "WebSocketError",
    "WebSocketInvalidTypeReceived", "WebSocketNetworkError", "WebSocketProtocolError",
    "websockets", "WebSocketTimeout", "WebSocketUpgradeError", "WriteError", "WriteTimeout",
    "WSGITransport",
]
