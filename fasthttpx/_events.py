"""Events emitted by both HTTP/1.1 response parser twins (`_parser.pyx`, `_parser_py.py`).

One module, shared by both implementations, so a differential test can compare their
output with ``==``. ``ResponseParser.feed()`` returns a list of these: the events the fed
bytes completed, in order. Header names and values are raw ``bytes`` as received (names keep
their case; values have surrounding whitespace removed).
"""

from __future__ import annotations

__all__ = ["InformationalResponse", "ResponseHead", "Data", "EndOfMessage", "Event",
           "KEEP_ALIVE_FIELD", "CONTENT_ENCODING_FIELD", "SET_COOKIE_FIELD"]

HeaderList = list[tuple[bytes, bytes]]

#: ``response_fields()`` flags (both parser twins): which of the fields a client looks at
#: after every response are present: Keep-Alive (when the server drops an idle connection),
#: Content-Encoding (whether the body needs a decoder), Set-Cookie (whether the cookie jar
#: has work to do).
KEEP_ALIVE_FIELD = 1
CONTENT_ENCODING_FIELD = 2
SET_COOKIE_FIELD = 4


class _HeadBase:
    __slots__ = ("status_code", "reason", "http_version", "headers")

    def __init__(
        self, status_code: int, reason: bytes, http_version: bytes, headers: HeaderList
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.http_version = http_version  # b"1.0" or b"1.1"
        self.headers = headers

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (
            self.status_code, self.reason, self.http_version, self.headers
        ) == (other.status_code, other.reason, other.http_version, other.headers)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(status_code={self.status_code!r}, reason={self.reason!r}, "
                f"http_version={self.http_version!r}, headers={self.headers!r})")


class InformationalResponse(_HeadBase):
    """A 1xx interim response (100 Continue, 103 Early Hints...); the final one follows."""

    __slots__ = ()


class ResponseHead(_HeadBase):
    """The status line and header fields of the final response."""

    __slots__ = ()


class Data:
    """A piece of the response body, with the transfer coding removed."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __eq__(self, other: object) -> bool:
        return type(other) is Data and self.data == other.data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Data({self.data!r})"


class EndOfMessage:
    """The response is complete; ``trailers`` holds chunked trailer fields, if any."""

    __slots__ = ("trailers",)

    def __init__(self, trailers: HeaderList | None = None) -> None:
        self.trailers = trailers if trailers is not None else []

    def __eq__(self, other: object) -> bool:
        return type(other) is EndOfMessage and self.trailers == other.trailers

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"EndOfMessage(trailers={self.trailers!r})"


Event = InformationalResponse | ResponseHead | Data | EndOfMessage
