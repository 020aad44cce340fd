"""Interface of the HTTP/1.1 response parser, shared by `_parser.pyx` and `_parser_py.py`.

Contract (both twins, byte for byte and error for error):

* One parser per response exchange: ``ResponseParser(request_method)``; the method matters
  because a response to HEAD has no body (RFC 9112 §6.3 rule 1).
* ``feed(data)`` takes ``bytes`` and returns the list of events that the data completed:
  zero or more ``InformationalResponse`` (1xx other than 101, consumed and reported), then one
  ``ResponseHead``, then ``Data`` pieces (at most one ``Data`` per ``feed`` call; body bytes of
  many chunks inside one read come out as one piece; when the whole input is body it is passed
  on without a copy), then one ``EndOfMessage``. Empty body pieces are never emitted.
* ``feed_eof()`` says the peer closed: for a read-until-close body it returns
  ``[EndOfMessage()]``; anywhere else before the end of the message it raises
  ``RemoteProtocolError`` naming what was cut short. After ``EndOfMessage`` it returns ``[]``.
* Bytes fed after the end of the message are not parsed; they are kept in ``unused_data``
  (the caller decides: we never pipeline, so they are stray bytes that forbid reuse).
* ``keep_alive`` (meaningful once ``finished``): the response allows reusing the connection:
  HTTP/1.1 without ``Connection: close``, or HTTP/1.0 with ``Connection: keep-alive``, and a
  body not delimited by close.
* Every error is ``fasthttpx.RemoteProtocolError`` with a message naming the problem. After an
  error the parser is failed: every later ``feed``/``feed_eof`` raises ``RemoteProtocolError``
  with the same message.
* Limits (constructor keywords, defaults in brackets): ``max_line_size`` [65536] for the status
  line and each header or trailer line; ``max_header_count`` [100] fields in the head (and
  separately in the trailers); ``max_headers_size`` [262144] bytes of head in all (and of
  trailers); ``max_chunk_line_size`` [4096] for a chunk-size line with its extensions.
  A line's length is the bytes before its LF (a CR counts). Limits are checked as bytes
  arrive, so an endless line fails as soon as it passes the limit; when a line breaks both
  its line limit and the head-size limit, the error is the limit passed first (a tie: the
  head size), so every split of the same input gives the same error.
* ``allow_upgrade()`` (before feeding): the request asked to switch protocols (``Upgrade``,
  RFC 9110 §7.8), so a 101 is its final response, reported as ``ResponseHead`` and
  ``EndOfMessage`` with no body; every byte after its head belongs to the new protocol and is
  kept in ``unused_data``; ``keep_alive`` is False. Otherwise a 101 is an error ("unexpected
  101 Switching Protocols"): we never asked.
* ``feed`` takes exactly ``bytes`` (the twins raise the same ``TypeError`` otherwise).
"""

from ._events import Event

class ResponseParser:
    def __init__(
        self,
        request_method: bytes = b"GET",
        *,
        max_line_size: int = 65536,
        max_header_count: int = 100,
        max_headers_size: int = 262144,
        max_chunk_line_size: int = 4096,
    ) -> None: ...
    def allow_upgrade(self) -> None: ...
    def feed(self, data: bytes) -> list[Event]: ...
    def feed_eof(self) -> list[Event]: ...
    @property
    def finished(self) -> bool: ...
    @property
    def keep_alive(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    @property
    def failed(self) -> bool: ...
    @property
    def bytes_received(self) -> int: ...

def response_fields(fields: list[tuple[bytes, bytes]]) -> int:
    """Flags (``_events.KEEP_ALIVE_FIELD``...) of the fields a client reads per response."""
