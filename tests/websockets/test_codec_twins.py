"""The WebSocket frame codec's twins agree byte for byte and error for error: the compiled
`_websocket.pyx` and the pure-Python `_websocket_py.py` (issue 15).

Masking and frame building are compared on every payload-length form and at random; the
frame readers on a table of good and bad server streams fed whole and split at every byte
(and through ``take_messages``); the UTF-8 validators on random and adversarial input split
at random points (hypothesis). Runs in both modes: with ``FASTHTTPX_NO_EXTENSIONS=1`` the
compiled twin is still imported directly when it was built, as the differential parser tests
do; a build without it skips only the comparisons.
"""

from __future__ import annotations

import importlib
import os
from collections import deque
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fasthttpx._exceptions import WebSocketProtocolError
from fasthttpx._implementation import extensions_disabled

python_twin = importlib.import_module("fasthttpx._websocket_py")
MIB = 1024 * 1024


def _compiled() -> ModuleType:
    try:
        return importlib.import_module("fasthttpx._websocket")
    except ImportError:
        if extensions_disabled(os.environ.get("FASTHTTPX_NO_EXTENSIONS")):
            pytest.skip("compiled core not built (FASTHTTPX_NO_EXTENSIONS)")
        raise  # a normal run must not silently lose the compiled core


@pytest.fixture
def compiled() -> ModuleType:
    return _compiled()


