"""Hypothesis tests of the event-stream parser twins.

Generated streams (blocks of ``data``, ``event``, ``id``, ``retry``, comment and unknown field
lines, each with CRLF, LF or CR, a BOM or not, the last block maybe unfinished) are fed in
random pieces and must give exactly the events the generator expects, which it works out from
the structure it built (the spec's rules, stated once more, on the generating side). Arbitrary
bytes drawn mostly from the stream's own vocabulary have no expected result: there the compiled
twin must agree with the pure-Python twin fed the same pieces (everything observable), and each
twin must agree with itself fed the input whole.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fasthttpx._sse_event import ServerSentEvent

from .sse_cases import BOM, SSEOutcome, run_sse
from .test_sse_parser import IMPLS, parser_class

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

TEXT = st.text(
    alphabet=st.sampled_from(list("ab z:{}\",0123456789") + ["\u00e9", "\u2713", "\U0001f600",
                                                             "\x00", "\t", "\ufeff"]),
    max_size=12,
)
DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=6)


@dataclass
class Generated:
    data: bytes
    events: list[ServerSentEvent]
    last_event_id: str
    retry: int | None


@st.composite
def streams(draw: st.DrawFn) -> Generated:
    """A well-formed stream and the events it must give."""
    out = bytearray(BOM if draw(st.booleans()) else b"")
    events: list[ServerSentEvent] = []
    last_event_id = ""
    retry: int | None = None
    previous_end = b"\n"

    def line(text: bytes) -> None:
        nonlocal previous_end
        ends = [b"\n", b"\r\n", b"\r"]
        if not text and previous_end == b"\r":
            ends = [b"\r\n", b"\r"]  # a lone LF would join the CR before it
        previous_end = draw(st.sampled_from(ends))
        out.extend(text + previous_end)

    def field(name: str, value: str) -> str:
        """Write ``name: value`` with one of the separators; the value the parser reads."""
        sep = draw(st.sampled_from([": ", ":"]))
        if not value and sep == ":" and draw(st.booleans()):
            sep = ""  # a name alone
        line((name + sep + value).encode())
        return value[1:] if sep == ":" and value.startswith(" ") else value

    for _ in range(draw(st.integers(0, 6))):
        data: list[str] = []
        event_type = ""
        id_buffer: str | None = None
        event_retry: int | None = None
        for _ in range(draw(st.integers(0, 5))):
            kind = draw(st.sampled_from(["data", "data", "event", "id", "retry", "comment",
                                         "other"]))
            if kind == "data":
                data.append(field("data", draw(TEXT)))
            elif kind == "event":
                event_type = field("event", draw(TEXT).replace("\x00", ""))
            elif kind == "id":
                value = field("id", draw(TEXT))
                if "\x00" not in value:
                    id_buffer = value
            elif kind == "retry":
                valid = draw(st.booleans())
                value = field("retry", draw(DIGITS) if valid else draw(TEXT))
                if value and value.isascii() and value.isdigit():
                    retry = event_retry = int(value)
            elif kind == "comment":
                line(b":" + draw(TEXT).encode())
            else:
                field(draw(st.sampled_from(["foo", "Data", "ids", "retr", "data "])), draw(TEXT))
        if draw(st.integers(0, 5)) == 0:  # an unfinished block ends the stream
            if draw(st.booleans()):
                out.extend(b"data: unfinished")
            break
        line(b"")
        if id_buffer is not None:
            last_event_id = id_buffer
        if data:
            events.append(ServerSentEvent(event_type or "message", "\n".join(data),
                                          last_event_id, event_retry))
    return Generated(bytes(out), events, last_event_id, retry)


def cut(draw: st.DataObject, data: bytes) -> list[bytes]:
    """``data`` in pieces, cut at up to 12 points Hypothesis picks (empty pieces too)."""
    points = draw.draw(st.lists(st.integers(0, len(data)), max_size=12), label="cuts")
    pieces, start = [], 0
    for bound in sorted(points):
        pieces.append(data[start:bound])
        start = bound
    pieces.append(data[start:])
    return pieces


@pytest.mark.parametrize("impl", IMPLS)
@SETTINGS
@given(generated=streams(), draw=st.data())
def test_generated_streams_give_the_expected_events(
    impl: str, generated: Generated, draw: st.DataObject
) -> None:
    parser = parser_class(impl)
    pieces = cut(draw, generated.data)
    outcome = run_sse(parser, pieces, max_event_size=None)
    assert outcome == SSEOutcome(generated.events, None, generated.last_event_id,
                                 generated.retry), pieces


VOCABULARY = st.sampled_from([
    b"data", b"event", b"id", b"retry", b":", b": ", b" ", b"\n", b"\r", b"\r\n", b"\n\n",
    b"\x00", BOM, b"\xef", b"\xbb", b"\xbf", b"\xff", b"\xc3\xa9", b"0", b"12", b"x", b"message",
])
NOISE = st.lists(st.one_of(VOCABULARY, st.binary(max_size=4)), max_size=40).map(b"".join)
LIMITS = st.one_of(st.none(), st.integers(0, 40))


def _comparable(outcome: SSEOutcome) -> SSEOutcome:
    """What must not depend on how the input was cut (an error loses its feed's events)."""
    return dataclasses.replace(outcome, events=[]) if outcome.error else outcome


@SETTINGS
@given(data=NOISE, draw=st.data(), limit=LIMITS, initial_id=st.sampled_from(["", "5"]))
def test_twins_agree_on_arbitrary_bytes(data: bytes, draw: st.DataObject, limit: int | None,
                                        initial_id: str) -> None:
    pieces = cut(draw, data)
    python = run_sse(parser_class("python"), pieces, max_event_size=limit,
                     initial_id=initial_id)
    whole = run_sse(parser_class("python"), [data], max_event_size=limit, initial_id=initial_id)
    assert _comparable(python) == _comparable(whole), pieces
    compiled = run_sse(parser_class("cython"), pieces, max_event_size=limit,
                       initial_id=initial_id)
    assert compiled == python, pieces


@SETTINGS
@given(data=NOISE, draw=st.data(), limit=LIMITS)
def test_python_twin_is_cut_invariant_on_arbitrary_bytes(data: bytes, draw: st.DataObject,
                                                         limit: int | None) -> None:
    """The same property in runs without the compiled core (``FASTHTTPX_NO_EXTENSIONS``)."""
    pieces = cut(draw, data)
    cls = parser_class("python")
    assert _comparable(run_sse(cls, pieces, max_event_size=limit)) == _comparable(
        run_sse(cls, [data], max_event_size=limit)), pieces
