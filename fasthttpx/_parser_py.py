"""Pure-Python twin of `_parser.pyx`: the HTTP/1.1 response parser (RFC 9112).

Why: the compiled parser is the fast path; this twin runs where no compiler was available
(or with ``FASTHTTPX_NO_EXTENSIONS=1``) and is the readable specification the differential
tests hold the compiled one to. Both have the same functions in the same order, the same
events (`_events.py`) and the same error messages (see `_parser.pyi` for the contract).

How: ``feed(data)`` runs a state machine over the input:

* ``_HEAD``: lines are found with ``bytes.find(b"\\n")`` straight in the fed bytes; only an
  unfinished line is carried over to the next feed (``_buf``), so a head that arrives in one
  piece is never copied. The status line (RFC 9112 §4), then field lines (§5), then an empty
  line. 1xx interim heads (other than 101) are reported and the next status line expected.
  A 101 is an error unless ``allow_upgrade()`` was called (the request asked to
  switch protocols): then it is the final head, with no body, and what follows belongs to
  the new protocol (``unused_data``).
  Python-only shortcut, which changes no result: when the whole head is in one read, its
  field lines are checked and collected by two regexes (``_take_field_block``); anything
  unusual goes down the line path, which applies every rule in order.
* Framing (§6.3) is decided once the head is complete: no body for HEAD, 204, 304 (and 2xx
  to CONNECT); ``Transfer-Encoding: chunked`` (the only coding accepted) through the chunked
  decoder; ``Content-Length``; otherwise the body runs until the connection closes.
* ``_LENGTH``/``_CHUNKED``/``_CLOSE``: body bytes, at most one ``Data`` per feed.
* ``_DONE``: further bytes are kept in ``unused_data``.

Choices where the RFC leaves room: no empty lines are tolerated before the status line
("invalid status line"); a bare LF ends a line (§2.2), a bare CR anywhere is an error; the
version is reported as received (``b"1.0"``, ``b"1.1"``, ``b"1.2"``...), a minor above 1 is
treated as 1.1. Limits are checked as bytes arrive: a line's length counts everything before
its LF; when a line breaks the line limit and the head-size limit, the error is the one
whose limit the bytes cross first (ties: the head), so that any split of the input into
feeds gives the same error. ``Content-Length`` must be valid even where it is ignored (HEAD,
204, 304); ``Transfer-Encoding`` is only looked at for responses that can have a body.
"""

from __future__ import annotations

import re

from ._chunked_py import (
    _FIELD_VALUE,
    _TCHAR,
    ChunkedDecoder,
    _argument_type_error,
    parse_field_line,
)
from ._events import (
    CONTENT_ENCODING_FIELD,
    KEEP_ALIVE_FIELD,
    SET_COOKIE_FIELD,
    Data,
    EndOfMessage,
    Event,
    InformationalResponse,
    ResponseHead,
)
from ._exceptions import RemoteProtocolError

__all__ = ["ResponseParser", "response_fields"]

# States (the same numbers in `_parser.pyx`).
_HEAD = 0
_LENGTH = 1
_CHUNKED = 2
_CLOSE = 3
_DONE = 4
_FAILED = 5

_MAX_CONTENT_LENGTH_DIGITS = 18  # fits in a signed 64-bit integer
_VERSIONS = {b"1.0": b"1.0", b"1.1": b"1.1"}  # share the common version objects