def _frame(first: int, payload: bytes, length: int | None = None) -> bytes:
    """A server frame (unmasked), header built by hand."""
    size = len(payload) if length is None else length
    if size < 126:
        head = bytes((first, size))
    elif size < 65536:
        head = bytes((first, 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((first, 127)) + size.to_bytes(8, "big")
    return head + payload


SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 31, 32, 33, 125, 126, 127, 1000, 65535, 65536, 70000]


@pytest.mark.parametrize("size", SIZES)
def test_mask_and_frames_are_identical(compiled: ModuleType, size: int) -> None:
    data = os.urandom(size)
    key = os.urandom(4)
    assert compiled.mask(data, key) == python_twin.mask(data, key)
    assert compiled.mask(compiled.mask(data, key), key) == data  # unmasking is masking
    for opcode in (0x0, 0x1, 0x2, 0x8, 0x9, 0xA):
        for fin in (True, False):
            for rsv1 in (True, False):
                ours = compiled.FrameWriter().frame_with_key(opcode, data, fin, rsv1, key)
                twin = python_twin.FrameWriter().frame_with_key(opcode, data, fin, rsv1, key)
                assert ours == twin


@given(st.binary(max_size=3000), st.binary(min_size=4, max_size=4))
@settings(max_examples=300, deadline=None)
def test_mask_random(data: bytes, key: bytes) -> None:
    compiled = _compiled()
    assert compiled.mask(data, key) == python_twin.mask(data, key)


@pytest.mark.parametrize("size", [*SIZES, 131072, 200_003])
@pytest.mark.parametrize("piece_size", [4, 12, 65536])
def test_frame_pieces_are_the_frame_cut(compiled: ModuleType, size: int,
                                        piece_size: int) -> None:
    """A frame written in pieces is byte for byte the frame built whole, in pieces of
    ``piece_size`` payload bytes (the first with the header and key), on both twins."""
    if piece_size == 4 and size > 70000:
        size = 70000  # enough pieces already
    data = os.urandom(size)
    key = os.urandom(4)
    for fin, rsv1 in ((True, False), (False, True)):
        whole = python_twin.FrameWriter().frame_with_key(0x2, data, fin, rsv1, key)
        ours = list(compiled.FrameWriter().pieces_with_key(0x2, data, fin, rsv1, key,
                                                           piece_size))
        twin = list(python_twin.FrameWriter().pieces_with_key(0x2, data, fin, rsv1, key,
                                                              piece_size))
        assert ours == twin
        assert b"".join(ours) == whole
        header = len(whole) - size
        assert [len(piece) for piece in ours] == [
            header + min(size, piece_size),
            *(min(piece_size, size - start) for start in range(piece_size, size, piece_size)),
        ]
    text = "é✓x" * (size // 6)
    for module in (compiled, python_twin):
        assert b"".join(module.FrameWriter().pieces_with_key(1, text, True, False, key,
                                                             piece_size)) == \
            python_twin.FrameWriter().frame_with_key(1, text.encode(), True, False, key)
        pieces = module.FrameWriter().frame_pieces(2, data, piece_size=piece_size)
        frame = b"".join(pieces)
        header = len(frame) - size
        assert module.mask(frame[header:], frame[header - 4:header]) == data


def test_frame_layout_and_random_keys(compiled: ModuleType) -> None:
    """The masked frame decodes to the payload with its own key, and keys differ."""
    for module in (compiled, python_twin):
        writer = module.FrameWriter()
        frames = [writer.frame(0x2, b"payload") for _ in range(2000)]  # crosses the pool
        keys = {frame[2:6] for frame in frames}
        assert len(keys) > 1990
        for frame in frames[:50]:
            assert frame[:2] == b"\x82\x87"
            assert module.mask(frame[6:], frame[2:6]) == b"payload"
        text = writer.frame_text("héllo")
        assert text[0] == 0x81 and module.mask(text[6:], text[2:6]) == "héllo".encode()


def test_argument_errors_are_the_same(compiled: ModuleType) -> None:
    def outcome(call: Any) -> tuple[str, str]:
        try:
            call()
        except Exception as exc:
            return type(exc).__name__, str(exc)
        return ("ok", "")

    cases = [
        lambda m: m.mask("text", b"abcd"),
        lambda m: m.mask(b"data", b"abc"),
        lambda m: m.mask(b"data", bytearray(b"abcd")),
        lambda m: m.FrameWriter().frame(0x1, "text"),
        lambda m: m.FrameWriter().frame(16, b""),
        lambda m: m.FrameWriter().frame_text(b"bytes"),
        lambda m: m.FrameWriter().frame_text("\udc80"),
        lambda m: m.FrameWriter().frame_with_key(1, b"", True, False, b"abc"),
        lambda m: m.FrameWriter().frame_pieces(1, 123),
        lambda m: m.FrameWriter().frame_pieces(16, b""),
        lambda m: m.FrameWriter().frame_pieces(1, "\udc80"),
        lambda m: m.FrameWriter().frame_pieces(2, b"data", piece_size=6),
        lambda m: m.FrameWriter().frame_pieces(2, b"data", piece_size=0),
        lambda m: m.FrameWriter().pieces_with_key(2, b"", True, False, b"abc"),
        lambda m: m.FrameWriter().pieces_with_key(2, b"", True, False, "abcd"),
        lambda m: m.FrameReader(10).feed("text"),
        lambda m: m.FrameReader(-1),
        lambda m: m.Utf8Validator().feed("text"),
    ]
    for case in cases:
        assert outcome(lambda case=case: case(compiled)) == \
            outcome(lambda case=case: case(python_twin))


# Server streams: (name, bytes, max_message_size, allow_rsv1).
STREAMS = [
    ("small text", _frame(0x81, b"hello"), 100, False),
    ("empty binary", _frame(0x82, b""), 100, False),
    ("16-bit length", _frame(0x82, b"x" * 300), 1000, False),
    ("64-bit length", _frame(0x82, b"y" * 70000), 100000, False),
    ("several frames", _frame(0x81, b"a") + _frame(0x89, b"p") + _frame(0x82, b"bc"), 10, False),
    ("fragments with a ping inside",
     _frame(0x01, b"frag") + _frame(0x89, b"ping") + _frame(0x00, b"ment") + _frame(0x80, b"!"),
     100, False),
    ("compressed first frame", _frame(0xC1, b"\x00"), 100, True),
    ("rsv1 refused", _frame(0xC1, b"\x00"), 100, False),
    ("rsv2", _frame(0xA1, b"x"), 100, False),
    ("rsv3", _frame(0x91, b"x"), 100, False),
    ("masked", bytes((0x81, 0x81)) + b"abcd" + b"x", 100, False),
    ("unknown data opcode", _frame(0x83, b""), 100, False),
    ("unknown control opcode", _frame(0x8B, b""), 100, False),
    ("long control", _frame(0x89, b"p" * 126), 1000, False),
    ("fragmented control", _frame(0x09, b"p"), 100, False),
    ("rsv1 on control", _frame(0xC9, b"p"), 100, True),
    ("rsv1 on continuation", _frame(0x01, b"a") + _frame(0xC0, b"b"), 100, True),
    ("lone continuation", _frame(0x80, b"x"), 100, False),
    ("message inside a message", _frame(0x01, b"a") + _frame(0x81, b"b"), 100, False),
    ("top length bit", bytes((0x82, 127)) + (1 << 63).to_bytes(8, "big"), 100, False),
    ("too big in one frame", _frame(0x82, b"z" * 200), 100, False),
    ("too big over fragments", _frame(0x02, b"z" * 60) + _frame(0x80, b"z" * 60), 100, False),
    ("size limit exact", _frame(0x02, b"z" * 60) + _frame(0x80, b"z" * 40), 100, False),
    ("invalid UTF-8 text", _frame(0x81, b"\xff\xfe"), 100, False),
    ("truncated", _frame(0x81, b"abc", length=10), 100, False),
]


def _run(module: Any, data: bytes, pieces: list[int], limit: int, rsv1: bool,
         messages_api: bool) -> tuple[list[Any], Any, bool]:
    """Feed ``data`` cut at ``pieces``; collect frames (or messages) and the error."""
    reader = module.FrameReader(limit, rsv1)
    out: list[Any] = []
    error: Any = None
    bounds = [0, *pieces, len(data)]
    try:
        for start, end in zip(bounds, bounds[1:]):
            chunk = data[start:end]
            if messages_api:
                queue: deque[Any] = deque()
                frame = reader.take_messages(chunk, queue)
                while True:
                    out.extend(queue)
                    queue.clear()
                    if frame is None:
                        break
                    out.append(frame)
                    frame = reader.take_messages(b"", queue)
            else:
                reader.feed(chunk)
                while (frame := reader.next_frame()) is not None:
                    out.append(frame)
    except WebSocketProtocolError as exc:
        error = (exc.code, exc.reason)
        with pytest.raises(WebSocketProtocolError):  # the reader stays failed
            reader.next_frame()
    return out, error, bool(reader.pending)


@pytest.mark.parametrize("name", [s[0] for s in STREAMS])
@pytest.mark.parametrize("messages_api", [False, True])
def test_readers_agree_on_every_split(compiled: ModuleType, name: str,
                                      messages_api: bool) -> None:
    _, data, limit, rsv1 = next(s for s in STREAMS if s[0] == name)
    whole = _run(python_twin, data, [], limit, rsv1, messages_api)
    assert _run(compiled, data, [], limit, rsv1, messages_api) == whole
    step = max(1, len(data) // 300)  # every byte for small streams
    for cut in range(0, len(data) + 1, step):
        expected = _run(python_twin, data, [cut], limit, rsv1, messages_api)
        assert _run(compiled, data, [cut], limit, rsv1, messages_api) == expected
        # However the stream is cut, the frames and the verdict are those of the whole.
        frames, error, _ = expected
        assert error == whole[1]
        assert frames == whole[0] or (messages_api and error is not None)


@given(st.lists(st.integers(0, 255), max_size=6), st.data())
@settings(max_examples=300, deadline=None)
def test_readers_agree_on_random_streams(header_bytes: list[int], data: Any) -> None:
    compiled = _compiled()
    stream = bytes(header_bytes) + data.draw(st.binary(max_size=300))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=4)))
    for api in (False, True):
        assert _run(compiled, stream, cuts, 200, True, api) == \
            _run(python_twin, stream, cuts, 200, True, api)


