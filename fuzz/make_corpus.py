"""Write the seed corpus (``fuzz/corpus/<target>/``) from our own case tables.

Every parser case of ``tests/core/cases.py`` becomes a parser input (its method, its limits
as the small-limits flag, its ``feed_eof``), every decoder case of
``tests/core/test_chunked.py`` a chunked input; the differential target gets both. Every case
of ``tests/core/sse_cases.py`` becomes an input of both event-stream targets. Every server
stream of ``tests/websockets/test_codec_twins.py`` becomes two inputs of the WebSocket target
(read whole frame by frame; cut in three, the first read queued, through ``take_messages``),
with a few more for what that table cannot hold: lengths claimed far beyond the bytes sent
(up to 2**63-1, around the compiled reader's 1 MiB preallocation), payloads spanning queued
reads, and ``FrameWriter`` arguments. Each file is named by the case id, so the corpus says
where each seed came from. Run from the
repository root: ``python fuzz/make_corpus.py``.
"""

from __future__ import annotations

import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from fuzz._common import (  # noqa: E402
    INITIAL_IDS,
    METHODS,
    SMALL_MAX_EVENT_SIZE,
    WS_CONTROL,
    WS_MAX_SMALL_SIZE,
    WS_WRITER_BAD_OPCODE,
    WS_WRITER_FIN,
    WS_WRITER_RSV1,
    WS_WRITER_TEXT,
    control_bytes,
    ws_control_bytes,
)
from tests.core.cases import CASES  # noqa: E402
from tests.core.sse_cases import CASES as SSE_CASES  # noqa: E402
from tests.core.test_chunked import D  # noqa: E402
from tests.websockets.test_codec_twins import STREAMS, _frame  # noqa: E402

#: Inputs stay within libFuzzer's default ``-max_len`` (and the Makefile's ``-max_len=4096``).
MAX_INPUT = 4096
MIB = 1 << 20


def websocket_seeds() -> dict[str, bytes]:
    """Seeds of ``fuzz_websocket_differential.py`` (input layout: ``WSInput``)."""
    seeds: dict[str, bytes] = {}
    room = MAX_INPUT - WS_CONTROL
    for name, data, limit, rsv1 in STREAMS:
        # The limits of the table above the fuzzer's small range become "no limit".
        max_size = limit if limit <= WS_MAX_SMALL_SIZE else None
        data = data[:room]
        slug = "ws-" + name.replace(" ", "-")
        seeds[slug] = ws_control_bytes(max_size, rsv1) + data
        third = len(data) // 3
        seeds[slug + "-cut-messages"] = ws_control_bytes(
            max_size, rsv1, messages=True, cuts=(third, 2 * third), held=(0,),
            writer=WS_WRITER_FIN | WS_WRITER_TEXT | 0x1, piece_size=12) + data

    def claim(size: int, sent: bytes, first: int = 0x82) -> bytes:
        return bytes((first, 127)) + size.to_bytes(8, "big") + sent

    after = _frame(0x81, b"after") + _frame(0x89, b"ping")
    big = [
        ("63bit-max", (1 << 63) - 1), ("1mib-less-1", MIB - 1), ("1mib", MIB),
        ("1mib-plus-1", MIB + 1), ("16mib", 16 * MIB), ("17mib", 17 * MIB), ("1tib", 1 << 40),
    ]
    for label, size in big:
        stream = claim(size, b"z" * 300)
        for messages in (False, True):
            tag = "-messages" if messages else ""
            seeds[f"ws-claim-{label}{tag}"] = ws_control_bytes(
                None, messages=messages, cuts=(5, 10, 200), held=(1,)) + stream
        seeds[f"ws-claim-{label}-fragment"] = ws_control_bytes(
            None, cuts=(1, 11)) + claim(size, b"z" * 30, first=0x02)
    seeds["ws-claim-16bit-waits"] = ws_control_bytes(None, cuts=(2, 4)) + \
        bytes((0x82, 126, 0xFF, 0xFF)) + b"y" * 500
    seeds["ws-claim-63bit-over-limit"] = ws_control_bytes(300) + claim((1 << 63) - 1, b"")
    seeds["ws-claim-top-bit"] = ws_control_bytes(None, cuts=(3,)) + claim(1 << 63, b"zz")
    spanning = _frame(0x82, bytes(range(256)) * 2) + after + _frame(0x82, b"tail")
    for messages in (False, True):
        tag = "-messages" if messages else ""
        seeds[f"ws-spanning-queued{tag}"] = ws_control_bytes(
            None, messages=messages, cuts=(3, 100, 515, 530), held=(0, 1, 2)) + spanning
        seeds[f"ws-spanning-parsed{tag}"] = ws_control_bytes(
            None, messages=messages, cuts=(9, 300, 520, 522)) + spanning
    many = b"".join(_frame(0x82, bytes([i]) * (i * 7 % 40)) for i in range(30))
    seeds["ws-many-queued"] = ws_control_bytes(
        300, cuts=(97, 194, 291, 388), held=(0, 1, 2, 3)) + many
    seeds["ws-many-queued-messages"] = ws_control_bytes(
        300, messages=True, cuts=(1, 2, 300, 301), held=(0, 2)) + many
    fragments = (_frame(0x01, "héllo ".encode()) + _frame(0x89, b"p") + _frame(0x00, b"w\xc3")
                 + _frame(0x80, b"\xb6rld") + _frame(0xC1, b"\x00") + _frame(0x40, b"x"))
    seeds["ws-fragments-compressed"] = ws_control_bytes(
        100, True, messages=True, cuts=(1, 9, 10, 25), held=(1, 2)) + fragments
    seeds["ws-size-limit-zero"] = ws_control_bytes(0) + _frame(0x82, b"") + \
        _frame(0x02, b"") + _frame(0x80, b"") + _frame(0x81, b"x")
    seeds["ws-size-limit-exact-messages"] = ws_control_bytes(5, messages=True) + \
        _frame(0x81, b"12345") + _frame(0x82, b"123456")
    text = "é✓x𝄞 ".encode() * 40
    seeds["ws-writer-text"] = ws_control_bytes(
        None, writer=WS_WRITER_FIN | WS_WRITER_TEXT | 0x1, piece_size=8) + text
    seeds["ws-writer-surrogates"] = ws_control_bytes(
        None, writer=WS_WRITER_TEXT | 0x1, piece_size=16) + b"ok \xff\xfe \xed\xa0\x80"
    seeds["ws-writer-rsv1-16bit"] = ws_control_bytes(
        None, writer=WS_WRITER_RSV1 | 0x2, piece_size=1024) + bytes(range(256)) * 4
    seeds["ws-writer-control-opcode"] = ws_control_bytes(
        None, writer=WS_WRITER_FIN | 0x9, piece_size=4) + b"ping"
    seeds["ws-writer-bad-opcode"] = ws_control_bytes(
        None, writer=WS_WRITER_BAD_OPCODE | 0x1, piece_size=4) + b"x"
    assert all(len(raw) <= MAX_INPUT for raw in seeds.values())
    return seeds


def main() -> None:
    corpus = os.path.join(ROOT, "fuzz", "corpus")
    seeds: dict[str, dict[str, bytes]] = {
        "parser": {}, "chunked": {}, "differential": {}, "sse": {}, "sse_differential": {},
        "websocket_differential": websocket_seeds(),
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
