"""Differential fuzz target: the compiled HTTP/2 core against its twin over ``h2``.

An input is one control byte (how many GET streams the client opened, 1-4, and where to cut
the rest in two), then the bytes a server would send. Both cores are driven by
``tests/h2core/differential.py`` and must agree as it defines (bodies, ordered events, whether
the connection failed). ``h2`` and our HPACK twin are instrumented for coverage.

    python fuzz/fuzz_h2core.py fuzz/work/h2core fuzz/corpus/h2core -max_total_time=60
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [p for p in (os.environ.get("FUZZ_FASTHTTPX_ROOT"), ROOT) if p]

import atheris  # noqa: E402

with atheris.instrument_imports(include=["h2", "hpack", "hyperframe", "fasthttpx._h2core_py"]):
    from fasthttpx._h2core_py import H2Core as TwinCore

from fasthttpx._h2core import H2Core as CompiledCore  # noqa: E402
from tests.h2core.differential import compare, drive  # noqa: E402


def test_one_input(raw: bytes) -> None:
    if not raw:
        return
    control, data = raw[0], raw[1:]
    streams = 1 + (control & 3)
    cut = (control >> 2) * len(data) // 63 if data else 0
    pieces = [piece for piece in (data[:cut], data[cut:]) if piece]
    compare(drive(CompiledCore, streams, pieces)[0], drive(TwinCore, streams, pieces)[0])


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