def test_many_reads_fed_before_parsing(compiled: ModuleType) -> None:
    """Reads queued without parsing in between are joined once, in order, by both."""
    data = b"".join(_frame(0x82, bytes([i]) * (i * 37 % 300)) for i in range(50))
    pieces = [data[i:i + 97] for i in range(0, len(data), 97)]
    results = []
    for module in (compiled, python_twin):
        reader = module.FrameReader(1000)
        for piece in pieces:
            reader.feed(piece)
        frames = []
        while (frame := reader.next_frame()) is not None:
            frames.append(frame)
        results.append(frames)
    assert results[0] == results[1]
    assert [f[3] for f in results[0]] == [bytes([i]) * (i * 37 % 300) for i in range(50)]


def test_payload_past_the_preallocated_size_grows_as_it_arrives(compiled: ModuleType) -> None:
    """A payload is allocated whole when it is at most 1 MiB; a longer one grows as its bytes
    arrive, and both twins return the same frames however the reads are cut or queued."""
    big = os.urandom(17 * MIB + 3)
    data = _frame(0x82, big) + _frame(0x81, b"after") + _frame(0x82, b"x" * 300)
    cuts = sorted({1, 9, 5000, MIB, 16 * MIB + 1, 16 * MIB + 9, len(data) - 310,
                   len(data) - 300, len(data) - 2})
    for queued in (False, True):
        results = []
        for module in (compiled, python_twin):
            reader = module.FrameReader(1 << 64)
            frames = []
            bounds = [0, *cuts, len(data)]
            for start, end in zip(bounds, bounds[1:]):
                reader.feed(data[start:end])
                if not queued or end > 16 * MIB:
                    while (frame := reader.next_frame()) is not None:
                        frames.append(frame)
            results.append(frames)
            assert not reader.pending
        assert results[0] == results[1]
        assert [frame[3] for frame in results[0]] == [big, b"after", b"x" * 300]