class ResponseParser:
    """Parse one HTTP/1.1 response: ``feed(bytes) -> list[Event]`` (see `_parser.pyi`)."""

    __slots__ = (
        "_state", "_buf", "_head_size", "_status_code", "_reason", "_http_version", "_minor",
        "_headers", "_remaining", "_received_body", "_content_length", "_decoder", "_unused",
        "_error", "_keep_alive", "_bytes_received", "_is_head", "_is_connect", "_upgrade",
        "_max_line_size", "_max_header_count", "_max_headers_size", "_max_chunk_line_size",
    )

    def __init__(
        self,
        request_method: bytes = b"GET",
        *,
        max_line_size: int = 65536,
        max_header_count: int = 100,
        max_headers_size: int = 262144,
        max_chunk_line_size: int = 4096,
    ) -> None:
        if type(request_method) is not bytes:
            raise _argument_type_error("request_method", request_method)
        self._state = _HEAD
        self._buf: bytearray | None = None  # an unfinished head line carried over to the next feed
        self._head_size = 0  # bytes of the current head in complete lines
        self._status_code = -1  # -1: the status line is expected next
        self._reason = b""
        self._http_version = b""
        self._minor = 0
        self._headers: list[tuple[bytes, bytes]] = []
        self._remaining = 0  # Content-Length body bytes still to come
        self._received_body = 0
        self._content_length = 0
        self._decoder: ChunkedDecoder | None = None
        self._unused = b""
        self._error = ""
        self._keep_alive = False
        self._bytes_received = 0
        self._is_head = request_method == b"HEAD"
        self._is_connect = request_method == b"CONNECT"
        self._upgrade = False  # the request asked to switch protocols: 101 is final
        self._max_line_size = max_line_size  # status line and each header/trailer line
        self._max_header_count = max_header_count  # fields in the head (and in trailers)
        self._max_headers_size = max_headers_size  # bytes of head (and of trailers)
        self._max_chunk_line_size = max_chunk_line_size  # chunk-size line with extensions

    # -- public interface ---------------------------------------------------------------

    def allow_upgrade(self) -> None:
        """The request asked to switch protocols: a 101 is its final response."""
        self._upgrade = True

    def feed(self, data: bytes) -> list[Event]:
        if type(data) is not bytes:
            raise _argument_type_error("data", data)
        self._bytes_received += len(data)
        state = self._state
        if state == _DONE:
            self._unused += data
            return []
        if state == _FAILED:
            raise RemoteProtocolError(self._error)
        events: list[Event] = []
        try:
            pos = 0
            if state == _HEAD:
                pos = self._feed_head(data, events)
            if self._state != _HEAD:
                self._feed_body(data, pos, events)
        except RemoteProtocolError as exc:
            self._fail(str(exc))
            raise
        return events

    def feed_eof(self) -> list[Event]:
        state = self._state
        if state == _DONE:
            return []
        if state == _CLOSE:
            self._state = _DONE
            return [EndOfMessage()]
        if state == _HEAD:
            if self._bytes_received == 0:
                self._fail("server closed the connection without sending a response")
            else:
                self._fail("connection closed in the response head")
        elif state == _LENGTH:
            self._fail(
                "connection closed before the end of the body: received "
                f"{self._received_body} of {self._content_length} bytes"
            )
        elif state == _CHUNKED:
            self._fail("connection closed inside a chunked body")
        raise RemoteProtocolError(self._error)

    @property
    def finished(self) -> bool:
        return self._state == _DONE

    @property
    def keep_alive(self) -> bool:
        return self._keep_alive

    @property
    def unused_data(self) -> bytes:
        return self._unused

    @property
    def failed(self) -> bool:
        return self._state == _FAILED

    @property
    def bytes_received(self) -> int:
        return self._bytes_received

    # -- the head -----------------------------------------------------------------------

    def _fail(self, message: str) -> None:
        self._state = _FAILED
        self._error = message

    def _feed_head(self, data: bytes, events: list[Event]) -> int:
        """Consume head lines from ``data``; returns where the head stopped (or ``len``)."""
        pos = 0
        end = len(data)
        while self._state == _HEAD:
            nl = data.find(b"\n", pos)
            if nl < 0:
                n = (len(self._buf) if self._buf is not None else 0) + end - pos
                self._check_line_limits(n, n)
                if pos < end:
                    if self._buf is None:
                        self._buf = bytearray()
                    self._buf += data[pos:]
                return end
            if self._buf is not None:
                self._buf += data[pos:nl]
                line = bytes(self._buf)
                self._buf = None
            else:
                line = data[pos:nl]
            pos = nl + 1
            self._on_head_line(line, events)
            if (self._state == _HEAD and self._status_code >= 0 and not self._headers
                    and self._buf is None):
                pos = self._take_field_block(data, pos)
        return pos

    def _take_field_block(self, data: bytes, pos: int) -> int:
        """Python-only shortcut: all field lines of a head that is complete in ``data``.

        Right after the status line, when the head ends (CRLF CRLF) inside ``data``, one
        regex checks every field line at once and another collects the (name, value) pairs,
        instead of a Python-level step per line. It takes only a block that the line-by-line
        path would accept with the same result: CRLF line ends, valid field lines, within
        every limit; anything else is left to the line path, which says exactly what is
        wrong. (The compiled parser scans lines in C and needs no such shortcut.)
        """
        if data.startswith(b"\r\n", pos):
            return pos
        stop = data.find(b"\r\n\r\n", pos)
        if stop < 0:
            return pos
        stop += 2  # the block ends with the last field line's CRLF
        size = stop - pos
        if (
            size > self._max_line_size
            or self._head_size + size + 2 > self._max_headers_size
            or _FIELD_BLOCK(data, pos, stop) is None
        ):
            return pos
        headers = _FIELD_PAIRS(data, pos, stop)
        if len(headers) > self._max_header_count:
            return pos
        self._headers = headers
        self._head_size += size
        return stop

    def _check_line_limits(self, n_line: int, n_total: int) -> None:
        """Limits on a head line of ``n_line`` bytes before its LF, ``n_total`` with it."""
        over_line = n_line > self._max_line_size
        room = self._max_headers_size - self._head_size
        if n_total > room and (not over_line or room <= self._max_line_size):
            raise RemoteProtocolError("response head too large")
        if over_line:
            if self._status_code < 0:
                raise RemoteProtocolError("status line too long")
            raise RemoteProtocolError("header line too long")

    def _on_head_line(self, line: bytes, events: list[Event]) -> None:
        """A complete head line (without its LF)."""
        n = len(line)
        if n >= self._max_line_size or n >= self._max_headers_size - self._head_size:
            self._check_line_limits(n, n + 1)
        self._head_size += n + 1
        if n and line[n - 1] == 0x0D:
            line = line[:-1]
        if b"\r" in line:
            raise RemoteProtocolError("bare CR in response head")
        if self._status_code < 0:
            self._parse_status_line(line)
        elif not line:
            self._finish_head(events)
        else:
            if len(self._headers) >= self._max_header_count:
                raise RemoteProtocolError("too many header fields")
            self._headers.append(parse_field_line(line))

    def _parse_status_line(self, line: bytes) -> None:
        """status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).

        ``HTTP/1.1 200`` without the second SP is accepted too (reason ``b""``).
        """
        n = len(line)
        if (
            n < 9
            or line[:5] != b"HTTP/"
            or not 0x30 <= line[5] <= 0x39
            or line[6] != 0x2E
            or not 0x30 <= line[7] <= 0x39
            or line[8] != 0x20
        ):
            raise RemoteProtocolError("invalid status line")
        if line[5] != 0x31:
            raise RemoteProtocolError("unsupported HTTP version")
        if (
            n < 12
            or not 0x30 <= line[9] <= 0x39
            or not 0x30 <= line[10] <= 0x39
            or not 0x30 <= line[11] <= 0x39
            or (n > 12 and line[12] != 0x20)
        ):
            raise RemoteProtocolError("invalid status code")
        code = int(line[9:12])
        if code < 100:
            raise RemoteProtocolError("invalid status code")
        if code == 101 and not self._upgrade:  # only an upgrade request may get it (§15.2.2)
            raise RemoteProtocolError("unexpected 101 Switching Protocols")
        if code > 599:
            raise RemoteProtocolError("invalid status code")
        reason = line[13:]
        # reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ): no CTL but HTAB (RFC 9112 §4)
        if reason and reason.translate(None, _REASON_CHARS):
            raise RemoteProtocolError("invalid reason phrase")
        version = line[5:8]
        self._http_version = _VERSIONS.get(version, version)
        self._minor = line[7] - 0x30
        self._status_code = code
        self._reason = reason

    def _finish_head(self, events: list[Event]) -> None:
        """The empty line ending a head: report it and decide how the body is framed."""
        code = self._status_code
        headers = self._headers
        if code == 101:  # the protocol switches after this head (RFC 9110 §15.2.2, §7.8)
            self._state = _DONE
            self._keep_alive = False
            events.append(ResponseHead(code, self._reason, self._http_version, headers))
            events.append(EndOfMessage())
            return
        if code < 200:  # 1xx interim response; the final one follows (RFC 9110 §15.2)
            events.append(InformationalResponse(code, self._reason, self._http_version, headers))
            self._status_code = -1
            self._headers = []
            self._head_size = 0
            return
        self._decide_framing()
        events.append(ResponseHead(code, self._reason, self._http_version, headers))
        if self._state == _DONE:
            events.append(EndOfMessage())

    def _decide_framing(self) -> None:
        """Message body length, RFC 9112 §6.3, and connection persistence, §9.3."""
        content_length = -1
        transfer_encoding: list[bytes] | None = None
        close = False
        keep_alive = False
        for name, value in self._headers:
            n = len(name)
            if n == 14 and name.lower() == b"content-length":
                content_length = _parse_content_length(value, content_length)
            elif n == 17 and name.lower() == b"transfer-encoding":
                if transfer_encoding is None:
                    transfer_encoding = []
                transfer_encoding += _list_items(value)
            elif n == 10 and name.lower() == b"connection":
                for token in _list_items(value):
                    if token == b"close":
                        close = True
                    elif token == b"keep-alive":
                        keep_alive = True
        code = self._status_code
        if self._is_head or code == 204 or code == 304 or (self._is_connect and code < 300):
            self._state = _DONE
        elif transfer_encoding is not None:
            if self._minor == 0:
                raise RemoteProtocolError("Transfer-Encoding in an HTTP/1.0 response")
            if content_length >= 0:
                raise RemoteProtocolError("both Transfer-Encoding and Content-Length")
            if transfer_encoding != [b"chunked"]:
                if b"chunked" in transfer_encoding and transfer_encoding[-1] != b"chunked":
                    raise RemoteProtocolError("chunked is not the final transfer coding")
                raise RemoteProtocolError("unsupported transfer coding")
            self._decoder = ChunkedDecoder(
                max_line_size=self._max_chunk_line_size,
                max_trailer_line_size=self._max_line_size,
                max_trailer_count=self._max_header_count,
                max_trailers_size=self._max_headers_size,
            )
            self._state = _CHUNKED
        elif content_length > 0:
            self._content_length = content_length
            self._remaining = content_length
            self._state = _LENGTH
        elif content_length == 0:
            self._state = _DONE
        else:
            self._state = _CLOSE
        if self._state == _CLOSE:
            self._keep_alive = False
        elif self._minor >= 1:
            self._keep_alive = not close
        else:
            self._keep_alive = keep_alive and not close

    # -- the body -----------------------------------------------------------------------

    def _feed_body(self, data: bytes, pos: int, events: list[Event]) -> None:
        """Body bytes ``data[pos:]``: at most one ``Data``, then maybe ``EndOfMessage``."""
        state = self._state
        end = len(data)
        if state == _LENGTH:
            n = end - pos
            remaining = self._remaining
            if n < remaining:
                if n:
                    events.append(Data(data[pos:]))  # the whole input: the same object
                self._remaining = remaining - n
                self._received_body += n
                return
            events.append(Data(data[pos:pos + remaining]))
            self._remaining = 0
            self._received_body += remaining
            self._state = _DONE
            events.append(EndOfMessage())
            self._unused = data[pos + remaining:]
        elif state == _CHUNKED:
            decoder = self._decoder
            assert decoder is not None
            out = decoder._feed(data, pos)
            if out:
                events.append(Data(out))
            if decoder.finished:
                self._state = _DONE
                events.append(EndOfMessage(decoder.trailers))
                self._unused = decoder.unused_data
        elif state == _CLOSE:
            if pos < end:
                events.append(Data(data[pos:]))
        else:  # _DONE
            self._unused += data[pos:]


