"""Differential fuzz target: the compiled cores against their pure-Python twins.

Each input (layout in ``_common.py``) goes, as an HTTP/1.1 response, to both parser twins and,
as a chunked body, to both decoder twins, each fed whole and split in two at the fuzzer's
chosen point. The twins must agree on everything observable (events, error message and where
it was raised, ``finished``, ``keep_alive``, ``failed``, trailers, ``unused_data``) in both
feedings. The twins are instrumented for coverage (see ``_common.py``).

    python fuzz/fuzz_differential.py fuzz/work/differential fuzz/corpus/differential \\
        -max_total_time=60
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
    from fasthttpx._chunked_py import ChunkedDecoder as PythonDecoder
    from fasthttpx._parser_py import ResponseParser as PythonParser

from fasthttpx._chunked import ChunkedDecoder as CompiledDecoder  # noqa: E402
from fasthttpx._parser import ResponseParser as CompiledParser  # noqa: E402
from fuzz._common import Input, assert_same, decode, parse  # noqa: E402


def test_one_input(raw: bytes) -> None:
    item = Input(raw)
    for split in (False, True):
        how = "split" if split else "whole"
        assert_same(parse(CompiledParser, item, split), parse(PythonParser, item, split),
                    f"parser twins ({how})")
        assert_same(decode(CompiledDecoder, item, split), decode(PythonDecoder, item, split),
                    f"decoder twins ({how})")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