def test_a_claimed_length_is_not_allocated_ahead_of_its_bytes(compiled: ModuleType) -> None:
    """Without a size limit, a server claiming an exabyte costs what it actually sent."""
    for module in (compiled, python_twin):
        reader = module.FrameReader(1 << 64)
        reader.feed(bytes((0x82, 127)) + (1 << 60).to_bytes(8, "big") + b"z" * MIB)
        assert reader.next_frame() is None
        reader.feed(b"z" * MIB)
        assert reader.next_frame() is None and reader.pending


UTF8_SAMPLES = [
    b"plain ascii", "héllo wörld ✓ 𝄞".encode(), b"\xed\x9f\xbf", b"\xed\xa0\x80",
    b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf", b"\xf4\x90\x80\x80", b"\xf5",
    b"\xef\xbf\xbf", b"\xf0\x9f\x98", b"\xc2", b"\x80", b"a" * 20 + b"\xe2\x82\xac" * 9,
]


def _validate(module: Any, data: bytes, cuts: list[int]) -> list[Any]:
    validator = module.Utf8Validator()
    verdicts = []
    bounds = [0, *cuts, len(data)]
    for start, end in zip(bounds, bounds[1:]):
        verdicts.append(validator.feed(data[start:end]))
    return [verdicts, validator.valid, validator.complete]


@pytest.mark.parametrize("sample", UTF8_SAMPLES)
def test_utf8_validators_agree_at_every_split(compiled: ModuleType, sample: bytes) -> None:
    for cut in range(len(sample) + 1):
        for second in range(cut, len(sample) + 1):
            assert _validate(compiled, sample, [cut, second]) == \
                _validate(python_twin, sample, [cut, second])
    try:
        sample.decode("utf-8")
        strict = True
    except UnicodeDecodeError:
        strict = False
    assert _validate(python_twin, sample, [])[2] is strict


@given(st.binary(max_size=200), st.data())
@settings(max_examples=500, deadline=None)
def test_utf8_validators_agree_on_random_bytes(data: bytes, draw: Any) -> None:
    compiled = _compiled()
    cuts = sorted(draw.draw(st.lists(st.integers(0, len(data)), max_size=5)))
    ours = _validate(compiled, data, cuts)
    assert ours == _validate(python_twin, data, cuts)
    try:
        data.decode("utf-8")
        assert ours[2] is True
    except UnicodeDecodeError:
        assert ours[2] is False


@given(st.text(max_size=200), st.data())
@settings(max_examples=300, deadline=None)
def test_utf8_validators_accept_any_text_however_split(text: str, draw: Any) -> None:
    compiled = _compiled()
    data = text.encode("utf-8", "surrogatepass") if any(
        0xD800 <= ord(c) <= 0xDFFF for c in text) else text.encode()
    cuts = sorted(draw.draw(st.lists(st.integers(0, len(data)), max_size=5)))
    assert _validate(compiled, data, cuts) == _validate(python_twin, data, cuts)