# The Python-only shortcut for a complete block of field lines (see `_take_field_block`):
# each line is field-name ":" OWS [ field-value ] OWS CRLF, with the value starting and ending
# with a non-whitespace character, exactly what `parse_field_line` accepts. Unambiguous
# patterns (a value never starts with SP/HTAB; CR, LF are not value characters): linear time.
_FIELD_BLOCK = re.compile(
    rb"(?:" + _TCHAR + rb"+:[ \t]*(?:" + _FIELD_VALUE + rb")?\r\n)+"
).fullmatch
_FIELD_PAIRS = re.compile(
    rb"(" + _TCHAR + rb"+):[ \t]*((?:[^\x00-\x20\x7f](?:[^\r]*[^ \t\r])?)?)[ \t]*\r\n"
).findall

# Bytes allowed in a reason phrase other than DEL: HTAB, SP, VCHAR, obs-text (RFC 9112 §4).
_REASON_CHARS = b"\t" + bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))


def _list_items(value: bytes) -> list[bytes]:
    """Lower-cased non-empty elements of a comma-separated list (RFC 9110 §5.6.1)."""
    items = []
    for item in value.lower().split(b","):
        item = item.strip(b" \t")
        if item:
            items.append(item)
    return items


def _parse_content_length(value: bytes, previous: int) -> int:
    """Content-Length = 1*DIGIT (RFC 9110 §8.6); a list of identical values is one value."""
    length = previous
    for item in value.split(b","):
        item = item.strip(b" \t")
        if not item or len(item) > _MAX_CONTENT_LENGTH_DIGITS or not item.isdigit():
            raise RemoteProtocolError("invalid Content-Length")
        n = int(item)
        if length >= 0 and n != length:
            raise RemoteProtocolError("conflicting Content-Length")
        length = n
    return length


def response_fields(fields: list[tuple[bytes, bytes]]) -> int:
    """Which of Keep-Alive, Content-Encoding and Set-Cookie are among ``fields`` (a head's
    ``(name, value)`` pairs), as ``_events`` flags, in one pass over the names: only names
    of the right length are compared, case-insensitively (RFC 9110 §5.1)."""
    found = 0
    for name, _ in fields:
        if type(name) is not bytes:
            raise TypeError(f"field names must be bytes, not {type(name).__name__}")
        size = len(name)
        if size == 10:
            lowered = name.lower()
            if lowered == b"keep-alive":
                found |= KEEP_ALIVE_FIELD
            elif lowered == b"set-cookie":
                found |= SET_COOKIE_FIELD
        elif size == 16 and name.lower() == b"content-encoding":
            found |= CONTENT_ENCODING_FIELD
    return found
