"""The table of HTTP/1.1 response cases both parser twins are held to.

Each ``Case`` is raw response bytes, the RFC section it exercises, and the expected outcome:
either the events (``Data`` pieces coalesced into one per run of body bytes) plus
``keep_alive``, or an error whose message must match a loose, case-insensitive keyword
pattern. ``test_parser_table.py`` runs every case whole, byte by byte, split at every point
into two feeds, and with trailing bytes appended.

Semantics beyond the contract in ``fasthttpx/_parser.pyi``: bare LF is a line end (never bare
CR); no empty lines before the status line; a status line may omit the reason; the status is
3 digits in 100..599; the major version is 1 and the minor any one digit; ``chunked`` is the
only transfer coding and must be alone; duplicate Content-Length values must agree and have at
most 18 digits; a chunk size is at most 2**64-1; 1xx other than 101 are reported as
``InformationalResponse``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fasthttpx._events import Data, EndOfMessage, Event, InformationalResponse, ResponseHead

# Loose, case-insensitive patterns for the error messages.
KW_CR = r"bare CR|\bCR\b"
KW_CL = r"content-length"
KW_CHUNK = r"chunk"
KW_FOLD = r"obs-fold|fold"
KW_TE = r"transfer-encoding|transfer coding"
KW_STATUS = r"status"
KW_VERSION = r"version"
KW_LIMIT = r"too long|too large|too many"
KW_FIELD = r"header|field|trailer|name"
KW_VALUE = r"value|header|field|trailer"
KW_EOF = r"clos"  # the connection was closed early

CRLF = b"\r\n"
TRAILING = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


@dataclass(frozen=True)
class Case:
    id: str
    rfc: str
    data: bytes
    events: tuple[Event, ...] = ()
    keep_alive: bool | None = None
    error: str | None = None  # regex the message must match (case-insensitive)
    finished: bool = True  # expected ``finished`` at the end of a successful run
    eof: bool = False  # call feed_eof() after the last feed
    until_close: bool = False  # the body is delimited by the close: trailing bytes are body
    method: bytes = b"GET"
    limits: Mapping[str, int] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.error is not None


Headers = list[tuple[bytes, bytes]]


def H(status: int = 200, reason: bytes = b"OK", headers: Headers | None = None,
      version: bytes = b"1.1") -> ResponseHead:
    return ResponseHead(status, reason, version, headers or [])


def I1(status: int = 100, reason: bytes = b"Continue", headers: Headers | None = None,
       version: bytes = b"1.1") -> InformationalResponse:
    return InformationalResponse(status, reason, version, headers or [])


def E(trailers: Headers | None = None) -> EndOfMessage:
    return EndOfMessage(trailers or [])


def msg(start: bytes, *fields: bytes, body: bytes = b"", eol: bytes = CRLF) -> bytes:
    """A response head from its lines (each without its line end), then the body."""
    return start + eol + b"".join(f + eol for f in fields) + eol + body


def hdr(*lines: bytes) -> Headers:
    """Expected header list from ``b"Name: value"`` lines (value stripped of OWS)."""
    out: Headers = []
    for line in lines:
        name, _, value = line.partition(b":")
        out.append((name, value.strip(b" \t")))
    return out


CASES: list[Case] = []


def ok(id: str, rfc: str, data: bytes, *events: Event, keep_alive: bool | None = True,
       **kw: object) -> None:
    CASES.append(Case(id, rfc, data, tuple(events), keep_alive=keep_alive, **kw))  # type: ignore[arg-type]


def bad(id: str, rfc: str, data: bytes, error: str, **kw: object) -> None:
    CASES.append(Case(id, rfc, data, error=error, **kw))  # type: ignore[arg-type]


S200 = b"HTTP/1.1 200 OK"
S200_10 = b"HTTP/1.0 200 OK"
CL0 = b"Content-Length: 0"
CL5 = b"Content-Length: 5"
TE = b"Transfer-Encoding: chunked"
HELLO_CHUNKED = b"5\r\nhello\r\n0\r\n\r\n"


def chunked(body: bytes, *extra: bytes, start: bytes = S200) -> bytes:
    return msg(start, TE, *extra, body=body)


def head_te(*extra: bytes) -> ResponseHead:
    return H(headers=hdr(TE, *extra))


# --- Content-Length bodies: RFC 9112 §6.3 rule 6, RFC 9110 §8.6 --------------------------
R_CL = "RFC 9112 §6.3; RFC 9110 §8.6"
ok("cl-zero", R_CL, msg(S200, CL0), H(headers=hdr(CL0)), E())
ok("cl-small", R_CL, msg(S200, CL5, body=b"hello"), H(headers=hdr(CL5)), Data(b"hello"), E())
LARGE = bytes(range(256)) * 80  # 20480 bytes
ok("cl-large", R_CL, msg(S200, b"Content-Length: 20480", body=LARGE),
   H(headers=hdr(b"Content-Length: 20480")), Data(LARGE), E())
BINARY = b"\r\n\x00HTTP/1.1 200 OK\r\n\r\n\r"
ok("cl-binary-body", R_CL, msg(S200, b"Content-Length: %d" % len(BINARY), body=BINARY),
   H(headers=hdr(b"Content-Length: %d" % len(BINARY))), Data(BINARY), E())
ok("cl-leading-zeros", R_CL, msg(S200, b"Content-Length: 005", body=b"hello"),
   H(headers=hdr(b"Content-Length: 005")), Data(b"hello"), E())
ok("cl-ows", "RFC 9112 §5.1", msg(S200, b"Content-Length: \t 5 \t", body=b"hello"),
   H(headers=hdr(CL5)), Data(b"hello"), E())
ok("cl-no-space", "RFC 9112 §5.1", msg(S200, b"Content-Length:5", body=b"hello"),
   H(headers=hdr(CL5)), Data(b"hello"), E())
ok("cl-lowercase-name", "RFC 9110 §5.1", msg(S200, b"content-length: 5", body=b"hello"),
   H(headers=hdr(b"content-length: 5")), Data(b"hello"), E())
ok("cl-uppercase-name", "RFC 9110 §5.1", msg(S200, b"CONTENT-LENGTH: 5", body=b"hello"),
   H(headers=hdr(b"CONTENT-LENGTH: 5")), Data(b"hello"), E())
ok("cl-repeated-identical", "RFC 9110 §8.6", msg(S200, CL5, CL5, body=b"hello"),
   H(headers=hdr(CL5, CL5)), Data(b"hello"), E())
ok("cl-comma-list-identical", "RFC 9110 §8.6", msg(S200, b"Content-Length: 5, 5", body=b"hello"),
   H(headers=hdr(b"Content-Length: 5, 5")), Data(b"hello"), E())
ok("cl-comma-list-three", "RFC 9110 §8.6; §5.6.1",
   msg(S200, b"Content-Length: 5,5 ,  5", body=b"hello"),
   H(headers=hdr(b"Content-Length: 5,5 ,  5")), Data(b"hello"), E())
ok("cl-body-then-eof", R_CL, msg(S200, CL5, body=b"hello"),
   H(headers=hdr(CL5)), Data(b"hello"), E(), eof=True)
ok("cl-http10", "RFC 9112 §9.3", msg(S200_10, CL5, body=b"hello"),
   H(headers=hdr(CL5), version=b"1.0"), Data(b"hello"), E(), keep_alive=False)
big18 = b"Content-Length: 999999999999999999"
ok("cl-18-digits", "RFC 9110 §8.6", msg(S200, big18, body=b"abc"),
   H(headers=hdr(big18)), Data(b"abc"), keep_alive=None, finished=False)
bad("cl-19-digits", "RFC 9110 §8.6", msg(S200, b"Content-Length: 1234567890123456789"),
    KW_CL + "|too large")
bad("cl-conflict", "RFC 9110 §8.6", msg(S200, CL5, b"Content-Length: 6", body=b"hello!"), KW_CL)
bad("cl-comma-conflict", "RFC 9110 §8.6", msg(S200, b"Content-Length: 5, 6", body=b"hello!"),
    KW_CL)
bad("cl-plus", "RFC 9110 §8.6", msg(S200, b"Content-Length: +5", body=b"hello"), KW_CL)
bad("cl-minus", "RFC 9110 §8.6", msg(S200, b"Content-Length: -5", body=b"hello"), KW_CL)
bad("cl-inner-space", "RFC 9110 §8.6", msg(S200, b"Content-Length: 5 5", body=b"hello"), KW_CL)
bad("cl-hex-0x", "RFC 9110 §8.6", msg(S200, b"Content-Length: 0x5", body=b"hello"), KW_CL)
bad("cl-hex-letter", "RFC 9110 §8.6", msg(S200, b"Content-Length: a", body=b"0123456789"), KW_CL)
bad("cl-decimal-point", "RFC 9110 §8.6", msg(S200, b"Content-Length: 5.0", body=b"hello"),
    KW_CL)
bad("cl-empty", "RFC 9110 §8.6", msg(S200, b"Content-Length:", body=b"hello"), KW_CL)
bad("cl-empty-spaces", "RFC 9110 §8.6", msg(S200, b"Content-Length:   ", body=b"hello"), KW_CL)
bad("cl-truncated", "RFC 9112 §8", msg(S200, b"Content-Length: 10", body=b"hello"), KW_EOF,
    eof=True)
bad("cl-with-te", "RFC 9112 §6.1; §6.3 rule 3", msg(S200, CL5, TE, body=HELLO_CHUNKED),
    KW_CL + "|" + KW_TE)
bad("te-with-cl", "RFC 9112 §6.1; §6.3 rule 3", msg(S200, TE, CL5, body=HELLO_CHUNKED),
    KW_CL + "|" + KW_TE)

# --- chunked: RFC 9112 §7.1 -------------------------------------------------------------
R_CH = "RFC 9112 §7.1"
ok("chunked-single", R_CH, chunked(HELLO_CHUNKED), head_te(), Data(b"hello"), E())
ok("chunked-empty", R_CH, chunked(b"0\r\n\r\n"), head_te(), E())
many = b"".join(b"%x\r\n%s\r\n" % (n, b"x" * n) for n in range(1, 21)) + b"0\r\n\r\n"
ok("chunked-many", R_CH, chunked(many), head_te(),
   Data(b"".join(b"x" * n for n in range(1, 21))), E())
ok("chunked-uppercase-hex", R_CH,
   chunked(b"A\r\n0123456789\r\n1F\r\n" + b"y" * 31 + b"\r\n0\r\n\r\n"),
   head_te(), Data(b"0123456789" + b"y" * 31), E())
ok("chunked-lowercase-hex", R_CH,
   chunked(b"a\r\n0123456789\r\n1f\r\n" + b"y" * 31 + b"\r\n0\r\n\r\n"),
   head_te(), Data(b"0123456789" + b"y" * 31), E())
ok("chunked-leading-zeros", R_CH, chunked(b"0005\r\nhello\r\n000\r\n\r\n"),
   head_te(), Data(b"hello"), E())
ok("chunked-many-leading-zeros", R_CH, chunked(b"0000000000000000000005\r\nhello\r\n0\r\n\r\n"),
   head_te(), Data(b"hello"), E())
ok("chunked-large-chunk", R_CH, chunked(b"5000\r\n" + LARGE + b"\r\n0\r\n\r\n"),
   head_te(), Data(LARGE), E())
ok("chunked-body-looks-like-last-chunk", R_CH, chunked(b"5\r\n0\r\n\r\n\r\n0\r\n\r\n"),
   head_te(), Data(b"0\r\n\r\n"), E())
ok("chunked-ext-token", "RFC 9112 §7.1.1", chunked(b"5;foo=bar\r\nhello\r\n0\r\n\r\n"),
   head_te(), Data(b"hello"), E())
ok("chunked-ext-name-only", "RFC 9112 §7.1.1", chunked(b"5;foo\r\nhello\r\n0\r\n\r\n"),
   head_te(), Data(b"hello"), E())
ok("chunked-ext-quoted", "RFC 9112 §7.1.1; RFC 9110 §5.6.4",
   chunked(b'5;foo="a b;c=d"\r\nhello\r\n0\r\n\r\n'), head_te(), Data(b"hello"), E())
ok("chunked-ext-quoted-escape", "RFC 9112 §7.1.1; RFC 9110 §5.6.4",
   chunked(b'5;foo="a\\"b"\r\nhello\r\n0\r\n\r\n'), head_te(), Data(b"hello"), E())
ok("chunked-ext-multiple", "RFC 9112 §7.1.1", chunked(b"5;a=1;b=2;c\r\nhello\r\n0\r\n\r\n"),
   head_te(), Data(b"hello"), E())
ok("chunked-ext-bws", "RFC 9112 §7.1.1 (BWS)", chunked(b"5 ; a = 1\r\nhello\r\n0\r\n\r\n"),
   head_te(), Data(b"hello"), E())
ok("chunked-ext-on-last-chunk", "RFC 9112 §7.1.1", chunked(b"5\r\nhello\r\n0;foo=bar\r\n\r\n"),
   head_te(), Data(b"hello"), E())
ok("chunked-trailers", "RFC 9112 §7.1.2",
   chunked(b"5\r\nhello\r\n0\r\nExpires: never\r\nX-Foo:  bar \r\n\r\n"),
   head_te(), Data(b"hello"), E(hdr(b"Expires: never", b"X-Foo: bar")))
ok("chunked-trailer-empty-value", "RFC 9112 §7.1.2", chunked(b"0\r\nX-Empty:\r\n\r\n"),
   head_te(), E(hdr(b"X-Empty:")))
ok("chunked-bare-lf-lines", "RFC 9112 §2.2", chunked(b"5\nhello\r\n0\nX-T: v\n\n"),
   head_te(), Data(b"hello"), E(hdr(b"X-T: v")))
ok("chunked-then-eof", R_CH, chunked(HELLO_CHUNKED), head_te(), Data(b"hello"), E(), eof=True)
ok("chunked-connection-close", "RFC 9112 §9.6", chunked(HELLO_CHUNKED, b"Connection: close"),
   head_te(b"Connection: close"), Data(b"hello"), E(), keep_alive=False)
ok("chunked-max-size", R_CH, chunked(b"FFFFFFFFFFFFFFFF\r\nabc"), head_te(), Data(b"abc"),
   keep_alive=None, finished=False)
ok("chunked-incomplete-no-eof", R_CH, chunked(b"5\r\nhel"), head_te(), Data(b"hel"),
   keep_alive=None, finished=False)
bad("chunk-size-2-64", R_CH, chunked(b"10000000000000000\r\nabc"), KW_CHUNK + "|too large")
bad("chunk-size-17-digits", R_CH, chunked(b"FFFFFFFFFFFFFFFFF\r\nabc"), KW_CHUNK + "|too large")
bad("chunk-size-plus", R_CH, chunked(b"+5\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-size-minus", R_CH, chunked(b"-5\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-size-leading-space", R_CH, chunked(b" 5\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-size-trailing-space", R_CH, chunked(b"5 \r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-size-trailing-tab", R_CH, chunked(b"5\t\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-size-inner-space", R_CH, chunked(b"1 0\r\n0123456789abcdef\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-size-0x", R_CH, chunked(b"0x5\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-size-non-hex", R_CH, chunked(b"5g\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-size-letter", R_CH, chunked(b"g\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-size-empty", R_CH, chunked(b"\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-size-only-ext", "RFC 9112 §7.1.1", chunked(b";a=b\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-ext-empty-name", "RFC 9112 §7.1.1", chunked(b"5;\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-ext-no-name", "RFC 9112 §7.1.1", chunked(b"5;=x\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-ext-unterminated-quote", "RFC 9112 §7.1.1",
    chunked(b'5;a="xy\r\nhello\r\n0\r\n\r\n'), KW_CHUNK)
bad("chunk-ext-space-in-value", "RFC 9112 §7.1.1", chunked(b"5;a=b c\r\nhello\r\n0\r\n\r\n"),
    KW_CHUNK)
bad("chunk-ext-ctl", "RFC 9112 §7.1.1", chunked(b"5;a=\x01\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-ext-nul", "RFC 9112 §7.1.1", chunked(b"5;a\x00=b\r\nhello\r\n0\r\n\r\n"), KW_CHUNK)
bad("chunk-data-no-crlf", R_CH, chunked(b"5\r\nhelloXY0\r\n\r\n"), KW_CHUNK + "|CRLF")
bad("chunk-data-too-long", R_CH, chunked(b"5\r\nhello!\r\n0\r\n\r\n"), KW_CHUNK + "|CRLF")
bad("chunk-data-cr-then-junk", R_CH, chunked(b"5\r\nhello\rX0\r\n\r\n"),
    KW_CHUNK + "|CRLF|" + KW_CR)
bad("chunk-bare-cr-size-line", "RFC 9112 §2.2", chunked(b"5\rhello\r\n0\r\n\r\n"), KW_CR)
bad("chunk-bare-cr-ext", "RFC 9112 §2.2", chunked(b"5;a=b\rc\r\nhello\r\n0\r\n\r\n"), KW_CR)
bad("chunk-bare-cr-last-chunk", "RFC 9112 §2.2", chunked(b"5\r\nhello\r\n0\r\r\n\r\n"), KW_CR)
bad("chunk-bare-cr-trailer", "RFC 9112 §2.2", chunked(b"0\r\nX-T: a\rb\r\n\r\n"), KW_CR)
bad("chunk-bare-cr-final-line", "RFC 9112 §2.2", chunked(b"0\r\n\rX\r\n"), KW_CR)
bad("trailer-obs-fold", "RFC 9112 §5.2", chunked(b"0\r\nX-T: a\r\n b\r\n\r\n"), KW_FOLD)
bad("trailer-no-colon", "RFC 9112 §7.1.2", chunked(b"0\r\nX-T\r\n\r\n"), KW_FIELD)
bad("trailer-space-before-colon", "RFC 9112 §5.1", chunked(b"0\r\nX-T : v\r\n\r\n"),
    r"whitespace|space|colon")
bad("trailer-nul", "RFC 9110 §5.5", chunked(b"0\r\nX-T: a\x00b\r\n\r\n"), KW_VALUE)
bad("trailer-bad-name", "RFC 9110 §5.1", chunked(b"0\r\nX(T): v\r\n\r\n"), KW_FIELD)
bad("chunked-eof-in-size", "RFC 9112 §8", chunked(b"5"), KW_EOF, eof=True)
bad("chunked-eof-in-data", "RFC 9112 §8", chunked(b"5\r\nhel"), KW_EOF, eof=True)
bad("chunked-eof-before-data-crlf", "RFC 9112 §8", chunked(b"5\r\nhello"), KW_EOF, eof=True)
bad("chunked-eof-before-last-chunk", "RFC 9112 §8", chunked(b"5\r\nhello\r\n"), KW_EOF, eof=True)
bad("chunked-eof-in-trailers", "RFC 9112 §8", chunked(b"5\r\nhello\r\n0\r\nX-T: v\r\n"), KW_EOF,
    eof=True)
bad("chunked-eof-before-final-crlf", "RFC 9112 §8", chunked(b"0\r\n"), KW_EOF, eof=True)

# --- Transfer-Encoding: RFC 9112 §6.1, §7 ----------------------------------------------
R_TE = "RFC 9112 §6.1"
ok("te-chunked-mixed-case", "RFC 9112 §7 (case-insensitive)",
   msg(S200, b"Transfer-Encoding: Chunked", body=HELLO_CHUNKED),
   H(headers=hdr(b"Transfer-Encoding: Chunked")), Data(b"hello"), E())
ok("te-chunked-ows", R_TE, msg(S200, b"Transfer-Encoding:  chunked \t", body=HELLO_CHUNKED),
   H(headers=hdr(TE)), Data(b"hello"), E())
bad("te-gzip-chunked", R_TE + " (unsupported coding)",
    msg(S200, b"Transfer-Encoding: gzip, chunked", body=HELLO_CHUNKED), KW_TE)
bad("te-chunked-not-last", R_TE + "; §6.3 rule 4",
    msg(S200, b"Transfer-Encoding: chunked, gzip", body=HELLO_CHUNKED), KW_TE)
bad("te-gzip", R_TE, msg(S200, b"Transfer-Encoding: gzip", body=b"x"), KW_TE)
bad("te-identity", R_TE, msg(S200, b"Transfer-Encoding: identity", body=b"x"), KW_TE)
bad("te-chunked-twice-list", R_TE, msg(S200, b"Transfer-Encoding: chunked, chunked",
                                        body=HELLO_CHUNKED), KW_TE)
bad("te-chunked-twice-fields", R_TE, msg(S200, TE, TE, body=HELLO_CHUNKED), KW_TE)
bad("te-empty", R_TE, msg(S200, b"Transfer-Encoding:", body=HELLO_CHUNKED), KW_TE)
bad("te-http10", R_TE + " (HTTP/1.0 with Transfer-Encoding)",
    msg(S200_10, TE, body=HELLO_CHUNKED), KW_TE + "|1\\.0")

# --- line ends: RFC 9112 §2.2 ----------------------------------------------------------
R_LE = "RFC 9112 §2.2"
ok("bare-lf-everywhere", R_LE, msg(S200, b"Content-Length: 2", body=b"hi", eol=b"\n"),
   H(headers=hdr(b"Content-Length: 2")), Data(b"hi"), E())
ok("bare-lf-status-only", R_LE, b"HTTP/1.1 200 OK\nContent-Length: 2\r\n\r\nhi",
   H(headers=hdr(b"Content-Length: 2")), Data(b"hi"), E())
ok("bare-lf-final-blank-line", R_LE, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\nhi",
   H(headers=hdr(b"Content-Length: 2")), Data(b"hi"), E())
ok("bare-lf-splits-value", R_LE, b"HTTP/1.1 200 OK\r\nFoo: a\nb: c\r\nContent-Length: 0\r\n\r\n",
   H(headers=hdr(b"Foo: a", b"b: c", CL0)), E())
bad("bare-cr-status-line-end", R_LE, b"HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n", KW_CR)
bad("bare-cr-in-reason", R_LE, b"HTTP/1.1 200 O\rK\r\nContent-Length: 0\r\n\r\n", KW_CR)
bad("bare-cr-in-version", R_LE, b"HTTP/1.1\r200 OK\r\nContent-Length: 0\r\n\r\n",
    KW_CR + "|" + KW_VERSION + "|" + KW_STATUS)
bad("bare-cr-header-value", R_LE, msg(S200, b"Foo: a\rb", CL0), KW_CR)
bad("bare-cr-header-name", R_LE, msg(S200, b"Fo\ro: b", CL0), KW_CR)
bad("bare-cr-header-line-end", R_LE, b"HTTP/1.1 200 OK\r\nFoo: b\rContent-Length: 0\r\n\r\n", KW_CR)
bad("bare-cr-cr-lf", R_LE, b"HTTP/1.1 200 OK\r\nFoo: b\r\r\nContent-Length: 0\r\n\r\n", KW_CR)
bad("bare-cr-final-line", R_LE, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\rX\r\n", KW_CR)
bad("bare-cr-status-cr-cr-lf", R_LE, b"HTTP/1.1 200 OK\r\r\nContent-Length: 0\r\n\r\n", KW_CR)
bad("leading-empty-line", "RFC 9112 §2.2 (no empty lines before the status line)",
    b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("leading-bare-lf", "RFC 9112 §2.2", b"\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    KW_STATUS)

# --- field syntax: RFC 9112 §5, RFC 9110 §5.1, §5.5, §5.6.2 ----------------------------
R_F = "RFC 9112 §5.1"
R_NAME = "RFC 9110 §5.1; §5.6.2 (token)"
R_VAL = "RFC 9110 §5.5"
bad("obs-fold-space", "RFC 9112 §5.2", msg(S200, b"Foo: a", b" b", CL0), KW_FOLD)
bad("obs-fold-tab", "RFC 9112 §5.2", msg(S200, b"Foo: a", b"\tb", CL0), KW_FOLD)
bad("whitespace-before-first-field", "RFC 9112 §2.2", msg(S200, b" Foo: bar", CL0),
    KW_FOLD + "|whitespace|space")
bad("space-before-colon", R_F, msg(S200, b"Foo : bar", CL0), r"whitespace|space|colon|name")
bad("tab-before-colon", R_F, msg(S200, b"Foo\t: bar", CL0), r"whitespace|space|colon|name")
bad("cl-space-before-colon", R_F, msg(S200, b"Content-Length : 5", body=b"hello"),
    r"whitespace|space|colon|name")
for _n, _name in enumerate([b"Fo(o", b"Fo/o", b"Fo@o", b'Fo"o', b"Fo\x7fo", b"F\xe9o", b"Fo o",
                            b"Fo{o", b"Fo,o", b"Fo=o", b"Fo\x01o"]):
    bad(f"name-non-token-{_name.hex()}", R_NAME, msg(S200, _name + b": v", CL0), KW_FIELD)
bad("name-empty", R_NAME, msg(S200, b": bar", CL0), KW_FIELD)
bad("name-empty-no-space", R_NAME, msg(S200, b":bar", CL0), KW_FIELD)
bad("field-no-colon", R_F, msg(S200, b"Foo", CL0), KW_FIELD + "|colon")
bad("value-nul", R_VAL, msg(S200, b"Foo: a\x00b", CL0), KW_VALUE + "|NUL")
bad("value-nul-leading", R_VAL, msg(S200, b"Foo: \x00", CL0), KW_VALUE + "|NUL")
bad("name-nul", R_NAME, msg(S200, b"Fo\x00o: b", CL0), KW_FIELD + "|NUL")
bad("value-ctl-01", R_VAL, msg(S200, b"Foo: a\x01b", CL0), KW_VALUE)
bad("value-ctl-1f", R_VAL, msg(S200, b"Foo: a\x1fb", CL0), KW_VALUE)
bad("value-del", R_VAL, msg(S200, b"Foo: a\x7fb", CL0), KW_VALUE)
ok("value-obs-text", R_VAL + " (obs-text)", msg(S200, b"Foo: caf\xe9", CL0),
   H(headers=hdr(b"Foo: caf\xe9", CL0)), E())
ok("value-obs-text-range", R_VAL, msg(S200, b"Foo: \x80\xff\xa0", CL0),
   H(headers=hdr(b"Foo: \x80\xff\xa0", CL0)), E())
ok("value-inner-htab", R_VAL, msg(S200, b"Foo: a\tb", CL0), H(headers=hdr(b"Foo: a\tb", CL0)), E())
ok("value-ows-stripped", R_F, msg(S200, b"Foo: \t bar \t ", CL0),
   H(headers=hdr(b"Foo: bar", CL0)), E())
ok("value-inner-spaces", R_VAL, msg(S200, b"Foo: a  b", CL0),
   H(headers=[(b"Foo", b"a  b"), (b"Content-Length", b"0")]), E())
ok("value-empty", R_VAL, msg(S200, b"Foo:", CL0), H(headers=hdr(b"Foo:", CL0)), E())
ok("value-only-spaces", R_VAL, msg(S200, b"Foo:   \t", CL0), H(headers=hdr(b"Foo:", CL0)), E())
ok("value-with-colon", R_VAL, msg(S200, b"Foo: a:b: c", CL0),
   H(headers=[(b"Foo", b"a:b: c"), (b"Content-Length", b"0")]), E())
ok("value-quotes-commas", R_VAL, msg(S200, b'Foo: "a, b", c', CL0),
   H(headers=[(b"Foo", b'"a, b", c'), (b"Content-Length", b"0")]), E())
ok("name-case-kept", R_NAME, msg(S200, b"X-CaSe-HeAdEr: v", CL0),
   H(headers=hdr(b"X-CaSe-HeAdEr: v", CL0)), E())
ok("name-all-tchars", R_NAME, msg(S200, b"!#$%&'*+-.^_`|~09azAZ: v", CL0),
   H(headers=hdr(b"!#$%&'*+-.^_`|~09azAZ: v", CL0)), E())
ok("fields-duplicates-keep-order", "RFC 9110 §5.3",
   msg(S200, b"Set-Cookie: a=1", b"X: 1", b"Set-Cookie: b=2", CL0),
   H(headers=hdr(b"Set-Cookie: a=1", b"X: 1", b"Set-Cookie: b=2", CL0)), E())
_fifty = [b"X-H%d: value %d" % (i, i) for i in range(50)]
ok("fields-fifty", R_F, msg(S200, *_fifty, CL0), H(headers=hdr(*_fifty, CL0)), E())
ok("no-fields-at-all-304", "RFC 9112 §6.3 rule 1", b"HTTP/1.1 304 Not Modified\r\n\r\n",
   H(304, b"Not Modified"), E())

# --- status line: RFC 9112 §4, RFC 9110 §15 --------------------------------------------
R_S = "RFC 9112 §4"
ok("status-no-reason", R_S, b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
   H(200, b"", hdr(CL0)), E())
ok("status-empty-reason", R_S, b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
   H(200, b"", hdr(CL0)), E())
ok("status-reason-spaces", R_S, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
   H(404, b"Not Found", hdr(CL0)), E())
ok("status-reason-obs-text", R_S, b"HTTP/1.1 200 \xc3\x89t\xe9\r\nContent-Length: 0\r\n\r\n",
   H(200, b"\xc3\x89t\xe9", hdr(CL0)), E())
ok("status-reason-htab", R_S, b"HTTP/1.1 200 O\tK\r\nContent-Length: 0\r\n\r\n",
   H(200, b"O\tK", hdr(CL0)), E())
ok("status-reason-punctuation", R_S,
   b"HTTP/1.1 200 OK: all (fine) / yes\r\nContent-Length: 0\r\n\r\n",
   H(200, b"OK: all (fine) / yes", hdr(CL0)), E())
ok("status-599", "RFC 9110 §15", b"HTTP/1.1 599 Custom\r\nContent-Length: 0\r\n\r\n",
   H(599, b"Custom", hdr(CL0)), E())
ok("status-100-lowest", "RFC 9110 §15.2",
   b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
   I1(), H(headers=hdr(CL0)), E())
ok("status-500", "RFC 9110 §15.6",
   b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\nno",
   H(500, b"Internal Server Error", hdr(b"Content-Length: 2")), Data(b"no"), E())
bad("reason-nul", R_S, b"HTTP/1.1 200 O\x00K\r\nContent-Length: 0\r\n\r\n",
    KW_STATUS + "|reason|NUL")
bad("reason-ctl", R_S, b"HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n", KW_STATUS + "|reason")
bad("status-missing-sp", R_S, b"HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-two-digits", R_S, b"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-four-digits", R_S, b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-letters", R_S, b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-000", "RFC 9110 §15", b"HTTP/1.1 000 OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-099", "RFC 9110 §15", b"HTTP/1.1 099 OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-600", "RFC 9110 §15", b"HTTP/1.1 600 OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-999", "RFC 9110 §15", b"HTTP/1.1 999 OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-signed", R_S, b"HTTP/1.1 +20 OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-missing", R_S, b"HTTP/1.1 \r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-missing-no-sp", R_S, b"HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    KW_STATUS + "|" + KW_VERSION)
bad("status-double-space", R_S, b"HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n", KW_STATUS)
bad("status-tab-separator", R_S, b"HTTP/1.1\t200 OK\r\nContent-Length: 0\r\n\r\n",
    KW_STATUS + "|" + KW_VERSION)

# --- HTTP version: RFC 9112 §2.3, RFC 9110 §2.5 ----------------------------------------
R_V = "RFC 9112 §2.3; RFC 9110 §2.5"
ok("version-1.0", R_V, msg(S200_10, CL0), H(headers=hdr(CL0), version=b"1.0"), E(),
   keep_alive=False)
ok("version-1.9", R_V + " (higher minor treated as 1.1)", msg(b"HTTP/1.9 200 OK", CL0),
   H(headers=hdr(CL0), version=b"1.9"), E())
for _id, _start in [
    ("version-2.0", b"HTTP/2.0 200 OK"), ("version-2", b"HTTP/2 200 OK"),
    ("version-0.9", b"HTTP/0.9 200 OK"), ("version-lowercase", b"http/1.1 200 OK"),
    ("version-mixed-case", b"Http/1.1 200 OK"), ("version-no-minor", b"HTTP/1 200 OK"),
    ("version-two-digit-minor", b"HTTP/1.10 200 OK"), ("version-no-dot", b"HTTP/11 200 OK"),
    ("version-https", b"HTTPS/1.1 200 OK"), ("version-icy", b"ICY 200 OK"),
    ("version-letters", b"HTTP/a.b 200 OK"), ("version-space", b"HTTP/ 1.1 200 OK"),
    ("version-leading-space", b" HTTP/1.1 200 OK"), ("version-garbage", b"garbage"),
    ("version-3.0", b"HTTP/3.0 200 OK"),
]:
    bad(_id, R_V, msg(_start, CL0), KW_VERSION + "|" + KW_STATUS)

# --- responses without a body: RFC 9112 §6.3 rule 1, RFC 9110 §15.2 --------------------
R_NB = "RFC 9112 §6.3 rule 1"
ok("head-with-cl", R_NB + " (HEAD)", msg(S200, b"Content-Length: 100"),
   H(headers=hdr(b"Content-Length: 100")), E(), method=b"HEAD")
ok("head-with-te", R_NB + " (HEAD)", msg(S200, TE), head_te(), E(), method=b"HEAD")
ok("head-no-framing", R_NB + " (HEAD)", msg(S200), H(), E(), method=b"HEAD")
ok("head-http10", R_NB + " (HEAD)", msg(S200_10, b"Content-Length: 100"),
   H(headers=hdr(b"Content-Length: 100"), version=b"1.0"), E(), keep_alive=False, method=b"HEAD")
ok("head-then-eof", R_NB + " (HEAD)", msg(S200, b"Content-Length: 100"),
   H(headers=hdr(b"Content-Length: 100")), E(), method=b"HEAD", eof=True)
ok("204-with-cl", R_NB + "; RFC 9110 §15.3.5", msg(b"HTTP/1.1 204 No Content", CL5),
   H(204, b"No Content", hdr(CL5)), E())
ok("204-plain", R_NB, msg(b"HTTP/1.1 204 No Content"), H(204, b"No Content"), E())
ok("204-with-te", R_NB, msg(b"HTTP/1.1 204 No Content", TE), H(204, b"No Content", hdr(TE)), E())
ok("304-with-cl", R_NB + "; RFC 9110 §15.4.5",
   msg(b"HTTP/1.1 304 Not Modified", b"Content-Length: 42"),
   H(304, b"Not Modified", hdr(b"Content-Length: 42")), E())
ok("304-with-te", R_NB, msg(b"HTTP/1.1 304 Not Modified", TE),
   H(304, b"Not Modified", hdr(TE)), E())

# --- interim responses: RFC 9110 §15.2, RFC 9112 §6.3 rule 1 ---------------------------
R_1 = "RFC 9110 §15.2"
FINAL = msg(S200, b"Content-Length: 2", body=b"ok")
FINAL_EV = (H(headers=hdr(b"Content-Length: 2")), Data(b"ok"), E())
ok("100-continue", R_1, b"HTTP/1.1 100 Continue\r\n\r\n" + FINAL, I1(), *FINAL_EV)
ok("103-early-hints", "RFC 8297; " + R_1,
   msg(b"HTTP/1.1 103 Early Hints", b"Link: </a.css>; rel=preload", b"Link: </b.js>; rel=preload")
   + FINAL,
   I1(103, b"Early Hints", hdr(b"Link: </a.css>; rel=preload", b"Link: </b.js>; rel=preload")),
   *FINAL_EV)
ok("several-1xx", R_1,
   b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
   b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" + FINAL,
   I1(), I1(102, b"Processing"), I1(103, b"Early Hints", hdr(b"Link: </x>")), *FINAL_EV)
ok("1xx-custom-199", R_1, b"HTTP/1.1 199 Whatever\r\n\r\n" + FINAL, I1(199, b"Whatever"),
   *FINAL_EV)
ok("1xx-bare-lf", R_1 + "; RFC 9112 §2.2", b"HTTP/1.1 100 Continue\n\n" + FINAL, I1(), *FINAL_EV)
ok("1xx-then-204", R_1, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
   I1(), H(204, b"No Content"), E())
ok("1xx-then-close-delimited", R_1, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nabc",
   I1(), H(), Data(b"abc"), E(), keep_alive=False, eof=True, until_close=True)
ok("1xx-only-no-eof", R_1, b"HTTP/1.1 100 Continue\r\n\r\n", I1(), keep_alive=None,
   finished=False)
bad("1xx-only-then-eof", "RFC 9112 §8", b"HTTP/1.1 100 Continue\r\n\r\n", KW_EOF, eof=True)
bad("101-switching", "RFC 9110 §15.2.2", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
    r"101|switch|upgrade|" + KW_STATUS)
bad("101-after-100", "RFC 9110 §15.2.2",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n",
    r"101|switch|upgrade|" + KW_STATUS)
bad("1xx-bad-field", R_1 + "; RFC 9112 §5.1",
    b"HTTP/1.1 103 Early Hints\r\nLink : </x>\r\n\r\n" + FINAL, r"whitespace|space|colon|name")

ok("1xx-framing-fields-ignored", R_1 + "; RFC 9112 §6.3 rule 1",
   b"HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n"
   b"HTTP/1.1 103 EH\r\nTransfer-Encoding: chunked\r\n\r\n" + FINAL,
   I1(headers=hdr(b"Content-Length: 5")), I1(103, b"EH", hdr(TE)), *FINAL_EV)
ok("1xx-then-head-response", R_1 + "; " + R_NB,
   b"HTTP/1.1 100 Continue\r\n\r\n" + msg(S200, CL5), I1(), H(headers=hdr(CL5)), E(),
   method=b"HEAD")
ok("method-is-case-sensitive", "RFC 9110 §9.1 (\"head\" is not HEAD)",
   msg(S200, CL5, body=b"hello"), H(headers=hdr(CL5)), Data(b"hello"), E(), method=b"head")
ok("204-http10", R_NB + "; RFC 9112 §9.3", b"HTTP/1.0 204 No Content\r\n\r\n",
   H(204, b"No Content", version=b"1.0"), E(), keep_alive=False)
ok("reason-trailing-spaces-kept", R_S + " (reason-phrase may end in SP)",
   b"HTTP/1.1 200 OK  \r\nContent-Length: 0\r\n\r\n", H(200, b"OK  ", hdr(CL0)), E())
bad("te-split-over-fields", R_TE, msg(S200, b"Transfer-Encoding: gzip", TE, body=b"0\r\n\r\n"),
    KW_TE)
bad("cl-21-digits-leading-zeros", "RFC 9110 §8.6 (at most 18 digits)",
    msg(S200, b"Content-Length: 000000000000000000005", body=b"hello"), KW_CL)

# --- body delimited by the close: RFC 9112 §6.3 rule 8 --------------------------------
R_RC = "RFC 9112 §6.3 rule 8"
ok("until-close-1.1", R_RC, msg(S200, body=b"hello"), H(), Data(b"hello"), E(),
   keep_alive=False, eof=True, until_close=True)
ok("until-close-empty", R_RC, msg(S200), H(), E(), keep_alive=False, eof=True, until_close=True)
ok("until-close-1.0", R_RC, msg(S200_10, body=b"hello"), H(version=b"1.0"), Data(b"hello"), E(),
   keep_alive=False, eof=True, until_close=True)
ok("until-close-1.0-keep-alive-header", R_RC + "; RFC 9112 §9.3",
   msg(S200_10, b"Connection: keep-alive", body=b"hello"),
   H(headers=hdr(b"Connection: keep-alive"), version=b"1.0"), Data(b"hello"), E(),
   keep_alive=False, eof=True, until_close=True)
ok("until-close-binary", R_RC, msg(S200, body=BINARY), H(), Data(BINARY), E(),
   keep_alive=False, eof=True, until_close=True)
ok("until-close-no-eof", R_RC, msg(S200, body=b"hello"), H(), Data(b"hello"), keep_alive=None,
   finished=False)

# --- truncation: RFC 9112 §8 -----------------------------------------------------------
R_T = "RFC 9112 §8"
bad("eof-nothing", R_T, b"", KW_EOF, eof=True)
bad("eof-in-status-line", R_T, b"HTTP/1.1 20", KW_EOF, eof=True)
bad("eof-after-status-line", R_T, b"HTTP/1.1 200 OK\r\n", KW_EOF, eof=True)
bad("eof-in-field", R_T, b"HTTP/1.1 200 OK\r\nContent-Le", KW_EOF, eof=True)
bad("eof-before-blank-line", R_T, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", KW_EOF, eof=True)
bad("eof-after-cr-of-blank-line", R_T, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r", KW_EOF,
    eof=True)
bad("eof-cl-body-empty", R_T, msg(S200, CL5), KW_EOF, eof=True)

# --- persistence: RFC 9112 §9.3, §9.6; RFC 9110 §7.6.1 ---------------------------------
R_KA = "RFC 9112 §9.3"
for _id, _version, _fields, _ka in [
    ("ka-close", b"1.1", [b"Connection: close"], False),
    ("ka-close-uppercase", b"1.1", [b"Connection: CLOSE"], False),
    ("ka-close-in-list", b"1.1", [b"Connection: Upgrade, close"], False),
    ("ka-close-first-in-list", b"1.1", [b"Connection: close, Upgrade"], False),
    ("ka-close-list-no-space", b"1.1", [b"Connection: foo,close,bar"], False),
    ("ka-close-second-field", b"1.1", [b"Connection: keep-alive", b"Connection: close"], False),
    ("ka-keep-alive-1.1", b"1.1", [b"Connection: keep-alive"], True),
    ("ka-closed-is-not-close", b"1.1", [b"Connection: closed"], True),
    ("ka-xclose-is-not-close", b"1.1", [b"Connection: xclose, upgrade"], True),
    ("ka-1.0-default", b"1.0", [], False),
    ("ka-1.0-keep-alive", b"1.0", [b"Connection: keep-alive"], True),
    ("ka-1.0-keep-alive-mixed-case", b"1.0", [b"Connection: Keep-Alive"], True),
    ("ka-1.0-keep-alive-in-list", b"1.0", [b"Connection: foo, keep-alive"], True),
    ("ka-1.0-keep-alive-and-close", b"1.0", [b"Connection: keep-alive, close"], False),
    ("ka-1.0-other-token", b"1.0", [b"Connection: foo"], False),
]:
    ok(_id, R_KA + "; RFC 9110 §7.6.1",
       msg(b"HTTP/" + _version + b" 200 OK", *_fields, CL5, body=b"hello"),
       H(headers=hdr(*_fields, CL5), version=_version), Data(b"hello"), E(), keep_alive=_ka)

# --- limits (small values via constructor keywords) --------------------------------------
R_L = "RFC 9112 §2.3 (limits); RFC 9110 §5.4"
ok("limit-lines-within", R_L, msg(S200, b"X-A: " + b"a" * 40, CL0),
   H(headers=hdr(b"X-A: " + b"a" * 40, CL0)), E(), limits={"max_line_size": 64})
bad("limit-status-line-too-long", R_L, msg(b"HTTP/1.1 200 " + b"O" * 100, CL0), KW_LIMIT,
    limits={"max_line_size": 64})
bad("limit-status-line-unterminated", R_L, b"HTTP/1.1 200 " + b"O" * 100, KW_LIMIT,
    limits={"max_line_size": 64})
bad("limit-field-line-too-long", R_L, msg(S200, b"X-A: " + b"a" * 100, CL0), KW_LIMIT,
    limits={"max_line_size": 64})
bad("limit-field-line-unterminated", R_L, b"HTTP/1.1 200 OK\r\nX-A: " + b"a" * 100, KW_LIMIT,
    limits={"max_line_size": 64})
ok("limit-count-within", R_L, msg(S200, b"X-A: 1", b"X-B: 2", CL0),
   H(headers=hdr(b"X-A: 1", b"X-B: 2", CL0)), E(), limits={"max_header_count": 3})
bad("limit-too-many-fields", R_L, msg(S200, b"X-A: 1", b"X-B: 2", b"X-C: 3", CL0), KW_LIMIT,
    limits={"max_header_count": 3})
bad("limit-too-many-1xx-fields", R_L,
    msg(b"HTTP/1.1 103 Early Hints", b"Link: 1", b"Link: 2", b"Link: 3", b"Link: 4") + FINAL,
    KW_LIMIT, limits={"max_header_count": 3})
_ten = [b"X-H%d: %s" % (i, b"v" * 20) for i in range(10)]
bad("limit-head-too-large", R_L, msg(S200, *_ten, CL0), KW_LIMIT,
    limits={"max_headers_size": 128})
bad("limit-head-too-large-unterminated", R_L, b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 40,
    KW_LIMIT, limits={"max_headers_size": 128})
ok("limit-head-size-within", R_L, msg(S200, *_ten[:2], CL0),
   H(headers=hdr(*_ten[:2], CL0)), E(), limits={"max_headers_size": 128})
bad("limit-chunk-line-too-long", R_L + "; RFC 9112 §7.1.1",
    chunked(b"5;" + b"e" * 40 + b"\r\nhello\r\n0\r\n\r\n"), KW_LIMIT,
    limits={"max_chunk_line_size": 16})
bad("limit-chunk-line-unterminated", R_L, chunked(b"5;" + b"e" * 40), KW_LIMIT,
    limits={"max_chunk_line_size": 16})
bad("limit-chunk-size-zeros-too-long", R_L, chunked(b"0" * 40 + b"5\r\nhello\r\n0\r\n\r\n"),
    KW_LIMIT + "|" + KW_CHUNK, limits={"max_chunk_line_size": 16})
ok("limit-chunk-line-within", R_L, chunked(b"5;e=eeeee\r\nhello\r\n0\r\n\r\n"), head_te(),
   Data(b"hello"), E(), limits={"max_chunk_line_size": 16})
bad("limit-too-many-trailers", R_L + "; RFC 9112 §7.1.2",
    chunked(b"0\r\nT-A: 1\r\nT-B: 2\r\nT-C: 3\r\nT-D: 4\r\n\r\n"), KW_LIMIT,
    limits={"max_header_count": 3})
bad("limit-trailers-too-large", R_L + "; RFC 9112 §7.1.2",
    chunked(b"0\r\n" + b"".join(t + b"\r\n" for t in _ten) + b"\r\n"), KW_LIMIT,
    limits={"max_headers_size": 128})
bad("limit-trailer-line-too-long", R_L + "; RFC 9112 §7.1.2",
    chunked(b"0\r\nT-A: " + b"a" * 100 + b"\r\n\r\n"), KW_LIMIT, limits={"max_line_size": 64})
ok("limit-trailers-within", R_L, chunked(b"0\r\nT-A: 1\r\nT-B: 2\r\n\r\n"), head_te(),
   E(hdr(b"T-A: 1", b"T-B: 2")), limits={"max_header_count": 2})

_ids = [c.id for c in CASES]
assert len(_ids) == len(set(_ids)), "duplicate case ids"
