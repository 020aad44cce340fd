"""Pure-Python twin of `_chunked.pyx`: the chunked transfer-coding decoder (RFC 9112 §7.1).

Why: the compiled decoder is the fast path; this twin runs where no compiler was available
(or with ``FASTHTTPX_NO_EXTENSIONS=1``) and is the readable specification the differential
tests hold the compiled one to. Both have the same functions in the same order.

How: a small state machine over the input, no copy of chunk data beyond slicing it out:

* ``_SIZE``: a chunk-size line ``1*HEXDIG *( BWS ";" BWS name [ BWS "=" BWS value ] )``
  (§7.1, §7.1.1). Only an unfinished line is carried over between feeds (``_buf``).
* ``_DATA``: ``_remaining`` bytes of chunk data, handed out as they arrive.
* ``_DATA_CR``/``_DATA_LF``: the CRLF (or bare LF, §2.2) that must follow chunk data.
* ``_TRAILER``: after the last chunk, trailer field lines (§7.1.2) validated exactly as header
  fields are (``parse_field_line``, also used by the response parser), until an empty line.
* ``_DONE``: anything further is kept in ``unused_data``.

Line ends are CRLF or a bare LF (§2.2); a CR anywhere else is an error ("bare CR"). A line's
length for the limits counts everything before its LF (so a CR is counted). When a line
breaks both the line limit and the section limit, the error is the one whose limit the bytes
cross first (ties: the section), so that the same input gives the same error however it is
split into feeds.
"""

from __future__ import annotations

import re

from ._exceptions import RemoteProtocolError

__all__ = ["ChunkedDecoder", "parse_field_line"]

# States (the same numbers in `_chunked.pyx`).
_SIZE = 0
_DATA = 1
_DATA_CR = 2
_DATA_LF = 3
_TRAILER = 4
_DONE = 5
_FAILED = 6

_MAX_CHUNK_SIZE_DIGITS = 16  # significant hex digits: the size fits in 64 bits (2**64-1)

# field-line = field-name ":" OWS field-value OWS (RFC 9112 §5); field-name = token
# (RFC 9110 §5.1, tchar §5.6.2); field-value characters are HTAB, SP, VCHAR and obs-text
# (RFC 9110 §5.5). The two pieces are shared with `_parser_py.py`'s field-block shortcut, so
# that it accepts exactly what `parse_field_line` accepts.
_TCHAR = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
_FIELD_VALUE = rb"[^\x00-\x20\x7f][^\x00-\x08\x0a-\x1f\x7f]*"  # OWS-free start: unambiguous
# One precompiled pattern for the common case; when it does not match, the slow path below
# says exactly what is wrong. Unambiguous (the value starts with neither SP nor HTAB):
# linear time.
_FIELD_LINE = re.compile(rb"(" + _TCHAR + rb"+):[ \t]*(?:(" + _FIELD_VALUE + rb"))?").fullmatch
_TOKEN = re.compile(_TCHAR + rb"+").fullmatch
# chunk-size line, common case: hex digits with nothing after them.
_HEX_ONLY = re.compile(rb"[0-9A-Fa-f]+").fullmatch
# qdtext / quoted-pair inside a chunk-ext-val quoted-string (RFC 9110 §5.6.4).
_QDTEXT = b"\t !" + bytes(range(0x23, 0x5C)) + bytes(range(0x5D, 0x7F)) + bytes(range(0x80, 0x100))
_QPAIR = b"\t " + bytes(range(0x21, 0x7F)) + bytes(range(0x80, 0x100))


def parse_field_line(line: bytes) -> tuple[bytes, bytes]:
    """Split a header or trailer field line (no line end, no CR) into (name, value).

    RFC 9112 §5.2: a line starting with SP/HTAB is obs-fold, rejected. RFC 9112 §5.1: no
    whitespace between the field name and the colon. The value is OWS-stripped and may hold
    only HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5).
    """
    m = _FIELD_LINE(line)
    if m is None:
        _field_line_error(line)
    name, value = m.groups()  # type: ignore[union-attr]
    if value is None:
        return name, b""
    return name, value.rstrip(b" \t")


def _argument_type_error(name: str, value: object) -> TypeError:
    """The TypeError the compiled twin raises for an argument that is not ``bytes``."""
    return TypeError(
        f"Argument '{name}' has incorrect type (expected bytes, got {type(value).__name__})"
    )


