"""The table of ``text/event-stream`` cases both event-stream parser twins are held to.

Each ``SSECase`` is the bytes of a stream, the rule of WHATWG HTML §9.2.6 ("Interpreting an
event stream") it exercises, and the expected outcome: the events as ``(event, data, id,
retry)`` tuples with the parser's final ``last_event_id`` and ``retry``, or (with
``max_event_size``) the ``SSEError`` it must end in. ``run_sse`` feeds a parser in given
pieces and records everything observable, so two runs compare with ``==``; the table tests
(``test_sse_parser.py``), the Hypothesis tests and the fuzz harnesses share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fasthttpx._exceptions import SSEError
from fasthttpx._sse_event import ServerSentEvent

Ev = tuple[str, str, str, "int | None"]
BOM = b"\xef\xbb\xbf"
TOO_LARGE = "Server-sent event exceeded the {} byte limit (max_event_size)"


@dataclass(frozen=True)
class SSECase:
    id: str
    rule: str
    data: bytes
    events: tuple[Ev, ...] = ()
    last_event_id: str | None = None  # None: ``initial_id``
    retry: int | None = None
    max_event_size: int | None = None
    error: bool = False  # ends in SSEError (max_event_size)
    initial_id: str = ""  # the parser's ``last_event_id=``


def m(data: str, id: str = "", retry: int | None = None, event: str = "message") -> Ev:
    return (event, data, id, retry)


C = SSECase
CASES: list[SSECase] = [
    # lines and line ends
    C("simple", "dispatch on a blank line", b"data: hello\n\n", (m("hello"),)),
    C("no-space", "value after the colon", b"data:hello\n\n", (m("hello"),)),
    C("one-space-only", "only one leading space removed", b"data:  hello\n\n", (m(" hello"),)),
    C("tab-kept", "only U+0020 is removed", b"data:\thello\n\n", (m("\thello"),)),
    C("crlf", "CRLF line ends", b"data: a\r\n\r\n", (m("a"),)),
    C("cr", "lone CR line ends", b"data: a\r\r", (m("a"),)),
    C("lf-cr", "LF then CR are two line ends", b"data: a\n\rdata: b\n\n", (m("a"), m("b"))),
    C("mixed-ends", "CRLF, CR and LF in one stream", b"data: a\r\ndata: b\rdata: c\n\r\n",
      (m("a\nb\nc"),)),
    C("cr-cr-lf", "CR, then CRLF", b"data: a\r\r\ndata: b\n\n", (m("a"), m("b"))),
    C("blank-lines-only", "blank lines dispatch nothing", b"\n\n\r\n\r", ()),
    C("unterminated", "a line without an end at EOF is dropped", b"data: a\n\ndata: b", (m("a"),)),
    C("no-blank-line", "an event without its blank line at EOF is dropped",
      b"data: a\n\ndata: b\n", (m("a"),)),
    C("empty", "no bytes at all", b"", ()),
    # data
    C("multi-line", "data lines joined with LF", b"data: a\ndata: b\ndata: c\n\n",
      (m("a\nb\nc"),)),
    C("data-no-colon", "a field name alone has an empty value", b"data\n\n", (m(""),)),
    C("data-empty", "an empty data line", b"data:\n\n", (m(""),)),
    C("data-space", "one space: empty value", b"data: \n\n", (m(""),)),
    C("two-empty-data", "two empty data lines: one LF", b"data\ndata\n\n", (m("\n"),)),
    C("trailing-empty-data", "a last empty data line keeps its LF", b"data: a\ndata\n\n",
      (m("a\n"),)),
    C("colon-in-value", "only the first colon splits", b"data: a: b:c\n\n", (m("a: b:c"),)),
    C("nul-in-data", "NUL is data", b"data: a\x00b\n\n", (m("a\x00b"),)),
    C("json", "LLM token stream", b'data: {"choices":[{"delta":{"content":" hi"}}]}\n\n'
      b"data: [DONE]\n\n", (m('{"choices":[{"delta":{"content":" hi"}}]}'), m("[DONE]"))),
    # comments and other fields
    C("comment", "lines starting with a colon are comments", b": hi\ndata: x\n:\n\n", (m("x"),)),
    C("comment-only", "a comment block dispatches nothing", b":ok\n\n", ()),
    C("comment-between-data", "a comment inside an event", b"data: a\n: c\ndata: b\n\n",
      (m("a\nb"),)),
    C("unknown-field", "other fields are ignored", b"foo: bar\ndata: x\n\n", (m("x"),)),
    C("unknown-no-colon", "a name alone is a field", b"foo\ndata: x\n\n", (m("x"),)),
    C("case-sensitive", "field names are case-sensitive", b"Data: x\nEVENT: y\n\n", ()),
    C("space-in-name", "no space stripping around the name", b"data : x\n\n", ()),
    C("leading-space-name", "a leading space is part of the name", b" data: x\n\n", ()),
    # event type
    C("event-type", "event sets the type", b"event: add\ndata: x\n\n", (m("x", event="add"),)),
    C("event-empty", "an empty type is message", b"event\ndata: x\n\n", (m("x"),)),
    C("event-reset", "the type lasts one event", b"event: a\ndata: 1\n\ndata: 2\n\n",
      (m("1", event="a"), m("2"))),
    C("event-no-data", "no data: nothing dispatched, type reset",
      b"event: a\n\ndata: 2\n\n", (m("2"),)),
    C("event-last-wins", "the last event line wins", b"event: a\nevent: b\ndata: x\n\n",
      (m("x", event="b"),)),
    C("event-utf8", "the type is UTF-8", b"event: \xc3\xa9t\xc3\xa9\ndata: x\n\n",
      (m("x", event="\u00e9t\u00e9"),)),
    C("event-repeat", "the same type again", b"event: t\ndata: 1\n\nevent: t\ndata: 2\n\n"
      b"event: u\ndata: 3\n\nevent: t\ndata: 4\n\n",
      (m("1", event="t"), m("2", event="t"), m("3", event="u"), m("4", event="t"))),
    # id
    C("id", "the last event ID lasts", b"id: 1\ndata: x\n\ndata: y\n\n",
      (m("x", "1"), m("y", "1")), last_event_id="1"),
    C("id-after-data", "an id anywhere in the block", b"data: x\nid: 3\n\n", (m("x", "3"),),
      last_event_id="3"),
    C("id-reset", "an empty id resets it", b"id: 1\ndata: x\n\nid\ndata: y\n\n",
      (m("x", "1"), m("y", "")), last_event_id=""),
    C("id-nul", "an id with NUL is ignored", b"id: 1\n\nid: a\x00b\ndata: x\n\n",
      (m("x", "1"),), last_event_id="1"),
    C("id-no-data", "an id without data is still taken", b"id: 5\n\n", (), last_event_id="5"),
    C("id-at-eof", "an id of an unfinished block is not", b"id: 5\ndata: x\n", ()),
    C("id-utf8", "the id is UTF-8", b"id: \xe2\x9c\x93\ndata: x\n\n", (m("x", "\u2713"),),
      last_event_id="\u2713"),
    C("id-space", "one space removed from the id", b"id:  7\ndata: x\n\n", (m("x", " 7"),),
      last_event_id=" 7"),
    C("id-initial", "the id a source resumes from", b"data: x\n\nid: 9\ndata: y\n\n",
      (m("x", "4"), m("y", "9")), last_event_id="9", initial_id="4"),
    # retry
    C("retry", "retry in the event", b"retry: 1500\ndata: x\n\n", (m("x", retry=1500),),
      retry=1500),
    C("retry-no-data", "retry without data is still taken", b"retry: 7\n\ndata: x\n\n",
      (m("x"),), retry=7),
    C("retry-zeros", "leading zeros", b"retry: 007\ndata: x\n\n", (m("x", retry=7),), retry=7),
    C("retry-big", "any number of digits",
      b"retry: 1234567890123456789012345\ndata: x\n\n",
      (m("x", retry=1234567890123456789012345),), retry=1234567890123456789012345),
    C("retry-18-digits", "the longest fast path", b"retry: 999999999999999999\ndata: x\n\n",
      (m("x", retry=999999999999999999),), retry=999999999999999999),
    C("retry-19-digits", "past the fast path", b"retry: 9999999999999999999\ndata: x\n\n",
      (m("x", retry=9999999999999999999),), retry=9999999999999999999),
    C("retry-letters", "not digits: ignored", b"retry: 15x\ndata: x\n\n", (m("x"),)),
    C("retry-negative", "a sign: ignored", b"retry: -1\ndata: x\n\n", (m("x"),)),
    C("retry-plus", "a sign: ignored", b"retry: +1\ndata: x\n\n", (m("x"),)),
    C("retry-space", "a second space: ignored", b"retry:  15\ndata: x\n\n", (m("x"),)),
    C("retry-empty", "no digits: ignored", b"retry\ndata: x\n\nretry:\n\n", (m("x"),)),
    C("retry-float", "a point: ignored", b"retry: 1.5\ndata: x\n\n", (m("x"),)),
    C("retry-unicode-digit", "ASCII digits only", b"retry: \xd9\xa3\ndata: x\n\n", (m("x"),)),
    C("retry-kept", "an invalid retry keeps the last", b"retry: 5\n\nretry: x\ndata: y\n\n",
      (m("y"),), retry=5),
    C("retry-per-event", "the event's retry lasts one event",
      b"retry: 5\ndata: a\n\ndata: b\n\n", (m("a", retry=5), m("b")), retry=5),
    # BOM and text
    C("bom", "one leading BOM is dropped", BOM + b"data: x\n\n", (m("x"),)),
    C("bom-twice", "only one", BOM + BOM + b"data: x\n\n", ()),
    C("bom-later", "only at the start", b"data: x\n\n" + BOM + b"data: y\n\n", (m("x"),)),
    C("bom-partial", "a BOM prefix is not a BOM", b"\xef\xbbdata: x\n\ndata: y\n\n", (m("y"),)),
    C("bom-short", "one byte of a BOM", b"\xefdata: x\n\ndata: y\n\n", (m("y"),)),
    C("bom-only", "a stream that is only a BOM", BOM, ()),
    C("bom-prefix-only", "a stream that is a BOM prefix", b"\xef\xbb", ()),
    C("bom-then-blank", "a BOM, then a blank line", BOM + b"\ndata: x\n\n", (m("x"),)),
    C("bom-then-comment", "a BOM, then a comment", BOM + b": c\ndata: x\n\n", (m("x"),)),
    C("invalid-utf8", "invalid UTF-8 is replaced", b"data: \xff\xfe ok \xe2\x82\n\n",
      (m("\ufffd\ufffd ok \ufffd"),)),
    C("utf8", "UTF-8 text", "data: h\u00e9llo \u2713 \U0001f600\n\n".encode(),
      (m("h\u00e9llo \u2713 \U0001f600"),)),
    C("surrogate-bytes", "encoded surrogates are invalid", b"data: \xed\xa0\x80\n\n",
      (m("\ufffd\ufffd\ufffd"),)),
    # max_event_size
    C("limit-exact", "an event of exactly the limit", b"data: hello\n\n", (m("hello"),),
      max_event_size=11),
    C("limit-over", "one byte over", b"data: hello\n\n", max_event_size=10, error=True),
    C("limit-lines", "all lines of the event count", b"data: 12345\ndata: 12345\n\n",
      max_event_size=15, error=True),
    C("limit-reset", "each event counts anew", b"data: 12345\n\ndata: 12345\n\n",
      (m("12345"), m("12345")), max_event_size=11),
    C("limit-comment", "comments do not count", b": a long comment, longer than the limit\n"
      b"data: x\n\n", (m("x"),), max_event_size=8),
    C("limit-unfinished", "an unfinished line counts", b"data: 0123456789", max_event_size=10,
      error=True),
    C("limit-unknown", "unknown fields count", b"foo: barbaz\n\n", max_event_size=5,
      error=True),
    C("limit-zero", "zero allows blank lines and comments", b"\n\n: c\n\r\n", (),
      max_event_size=0),
    C("limit-zero-data", "zero allows no field", b"data\n\n", max_event_size=0, error=True),
    C("limit-after-events", "events before the error are dispatched in order",
      b"data: a\n\ndata: 0123456789abcdef\n\n", max_event_size=10, error=True),
    C("limit-bom", "the BOM does not count", BOM + b"data: x\n\n", (m("x"),), max_event_size=7),
]


@dataclass
class SSEOutcome:
    events: list[ServerSentEvent] = field(default_factory=list)
    error: str | None = None
    last_event_id: str = ""
    retry: int | None = None
    failed: bool = False


def run_sse(parser_cls: Any, pieces: Sequence[bytes], *, max_event_size: int | None = None,
            initial_id: str = "", eof: bool = True) -> SSEOutcome:
    """Feed ``pieces`` (then ``feed_eof()``), recording the events, the error and the final
    properties. Checks the per-call contract: ``feed`` returns a list of events."""
    parser = parser_cls(max_event_size=max_event_size, last_event_id=initial_id)
    out = SSEOutcome()
    try:
        for piece in pieces:
            result = parser.feed(piece)
            assert type(result) is list, f"feed() returned {type(result).__name__}"
            for event in result:
                assert type(event) is ServerSentEvent, f"unexpected {event!r}"
            out.events.extend(result)
        if eof:
            parser.feed_eof()
    except SSEError as exc:
        out.error = str(exc)
    out.last_event_id = parser.last_event_id
    out.retry = parser.retry
    out.failed = parser.failed
    return out


def expected_outcome(case: SSECase) -> SSEOutcome:
    """What the table says ``case`` must give (fed whole: an error loses the events of the
    feed it ends)."""
    last_event_id = case.initial_id if case.last_event_id is None else case.last_event_id
    if case.error:
        return SSEOutcome(error=TOO_LARGE.format(case.max_event_size), failed=True,
                          last_event_id=last_event_id, retry=case.retry)
    return SSEOutcome(events=[ServerSentEvent(*ev) for ev in case.events],
                      last_event_id=last_event_id, retry=case.retry)


def splits(data: bytes) -> list[list[bytes]]:
    """``data`` cut in two at every position (both halves may be empty)."""
    return [[data[:i], data[i:]] for i in range(len(data) + 1)]


def bytewise(data: bytes) -> list[bytes]:
    return [data[i:i + 1] for i in range(len(data))]
