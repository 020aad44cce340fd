"""Fuzz target: the HTTP/1.1 response parser (compiled), held to its contract.

Each input (layout in ``_common.py``) is parsed by the compiled ``ResponseParser`` whole and
split in two at the fuzzer's chosen point: both runs must keep the event grammar and the
per-feed rules, raise nothing but ``RemoteProtocolError``, and give the same outcome (the
contract: a split never changes events or errors). The pure-Python twin, instrumented for
coverage, runs on the same input to guide the fuzzer (see ``_common.py``).

    python fuzz/fuzz_parser.py fuzz/work/parser fuzz/corpus/parser -max_total_time=60
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# FUZZ_FASTHTTPX_ROOT: a checkout whose compiled modules were built with AddressSanitizer
# (docs/robustness.md); its fasthttpx is imported instead of this one's.
sys.path[:0] = [p for p in (os.environ.get("FUZZ_FASTHTTPX_ROOT"), ROOT) if p]

import atheris  # noqa: E402

with atheris.instrument_imports(include=["fasthttpx._parser_py", "fasthttpx._chunked_py"]):
    from fasthttpx._parser_py import ResponseParser as PythonParser

from fasthttpx._parser import ResponseParser as CompiledParser  # noqa: E402
from fuzz._common import Input, assert_split_invariant, check_parser_outcome, parse  # noqa: E402


def test_one_input(raw: bytes) -> None:
    item = Input(raw)
    guide = parse(PythonParser, item, split=False)  # coverage only
    check_parser_outcome(guide)
    whole = parse(CompiledParser, item, split=False)
    check_parser_outcome(whole)
    split = parse(CompiledParser, item, split=True)
    check_parser_outcome(split)
    assert_split_invariant(whole, split, "compiled parser: whole and split outcomes")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
