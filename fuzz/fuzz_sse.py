"""Fuzz target: the event-stream parser (compiled), held to its contract.

Each input (layout in ``_common.py``: the method bits pick ``last_event_id=``, the small-limits
flag ``max_event_size=32``) is parsed by the compiled ``EventStreamParser`` whole and split in
two at the fuzzer's chosen point: nothing but ``SSEError`` may be raised (and only past the
limit), an error leaves the parser failed, every event is well formed, and both runs give the
same outcome (an error loses the events of the feed it ends, so then only the rest must match).
The pure-Python twin, instrumented for coverage, runs on the same input to guide the fuzzer
(see ``_common.py``).

    python fuzz/fuzz_sse.py fuzz/work/sse fuzz/corpus/sse -max_total_time=60
"""

from __future__ import annotations

import dataclasses
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# FUZZ_FASTHTTPX_ROOT: a checkout whose compiled modules were built with AddressSanitizer
# (docs/robustness.md); its fasthttpx is imported instead of this one's.
sys.path[:0] = [p for p in (os.environ.get("FUZZ_FASTHTTPX_ROOT"), ROOT) if p]

import atheris  # noqa: E402

with atheris.instrument_imports(include=["fasthttpx._sse_py"]):
    from fasthttpx._sse_py import EventStreamParser as PythonParser

from fasthttpx._sse import EventStreamParser as CompiledParser  # noqa: E402
from fuzz._common import Input, assert_same, parse_events  # noqa: E402
from tests.core.sse_cases import SSEOutcome  # noqa: E402


def check_sse_outcome(out: SSEOutcome) -> None:
    assert (out.error is not None) == out.failed, (out.error, out.failed)
    if out.error is not None:
        assert out.error.startswith("a server-sent event grew past max_event_size"), out.error
    for event in out.events:
        assert event.event and isinstance(event.data, str), event
        assert "\x00" not in event.id and "\r" not in event.data, event
    assert out.retry is None or out.retry >= 0


def comparable(out: SSEOutcome) -> SSEOutcome:
    return dataclasses.replace(out, events=[]) if out.error else out


def test_one_input(raw: bytes) -> None:
    item = Input(raw)
    check_sse_outcome(parse_events(PythonParser, item, split=False))  # coverage only
    whole = parse_events(CompiledParser, item, split=False)
    check_sse_outcome(whole)
    split = parse_events(CompiledParser, item, split=True)
    check_sse_outcome(split)
    assert_same(comparable(whole), comparable(split), "compiled SSE parser: whole and split")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