def _field_line_error(line: bytes) -> None:
    """Raise the error that explains why ``line`` is not a field line (slow path)."""
    first = line[0]
    if first == 0x20 or first == 0x09:
        raise RemoteProtocolError("obs-fold (line folding) in field section is not allowed")
    colon = line.find(b":")
    if colon < 0:
        raise RemoteProtocolError("field line without a colon")
    if colon == 0:
        raise RemoteProtocolError("empty field name")
    if _TOKEN(line, 0, colon) is not None:  # the name is fine: the value is not
        raise RemoteProtocolError("invalid character in field value")
    last = line[colon - 1]
    if last == 0x20 or last == 0x09:
        raise RemoteProtocolError("whitespace before the colon in a field line")
    raise RemoteProtocolError("invalid character in field name")


class ChunkedDecoder:
    """Decode a chunked body: ``feed(bytes) -> bytes`` of chunk data (see `_chunked.pyi`)."""

    __slots__ = (
        "_state", "_buf", "_remaining", "_trailers", "_section_size", "_unused", "_error",
        "_max_line_size", "_max_trailer_line_size", "_max_trailer_count", "_max_trailers_size",
    )

    def __init__(
        self,
        *,
        max_line_size: int = 4096,
        max_trailer_line_size: int = 65536,
        max_trailer_count: int = 100,
        max_trailers_size: int = 262144,
    ) -> None:
        self._state = _SIZE
        self._buf: bytearray | None = None  # an unfinished line carried over to the next feed
        self._remaining = 0  # chunk data still to come in the current chunk
        self._trailers: list[tuple[bytes, bytes]] = []
        self._section_size = 0  # bytes of trailer section seen in complete lines
        self._unused = b""
        self._error = ""
        self._max_line_size = max_line_size  # chunk-size line with its extensions
        self._max_trailer_line_size = max_trailer_line_size
        self._max_trailer_count = max_trailer_count
        self._max_trailers_size = max_trailers_size

    # -- public interface ---------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        if type(data) is not bytes:
            raise _argument_type_error("data", data)
        if self._state == _FAILED:
            raise RemoteProtocolError(self._error)
        return self._feed(data, 0)

    def feed_eof(self) -> None:
        if self._state == _DONE:
            return
        if self._state != _FAILED:
            self._fail("connection closed inside a chunked body")
        raise RemoteProtocolError(self._error)

    @property
    def finished(self) -> bool:
        return self._state == _DONE

    @property
    def trailers(self) -> list[tuple[bytes, bytes]]:
        return self._trailers

    @property
    def unused_data(self) -> bytes:
        return self._unused

    @property
    def failed(self) -> bool:
        return self._state == _FAILED

    # -- decoding -----------------------------------------------------------------------

    def _fail(self, message: str) -> None:
        self._state = _FAILED
        self._error = message

    def _feed(self, data: bytes, pos: int) -> bytes:
        """Decode ``data[pos:]``; the parser calls this directly (no slice of its input)."""
        try:
            return self._decode(data, pos)
        except RemoteProtocolError as exc:
            self._fail(str(exc))
            raise

    def _decode(self, data: bytes, pos: int) -> bytes:
        end = len(data)
        out: list[bytes] = []
        while pos < end:
            state = self._state
            if state == _DATA:
                take = end - pos
                if take >= self._remaining:
                    take = self._remaining
                    self._state = _DATA_CR
                self._remaining -= take
                out.append(data[pos:pos + take])  # the whole input: the same object
                pos += take
            elif state == _SIZE or state == _TRAILER:
                nl = data.find(b"\n", pos)
                if nl < 0:
                    n = (len(self._buf) if self._buf is not None else 0) + end - pos
                    self._check_line_limits(n, n)
                    if pos < end:
                        if self._buf is None:
                            self._buf = bytearray()
                        self._buf += data[pos:]
                    break
                if self._buf is not None:
                    self._buf += data[pos:nl]
                    line = bytes(self._buf)
                    self._buf = None
                else:
                    line = data[pos:nl]
                pos = nl + 1
                self._on_line(line)
            elif state == _DATA_CR:
                c = data[pos]
                pos += 1
                if c == 0x0A:  # bare LF accepted as a line end (RFC 9112 §2.2)
                    self._state = _SIZE
                elif c == 0x0D:
                    self._state = _DATA_LF
                else:
                    raise RemoteProtocolError("missing CRLF after chunk data")
            elif state == _DATA_LF:
                if data[pos] != 0x0A:
                    raise RemoteProtocolError("missing CRLF after chunk data")
                pos += 1
                self._state = _SIZE
            else:  # _DONE
                self._unused += data[pos:]
                break
        if not out:
            return b""
        return out[0] if len(out) == 1 else b"".join(out)

    def _check_line_limits(self, n_line: int, n_total: int) -> None:
        """Limits on a line of ``n_line`` bytes before its LF, ``n_total`` with it."""
        if self._state == _SIZE:
            if n_line > self._max_line_size:
                raise RemoteProtocolError("chunk size line too long")
            return
        over_line = n_line > self._max_trailer_line_size
        room = self._max_trailers_size - self._section_size
        if n_total > room and (not over_line or room <= self._max_trailer_line_size):
            raise RemoteProtocolError("trailer section too large")
        if over_line:
            raise RemoteProtocolError("trailer line too long")

    def _on_line(self, line: bytes) -> None:
        """A complete chunk-size or trailer line (without its LF)."""
        n = len(line)
        self._check_line_limits(n, n + 1)
        if n and line[n - 1] == 0x0D:
            line = line[:-1]
        if b"\r" in line:
            if self._state == _SIZE:
                raise RemoteProtocolError("bare CR in chunk size line")
            raise RemoteProtocolError("bare CR in trailer section")
        if self._state == _SIZE:
            size = self._parse_size_line(line)
            if size:
                self._remaining = size
                self._state = _DATA
            else:
                self._state = _TRAILER
            return
        self._section_size += n + 1
        if not line:
            self._state = _DONE
            return
        if len(self._trailers) >= self._max_trailer_count:
            raise RemoteProtocolError("too many trailer fields")
        self._trailers.append(parse_field_line(line))

    def _parse_size_line(self, line: bytes) -> int:
        """chunk-size [ chunk-ext ] (RFC 9112 §7.1, §7.1.1); returns the size."""
        if _HEX_ONLY(line) is not None:
            digits = line
            i = len(line)
        else:
            i = 0
            n = len(line)
            while i < n and line[i] in b"0123456789abcdefABCDEF":
                i += 1
            if i == 0:
                raise RemoteProtocolError("invalid chunk size")
            digits = line[:i]
            self._check_chunk_ext(line, i)
        if len(digits.lstrip(b"0")) > _MAX_CHUNK_SIZE_DIGITS:
            raise RemoteProtocolError("chunk size overflow")
        return int(digits, 16)

    def _check_chunk_ext(self, line: bytes, i: int) -> None:
        """chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), from ``line[i:]``.

        Extensions are validated and ignored. After the digits, anything that does not start
        an extension (a space inside the digits, ``0x``, trailing whitespace) is an invalid
        chunk size; an extension that breaks the grammar is an invalid chunk extension.
        """
        n = len(line)
        i = _skip_bws(line, i)
        if i == n or line[i] != 0x3B:  # ";"
            raise RemoteProtocolError("invalid chunk size")
        while i < n:
            if line[i] != 0x3B:
                raise RemoteProtocolError("invalid chunk extension")
            i = _skip_bws(line, i + 1)
            start = i
            i = _skip_token(line, i)
            if i == start:
                raise RemoteProtocolError("invalid chunk extension")
            i = _skip_bws(line, i)
            if i < n and line[i] == 0x3D:  # "="
                i = _skip_bws(line, i + 1)
                if i < n and line[i] == 0x22:  # quoted-string
                    i = _skip_quoted_string(line, i)
                else:
                    start = i
                    i = _skip_token(line, i)
                    if i == start:
                        raise RemoteProtocolError("invalid chunk extension")
                i = _skip_bws(line, i)
            if i == n and line[n - 1] in b" \t":
                raise RemoteProtocolError("invalid chunk extension")


def _skip_bws(line: bytes, i: int) -> int:
    n = len(line)
    while i < n and (line[i] == 0x20 or line[i] == 0x09):
        i += 1
    return i


def _skip_token(line: bytes, i: int) -> int:
    n = len(line)
    while i < n and _TOKEN(line, i, i + 1) is not None:
        i += 1
    return i


def _skip_quoted_string(line: bytes, i: int) -> int:
    """``line[i]`` is the opening DQUOTE; returns the index after the closing one."""
    n = len(line)
    i += 1
    while i < n:
        c = line[i]
        if c == 0x22:
            return i + 1
        if c == 0x5C:  # quoted-pair
            if i + 1 >= n or line[i + 1] not in _QPAIR:
                raise RemoteProtocolError("invalid chunk extension")
            i += 2
        elif c in _QDTEXT:
            i += 1
        else:
            raise RemoteProtocolError("invalid chunk extension")
    raise RemoteProtocolError("invalid chunk extension")
