"""Fuzz target: the chunked transfer-coding decoder (compiled), held to its contract.

Each input (layout in ``_common.py``; the method bits are unused) is decoded by the compiled
``ChunkedDecoder`` whole and split in two at the fuzzer's chosen point: nothing but
``RemoteProtocolError`` may be raised, a failed decoder is never finished, bytes after the end
land in ``unused_data``, and both runs give the same outcome. The pure-Python twin,
instrumented for coverage, runs on the same input to guide the fuzzer (see ``_common.py``).

    python fuzz/fuzz_chunked.py fuzz/work/chunked fuzz/corpus/chunked -max_total_time=60
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# FUZZ_FASTHTTPX_ROOT: a checkout whose compiled modules were built with AddressSanitizer
# (docs/robustness.md); its fasthttpx is imported instead of this one's.
sys.path[:0] = [p for p in (os.environ.get("FUZZ_FASTHTTPX_ROOT"), ROOT) if p]

import atheris  # noqa: E402

with atheris.instrument_imports(include=["fasthttpx._chunked_py"]):
    from fasthttpx._chunked_py import ChunkedDecoder as PythonDecoder

from fasthttpx._chunked import ChunkedDecoder as CompiledDecoder  # noqa: E402
from fuzz._common import Input, assert_split_invariant, decode  # noqa: E402
from tests.core.runner import DecoderOutcome  # noqa: E402


def check_decoder_outcome(out: DecoderOutcome) -> None:
    assert (out.error is not None) == out.failed, (out.error, out.failed)
    assert not (out.finished and out.failed)
    if not out.finished:
        assert out.unused == b"" and out.trailers == []


def test_one_input(raw: bytes) -> None:
    item = Input(raw)
    check_decoder_outcome(decode(PythonDecoder, item, split=False))  # coverage only
    whole = decode(CompiledDecoder, item, split=False)
    check_decoder_outcome(whole)
    split = decode(CompiledDecoder, item, split=True)
    check_decoder_outcome(split)
    assert_split_invariant(whole, split, "compiled decoder: whole and split outcomes")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
