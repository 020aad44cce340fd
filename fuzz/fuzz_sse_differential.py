"""Differential fuzz target: the compiled event-stream parser against its pure-Python twin.

Each input (layout in ``_common.py``) goes to both twins, fed whole and split in two at the
fuzzer's chosen point. The twins must agree on everything observable: the events, the error
message, ``last_event_id``, ``retry`` and ``failed``, in both feedings. The twin is
instrumented for coverage (see ``_common.py``).

    python fuzz/fuzz_sse_differential.py fuzz/work/sse_differential \\
        fuzz/corpus/sse_differential -max_total_time=60
"""

from __future__ import annotations

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


def test_one_input(raw: bytes) -> None:
    item = Input(raw)
    for split in (False, True):
        how = "split" if split else "whole"
        assert_same(parse_events(CompiledParser, item, split),
                    parse_events(PythonParser, item, split), f"SSE parser twins ({how})")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
