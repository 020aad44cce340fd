"""Write the seed corpus (``fuzz/corpus/<target>/``) from our own case tables.

Every parser case of ``tests/core/cases.py`` becomes a parser input (its method, its limits
as the small-limits flag, its ``feed_eof``), every decoder case of
``tests/core/test_chunked.py`` a chunked input; the differential target gets both. Every case
of ``tests/core/sse_cases.py`` becomes an input of both event-stream targets. Each file
is named by the case id, so the corpus says where each seed came from. Run from the
repository root: ``python fuzz/make_corpus.py``.
"""

from __future__ import annotations

import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from fuzz._common import INITIAL_IDS, METHODS, SMALL_MAX_EVENT_SIZE, control_bytes  # noqa: E402
from tests.core.cases import CASES  # noqa: E402
from tests.core.sse_cases import CASES as SSE_CASES  # noqa: E402
from tests.core.test_chunked import D  # noqa: E402


def main() -> None:
    corpus = os.path.join(ROOT, "fuzz", "corpus")
    seeds: dict[str, dict[str, bytes]] = {
        "parser": {}, "chunked": {}, "differential": {}, "sse": {}, "sse_differential": {},
    }
    for case in CASES:
        method = case.method if case.method in METHODS else b"GET"
        raw = control_bytes(method, bool(case.limits), case.eof, len(case.data) // 2) + case.data
        seeds["parser"]["parser-" + case.id] = raw
        seeds["differential"]["parser-" + case.id] = raw
    for dcase in D:
        raw = control_bytes(b"GET", bool(dcase.limits), dcase.eof, len(dcase.data) // 2)
        raw += dcase.data
        seeds["chunked"]["chunked-" + dcase.id] = raw
        seeds["differential"]["chunked-" + dcase.id] = raw
    for sse_case in SSE_CASES:
        # The method bits carry the parser's ``last_event_id=``; a case with a limit of its
        # own gets the small one (``SMALL_MAX_EVENT_SIZE``) instead.
        method = METHODS[INITIAL_IDS.index(sse_case.initial_id)
                         if sse_case.initial_id in INITIAL_IDS else 0]
        small = sse_case.max_event_size is not None
        raw = control_bytes(method, small, True, len(sse_case.data) // 2) + sse_case.data
        seeds["sse"]["sse-" + sse_case.id] = raw
        seeds["sse_differential"]["sse-" + sse_case.id] = raw
    assert SMALL_MAX_EVENT_SIZE > 0
    for target, files in seeds.items():
        path = os.path.join(corpus, target)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        for name, raw in files.items():
            with open(os.path.join(path, name), "wb") as f:
                f.write(raw)
        print(f"{target}: {len(files)} seeds")


if __name__ == "__main__":
    main()
