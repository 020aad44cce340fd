"""Differential fuzz target: the compiled WebSocket frame codec against its pure-Python twin.

Each input (layout: ``WSInput`` in ``_common.py``) picks the reader's options
(``max_message_size`` 0-300 or no limit, ``allow_rsv1``), the API (``take_messages``, or
``feed`` + ``next_frame``), up to four cut points and which reads are only fed (queued) before
the reader parses; the rest is the server's byte stream. Both ``FrameReader`` twins read it
the same way and must agree on every frame and message, the error (code and reason),
``pending`` and ``in_message`` (``_websocket.pyi``); and however the stream is cut, queued or
read, the messages and the error are those of the whole stream read frame by frame. Headers
claiming more bytes than follow (up to 2**63-1 without a limit: the compiled reader fills such
a payload in place, preallocating up to 1 MiB and growing past it) must just leave both twins
waiting.

The same input drives ``FrameWriter().pieces_with_key`` (opcode, FIN, RSV1, key and a
``piece_size`` that is a multiple of 4 from the control bytes; the stream as the payload, or
as a str): both twins give the same pieces (or the same error), the pieces join into
``frame_with_key``'s frame, and each carries at most ``piece_size`` payload bytes (the first
with the header and key). The twin is instrumented for coverage (see ``_common.py``).

    python fuzz/fuzz_websocket_differential.py fuzz/work/websocket_differential \\
        fuzz/corpus/websocket_differential -max_total_time=60
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# FUZZ_FASTHTTPX_ROOT: a checkout whose compiled modules were built with AddressSanitizer
# (docs/robustness.md); its fasthttpx is imported instead of this one's.
sys.path[:0] = [p for p in (os.environ.get("FUZZ_FASTHTTPX_ROOT"), ROOT) if p]

import atheris  # noqa: E402

import fasthttpx  # noqa: E402, F401  (imported first: only the twin is instrumented)

with atheris.instrument_imports(include=["fasthttpx._websocket_py"]):
    import fasthttpx._websocket_py as python_twin

import fasthttpx._websocket as compiled  # noqa: E402
from fuzz._common import WSInput, assert_same, run_frames  # noqa: E402

TWINS = (compiled, python_twin)


def check_reader(item: WSInput) -> None:
    reads = item.reads()
    ours = run_frames(compiled.FrameReader, reads, item.max_size, item.allow_rsv1,
                      item.messages_api)
    twin = run_frames(python_twin.FrameReader, reads, item.max_size, item.allow_rsv1,
                      item.messages_api)
    how = (f"max_message_size={item.max_size}, allow_rsv1={item.allow_rsv1}, "
           f"take_messages={item.messages_api}, cuts={item.cuts}, held={item.held:#04x}")
    assert_same(ours, twin, f"frame reader twins ({how})")
    # The reference: the twin on the whole stream, frame by frame.
    whole = run_frames(python_twin.FrameReader, [(item.data, True)], item.max_size,
                       item.allow_rsv1, False)
    assert_same((whole.messages(), whole.error), (twin.messages(), twin.error),
                f"cut, queued or read by message against whole ({how})")
    if whole.error is None:
        assert_same((whole.pending, whole.in_message), (twin.pending, twin.in_message),
                    f"pending and in_message against whole ({how})")


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("ok", call())
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        return (type(exc).__name__, str(exc))


def pieces_list(module: Any, *args: Any) -> list[bytes]:
    return list(module.FrameWriter().pieces_with_key(*args))


def check_writer(item: WSInput) -> None:
    payload: bytes | str = item.data
    if item.text:
        payload = item.data.decode("utf-8", "surrogateescape")
    args = (item.opcode, payload, item.fin, item.rsv1, item.key, item.piece_size)
    ours, twin = (outcome(partial(pieces_list, module, *args)) for module in TWINS)
    assert_same(ours, twin, f"pieces_with_key twins {args[0], args[2:]}")
    try:
        raw = payload.encode("utf-8") if isinstance(payload, str) else payload
    except UnicodeEncodeError:
        assert ours[0] != "ok", ours  # lone surrogates (or first a refused opcode)
        return
    wholes = [outcome(partial(module.FrameWriter().frame_with_key, item.opcode, raw, item.fin,
                              item.rsv1, item.key)) for module in TWINS]
    assert_same(wholes[0], wholes[1], "frame_with_key twins")
    if ours[0] != "ok":
        assert wholes[0][0] == ours[0], (wholes[0], ours)  # refused by both calls alike
        return
    pieces: list[bytes] = ours[1]
    frame: bytes = wholes[0][1]
    assert all(type(piece) is bytes for piece in pieces), pieces
    assert b"".join(pieces) == frame, "the pieces are not the frame"
    size = len(raw)
    header = len(frame) - size
    assert header == 4 + (2 if size < 126 else 4 if size < 65536 else 10), header
    step = item.piece_size
    assert [len(piece) for piece in pieces] == [
        header + min(size, step),
        *(min(step, size - start) for start in range(step, size, step)),
    ], ([len(piece) for piece in pieces], header, size, step)
    # With a fresh random key: the same header, and the payload unmasks to what was sent.
    if 0 <= item.opcode <= 0xF:
        for module in TWINS:
            fresh = b"".join(module.FrameWriter().frame_pieces(
                item.opcode, payload, item.rsv1, step))
            assert len(fresh) == len(frame)
            assert fresh[0] == (0x80 | (frame[0] & 0x7F)) and fresh[1:header - 4] == \
                frame[1:header - 4]
            assert module.mask(fresh[header:], fresh[header - 4:header]) == raw


def test_one_input(raw: bytes) -> None:
    item = WSInput(raw)
    check_reader(item)
    check_writer(item)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
