"""The event-stream parser twins (`_sse.pyx`, `_sse_py.py`) against the case table.

Every case of ``sse_cases.py`` runs on both twins fed whole, byte by byte and cut in two at
every position; the twins must also agree with each other on every cut. The compiled twin
fails, not skips, when it cannot be imported, unless the run opted out with
``FASTHTTPX_NO_EXTENSIONS``. Then the contract beyond the table: ``feed_eof``, errors that
stay, argument checks, long lines, and the ``ServerSentEvent`` model.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import os
import pickle
import time
from typing import Any

import pytest

from fasthttpx import SSEError, TransportError
from fasthttpx._implementation import extensions_disabled
from fasthttpx._sse_event import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent

from .sse_cases import (
    BOM,
    CASES,
    TOO_LARGE,
    SSECase,
    SSEOutcome,
    bytewise,
    expected_outcome,
    run_sse,
    splits,
)

IMPLS = ["cython", "python"]
_MODULES = {"cython": "fasthttpx._sse", "python": "fasthttpx._sse_py"}


def parser_class(impl: str) -> Any:
    if impl == "cython" and extensions_disabled(os.environ.get("FASTHTTPX_NO_EXTENSIONS")):
        pytest.skip("compiled core disabled by FASTHTTPX_NO_EXTENSIONS")
    # An ImportError here fails the test: a run must not silently lose the compiled core.
    return importlib.import_module(_MODULES[impl]).EventStreamParser


def _run(impl: str, case: SSECase, pieces: list[bytes]) -> SSEOutcome:
    return run_sse(parser_class(impl), pieces, max_event_size=case.max_event_size,
                   initial_id=case.initial_id)


def _assert_matches(case: SSECase, outcome: SSEOutcome, how: str) -> None:
    expected = expected_outcome(case)
    if case.error:  # the events of the failing feed are lost: what came before depends on cuts
        outcome = dataclasses.replace(outcome, events=[])
    assert outcome == expected, f"{case.id} ({case.rule}), {how}"


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_whole(impl: str, case: SSECase) -> None:
    outcome = _run(impl, case, [case.data])
    assert outcome == expected_outcome(case), f"{case.id}: {case.rule}"


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_byte_by_byte(impl: str, case: SSECase) -> None:
    _assert_matches(case, _run(impl, case, bytewise(case.data)), "byte by byte")


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_every_cut(impl: str, case: SSECase) -> None:
    for pieces in splits(case.data):
        _assert_matches(case, _run(impl, case, pieces), f"cut at {len(pieces[0])}")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_twins_agree_on_every_cut(case: SSECase) -> None:
    for pieces in [*splits(case.data), bytewise(case.data)]:
        compiled = _run("cython", case, pieces)
        assert compiled == _run("python", case, pieces), f"{case.id}: {pieces!r}"


def test_every_case_id_is_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


# -- the contract beyond the table ---------------------------------------------------------------

@pytest.mark.parametrize("impl", IMPLS)
def test_events_of_a_chunk_come_in_one_list(impl: str) -> None:
    parser = parser_class(impl)()
    assert parser.feed(b"data: 1\n\ndata: 2\n\ndata: 3\n") == [
        ServerSentEvent(data="1"), ServerSentEvent(data="2"),
    ]
    assert parser.feed(b"\n") == [ServerSentEvent(data="3")]
    assert parser.feed(b"") == []


@pytest.mark.parametrize("impl", IMPLS)
def test_cr_at_the_end_of_a_chunk_and_lf_at_the_start_of_the_next_are_one_line_end(
    impl: str,
) -> None:
    parser = parser_class(impl)()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\n") == []  # the LF of the CRLF, not a blank line
    assert parser.feed(b"\r") == [ServerSentEvent(data="a")]
    assert parser.feed(b"\ndata: b\r") == []  # again: one line end
    assert parser.feed(b"") == []  # an empty feed between them changes nothing
    assert parser.feed(b"\n") == []
    assert parser.feed(b"\n") == [ServerSentEvent(data="b")]


@pytest.mark.parametrize("impl", IMPLS)
def test_feed_eof_starts_a_new_stream_keeping_the_id_and_the_retry(impl: str) -> None:
    parser = parser_class(impl)()
    assert parser.feed(BOM + b"id: 7\nretry: 40\ndata: a\n\ndata: lost\nid: 8\n") == [
        ServerSentEvent(data="a", id="7", retry=40),
    ]
    parser.feed_eof()  # the unfinished event (and its id) is discarded
    assert (parser.last_event_id, parser.retry) == ("7", 40)
    # A new stream: its BOM is dropped again, an unfinished line was forgotten.
    assert parser.feed(BOM + b"data: b\n\n") == [ServerSentEvent(data="b", id="7")]
    parser.feed(b"data: partial")
    parser.feed_eof()
    assert parser.feed(b"\n\ndata: c\n\n") == [ServerSentEvent(data="c", id="7")]


@pytest.mark.parametrize("impl", IMPLS)
def test_a_cr_before_the_end_does_not_swallow_the_next_streams_lf(impl: str) -> None:
    parser = parser_class(impl)()
    parser.feed(b"data: a\r")
    parser.feed_eof()
    assert parser.feed(b"\ndata: b\n\n") == [ServerSentEvent(data="b")]


@pytest.mark.parametrize("impl", IMPLS)
def test_too_large_stays_failed(impl: str) -> None:
    parser = parser_class(impl)(max_event_size=4)
    assert not parser.failed
    with pytest.raises(SSEError, match="max_event_size") as first:
        parser.feed(b"data: 12345\n\n")
    assert parser.failed
    assert isinstance(first.value, TransportError)
    parser.feed_eof()  # does not clear the error
    with pytest.raises(SSEError) as again:
        parser.feed(b"\n")
    assert str(again.value) == str(first.value) == TOO_LARGE.format(4)


@pytest.mark.parametrize("impl", IMPLS)
def test_default_limit_is_one_mib(impl: str) -> None:
    assert DEFAULT_MAX_EVENT_SIZE == 1024 * 1024
    parser = parser_class(impl)()
    line = b"data: " + b"x" * (DEFAULT_MAX_EVENT_SIZE - 6)
    assert parser.feed(line + b"\n\n") == [ServerSentEvent(data="x" * (len(line) - 6))]
    with pytest.raises(SSEError):
        parser.feed(line + b"x\n\n")


@pytest.mark.parametrize("impl", IMPLS)
def test_a_long_line_in_many_pieces_is_joined_once(impl: str) -> None:
    """Without a limit, 8 MiB arriving 1 KiB at a time: linear, not quadratic."""
    parser = parser_class(impl)(max_event_size=None)
    piece = b"0123456789abcdef" * 64
    started = time.perf_counter()
    assert parser.feed(b"data: ") == []
    for _ in range(8 * 1024):
        assert parser.feed(piece) == []
    events = parser.feed(b"\n\n")
    assert time.perf_counter() - started < 10
    assert len(events) == 1 and events[0].data == piece.decode() * 8 * 1024
    # A long comment is skipped, not held.
    parser.feed(b":")
    for _ in range(1024):
        assert parser.feed(piece) == []
    assert parser.feed(b"\ndata: after\n\n") == [ServerSentEvent(data="after")]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("bad", ["data: x\n\n", bytearray(b"x"), memoryview(b"x"), None, 1])
def test_feed_takes_bytes_only(impl: str, bad: Any) -> None:
    with pytest.raises(TypeError, match=r"Argument 'data' has incorrect type \(expected bytes"):
        parser_class(impl)().feed(bad)


@pytest.mark.parametrize("impl", IMPLS)
def test_constructor_checks(impl: str) -> None:
    cls = parser_class(impl)
    with pytest.raises(ValueError, match="max_event_size"):
        cls(max_event_size=-1)
    with pytest.raises(TypeError):
        cls(last_event_id=b"1")
    with pytest.raises(TypeError):
        cls(1024)  # keywords only
    parser = cls(max_event_size=None, last_event_id="resume")
    assert (parser.last_event_id, parser.retry, parser.failed) == ("resume", None, False)
    assert cls(max_event_size=2**70).feed(b"data: x\n\n") == [ServerSentEvent(data="x")]


# -- ServerSentEvent -----------------------------------------------------------------------------

def test_event_defaults_and_fields() -> None:
    event = ServerSentEvent()
    assert (event.event, event.data, event.id, event.retry) == ("message", "", "", None)
    event = ServerSentEvent("add", "x", "1", 5)
    assert event == ServerSentEvent(event="add", data="x", id="1", retry=5)
    assert event != ServerSentEvent(event="add", data="x", id="1")
    assert event != ("add", "x", "1", 5)
    assert repr(event) == "ServerSentEvent(event='add', data='x', id='1', retry=5)"


def test_event_is_frozen_and_hashable() -> None:
    event = ServerSentEvent(data="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.data = "y"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del event.data
    with pytest.raises(AttributeError):
        event.other = 1  # type: ignore[attr-defined]
    assert len({event, ServerSentEvent(data="x"), ServerSentEvent(data="y")}) == 2


def test_event_json() -> None:
    event = ServerSentEvent(data='{"choices": [{"delta": {"content": " hi"}}]}')
    assert event.json() == {"choices": [{"delta": {"content": " hi"}}]}
    with pytest.raises(ValueError):
        ServerSentEvent(data="[DONE]").json()


@pytest.mark.parametrize("impl", IMPLS)
def test_parsed_events_pickle_and_copy(impl: str) -> None:
    [event] = parser_class(impl)().feed(b"event: e\nid: 1\nretry: 2\ndata: d\n\n")
    assert pickle.loads(pickle.dumps(event)) == event
    assert copy.copy(event) == event and copy.deepcopy(event) == event
    assert hash(event) == hash(ServerSentEvent("e", "d", "1", 2))
