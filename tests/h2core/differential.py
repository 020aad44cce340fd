"""Run the same server bytes through both HTTP/2 cores and compare what they report.

Used by ``test_differential.py`` (bounded, part of ``make test``) and ``fuzz/fuzz_h2core.py``
(atheris, ``make fuzz``). Both cores are driven identically: ``initiate``, a few GET streams,
then the server's bytes in the given pieces, acknowledging DATA as it arrives.

Equivalence is judged on what a client can observe:

* per stream, the body bytes (the compiled core joins the DATA of one read; the twin reports
  each frame), and the ordered non-DATA events (heads, trailers, ends, resets, GOAWAY);
* whether and where the connection failed. ``h2`` drops every event of the read in which it
  finds an error, so a read that ends in ``CONN_ERROR`` is reduced to that one event on both
  sides. Error codes are compared only when ``codes=True``; the two may name the same fault
  differently (h2 says PROTOCOL_ERROR for a CONTINUATION flood, we ENHANCE_YOUR_CALM);
* window and SETTINGS notifications are left out: they say "look again", not what happened;
* the compiled core fails a frame as soon as its 9-byte header is wrong (too long for our
  SETTINGS_MAX_FRAME_SIZE, on the wrong stream kind), while ``h2`` first buffers the whole
  frame: when only the compiled core failed and ``h2`` still holds an unfinished frame, the
  observations before the error must agree.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fasthttpx._h2_interface import CONN_ERROR, DATA, SETTINGS, WINDOW_UPDATED

OPTIONS = {"stream_window": 2 * 1024 * 1024, "connection_window": 16 * 1024 * 1024,
           "max_frame_size": 64 * 1024, "max_streams": 100, "max_header_list_size": 64 * 1024}


def request(index: int, method: bytes = b"GET") -> list[tuple[bytes, bytes]]:
    return [(b":method", method), (b":authority", b"example.test"), (b":scheme", b"https"),
            (b":path", b"/%d" % index), (b"user-agent", b"differential")]


def drive(core_class: Any, streams: int, pieces: list[bytes]) -> tuple[Any, bytes]:
    """Feed ``pieces`` to a fresh core with ``streams`` open requests; (observations, the
    bytes the core wrote after its requests)."""
    core = core_class(**OPTIONS)
    core.initiate()
    for index in range(streams):
        core.send_headers(request(index), True)
    core.data_to_send()
    reads: list[list[Any]] = []
    for piece in pieces:
        events = core.receive_data(piece)
        for event in events:
            if event[0] == DATA:
                core.acknowledge(event[1], len(event[2]))
        reads.append(events)
    observed = observe(reads)
    h2 = getattr(core, "h2", None)  # the twin: does h2 still hold part of a frame?
    observed["waiting"] = bool(h2 is not None and len(h2.incoming_buffer._data))
    return observed, core.data_to_send()


def observe(reads: list[list[Any]]) -> dict[str, Any]:
    """What a client sees; ``before_error``: the same, for the events the failing read gave
    before its error."""
    seen = _Seen()
    before = _Seen()
    error: int | None = None
    message = ""
    for events in reads:
        failed = [event for event in events if event[0] == CONN_ERROR]
        if failed:
            error, message = failed[0][2], failed[0][3]
            for event in events[:events.index(failed[0])]:
                before.add(event)
            break
        for event in events:
            seen.add(event)
    return {"events": seen.events, "bodies": dict(seen.bodies), "error": error,
            "message": message, "before_error": (before.events, dict(before.bodies))}


class _Seen:
    def __init__(self) -> None:
        self.bodies: dict[int, bytes] = defaultdict(bytes)
        self.events: list[Any] = []

    def add(self, event: Any) -> None:
        kind, a, b, c = event
        if kind == DATA:
            self.bodies[a] += b
        elif kind not in (WINDOW_UPDATED, SETTINGS):
            self.events.append((kind, a, b, c))


#: Faults that RFC 9113 makes connection errors and the compiled core treats so, which ``h2``
#: lets pass (it ignores the frame): when only the compiled core failed, for one of these,
#: the observations before the error must agree.
H2_LENIENT = (
    "RST_STREAM on idle stream",  # §6.4 (h2 ignores RST_STREAM for streams it never saw)
    "on closed stream",  # §5.1 (h2 answers with RST_STREAM, a stream error, and goes on)
    "after its END_STREAM",  # §5.1 (likewise)
)


#: Frames ``h2`` refuses that the compiled core ignores, as RFC 9113 §5.5 says of extension
#: frames it does not use (a malformed ALTSVC, RFC 7838, for one).
H2_STRICT = ("Frame data missing or invalid",)


def compare(compiled: dict[str, Any], twin: dict[str, Any], codes: bool = False) -> None:
    """Raise AssertionError naming the first difference."""
    if twin["error"] is not None and compiled["error"] is None and any(
            fault in twin["message"] for fault in H2_STRICT):
        assert compiled["events"][:len(twin["events"])] == twin["events"], (compiled, twin)
        return
    early = compiled["error"] is not None and twin["error"] is None and (
        twin["waiting"] or any(fault in compiled["message"] for fault in H2_LENIENT))
    if early:
        events, bodies = compiled["before_error"]
        merged = _Seen()
        for event in compiled["events"] + events:
            merged.add(event)
        for stream_id, body in list(compiled["bodies"].items()) + list(bodies.items()):
            merged.bodies[stream_id] += body
        compiled = dict(compiled, events=merged.events, bodies=dict(merged.bodies))
        # h2 saw the whole input and reported what came before the fault, and maybe more.
        assert twin["events"][:len(compiled["events"])] == compiled["events"], (compiled, twin)
        for stream_id, body in compiled["bodies"].items():
            assert twin["bodies"].get(stream_id, b"").startswith(body), (compiled, twin)
        return
    assert (compiled["error"] is None) == (twin["error"] is None), (compiled, twin)
    if codes:
        assert compiled["error"] == twin["error"], (compiled["error"], twin["error"])
    assert compiled["events"] == twin["events"], (compiled["events"], twin["events"])
    assert compiled["bodies"] == twin["bodies"], (compiled["bodies"], twin["bodies"])


def split(raw: bytes, cuts: list[int]) -> list[bytes]:
    """``raw`` cut at the given offsets (sorted, clipped)."""
    points = sorted({min(max(cut, 0), len(raw)) for cut in cuts})
    pieces = []
    start = 0
    for point in points + [len(raw)]:
        if point > start:
            pieces.append(raw[start:point])
            start = point
    return pieces or [raw]
