"""fasthttpx: an HTTP client with an HTTPX-style API and a compiled HTTP/1.1 core.

``fasthttpx.get(url)``, ``with fasthttpx.Client() as client: ...`` and
``async with fasthttpx.AsyncClient() as client: ...``. ``__implementation__`` says whether
the compiled parser (``"cython"``) or its pure-Python twin (``"python"``) is running.
"""

from ._api import delete, get, head, options, parallel, patch, post, put, request, stream
from ._async.client import AsyncClient
from ._async.response import AsyncResponse
from ._auth import Auth, BasicAuth, DigestAuth, FunctionAuth
from ._config import Limits, Proxy, Timeout, create_ssl_context
from ._cookies import Cookies
from ._exceptions import (
    CloseError,
    ConnectError,
    ConnectTimeout,
    CookieConflict,
    DecodingError,
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
    StreamClosed,
    StreamConsumed,
    StreamError,
    TimeoutException,
    TooManyRedirects,
    TransportError,
    UnsupportedProtocol,
    WriteError,
    WriteTimeout,
)
from ._implementation import IMPLEMENTATION as __implementation__
from ._models import Headers, Request
from ._status_codes import codes
from ._streams import AsyncByteStream, ByteStream, SyncByteStream
from ._sync.client import Client
from ._sync.response import Response
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

__all__ = [
    "__implementation__", "__version__", "AsyncBaseTransport", "AsyncClient", "AsyncResponse",
    "BaseTransport", "MockTransport", "Auth", "BasicAuth", "Client", "CloseError", "ConnectError",
    "ConnectTimeout", "CookieConflict", "Cookies", "DecodingError", "DigestAuth", "FunctionAuth",
    "HTTPError", "HTTPStatusError", "Headers", "InvalidURL", "Limits", "LocalProtocolError",
    "NetworkError", "PoolTimeout", "ProtocolError", "Proxy", "ProxyError", "QueryParams",
    "ReadError",
    "ReadTimeout", "RemoteProtocolError", "Request", "RequestError", "RequestNotRead", "Response",
    "ResponseClosed", "ResponseNotRead", "StreamClosed", "StreamConsumed", "StreamError",
    "Timeout", "TimeoutException", "TooManyRedirects", "TransportError", "URL",
    "UnsupportedProtocol", "WriteError", "WriteTimeout", "codes", "create_ssl_context", "delete",
    "get", "head", "options", "parallel", "patch", "post", "put", "request", "stream",
    "ASGITransport", "AsyncByteStream", "AsyncHTTPTransport", "ByteStream", "HTTPTransport",
    "SyncByteStream", "WSGITransport",
]
