"""A scripted keep-alive-racing server for ``tests/client/_async/test_keepalive_races.py``.

Kept out of ``_async/`` so that generating the sync tests never rewrites it: the server stays
asyncio (in :class:`tests.kit.raw_server.RawServer`'s thread) whatever backend the client
runs on.

:class:`RaceScript` is one server's schedule and its record. Every response it sends has a
body unique to the request (it starts with ``METHOD TARGET`` of the request it answers) and an
``X-Digest`` header holding the sha256 hex of that body, so a test can check both that a body
arrived intact and that it belongs to the request it was handed to (:func:`check_response`).
After each response the script picks, at random (seeded), what the connection does next:

* ``keep``        -- nothing: an ordinary keep-alive connection.
* ``idle_close``  -- close it 0-20 ms after the response (a server's idle timeout firing at
  a random moment). A request the client sends meanwhile is never read: the close then
  becomes a RST. This only ever hits *reused* connections.
* ``stray_same``  -- append a complete, valid-looking response (with a valid digest, but the
  body of the *previous* request) in the same write as the real one.
* ``stray_later`` -- send that stray response ``stray_delay`` seconds later, while the
  connection sits idle; the response carries ``X-Stray-Later`` and the target goes into
  ``stray_sent`` once the stray is written. The test must wait for that (and a little more)
  before its next request on the connection: a stray that arrives after the client sent its
  next request is, for every client, indistinguishable from the real response.
* ``reset_next``  -- answer normally, then reset (RST) the connection as soon as the *next*
  request on it arrives, after reading it: a reused connection, never a fresh one.

Everything the server reads is counted per (method, target) in ``seen`` and everything it
answered in ``answered``; ``events`` counts the actions taken. All of it is touched only on
the server's event loop thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections import Counter
from typing import Protocol

from tests.kit.raw_server import Handler, RawConnection, make_response

#: Actions after a response, in the order of the weights given to :class:`RaceScript`.
ACTIONS = ("keep", "idle_close", "stray_same", "stray_later", "reset_next")

#: Longest pause of an ``idle_close`` (seconds): the issue asks for 0-20 ms.
IDLE_CLOSE_MAX = 0.020

DIGEST_HEADER = "X-Digest"
#: Set on a response that will be followed by a stray response in a later write.
STRAY_LATER_HEADER = "X-Stray-Later"


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def parse_request(raw: bytes) -> tuple[str, str, bytes]:
    """``(method, target, body)`` of one raw request as read by ``read_request``."""
    head, _, body = raw.partition(b"\r\n\r\n")
    request_line = head.split(b"\r\n", 1)[0].split(b" ")
    return request_line[0].decode("ascii"), request_line[1].decode("ascii"), body


class _Headers(Protocol):
    def get(self, key: str, default: None = None) -> str | None: ...


def check_response(method: str, target: str, content: bytes, headers: _Headers) -> None:
    """Assert that ``content`` is intact (digest) and is the answer to ``method target``."""
    sent = headers.get(DIGEST_HEADER)
    assert sent is not None, f"{method} {target}: response without {DIGEST_HEADER}"
    assert digest(content) == sent, f"{method} {target}: body does not match its digest"
    prefix = f"{method} {target} ".encode("ascii")
    assert content.startswith(prefix), (
        f"{method} {target} was handed the body of another request: {content[:80]!r}"
    )


class RaceScript:
    """One racing server's schedule (seeded) and record; ``handler`` is the RawServer handler.

    ``weights`` gives the relative frequency of each of :data:`ACTIONS` after a response."""

    def __init__(
        self,
        seed: int,
        *,
        keep: float = 1.0,
        idle_close: float = 0.0,
        stray_same: float = 0.0,
        stray_later: float = 0.0,
        reset_next: float = 0.0,
        stray_delay: float = 0.002,
        keep_alive_header: str | None = None,
        max_padding: int = 2000,
    ) -> None:
        self._rng = random.Random(seed)
        self._weights = [keep, idle_close, stray_same, stray_later, reset_next]
        self.stray_delay = stray_delay
        self.keep_alive_header = keep_alive_header
        self.max_padding = max_padding
        #: (method, target) -> times the server read that request.
        self.seen: Counter[tuple[str, str]] = Counter()
        #: (method, target) -> times the server answered it.
        self.answered: Counter[tuple[str, str]] = Counter()
        #: action or event name -> count.
        self.events: Counter[str] = Counter()
        #: Targets whose ``stray_later`` stray response has been written to the socket.
        self.stray_sent: set[str] = set()
        self._serial = 0

    def _pick(self) -> str:
        return self._rng.choices(ACTIONS, self._weights)[0]

    def _response(self, method: str, target: str, conn_index: int, extra: list[tuple[str, str]],
                  *, stray: bool = False) -> bytes:
        self._serial += 1
        label = "STRAY after" if stray else method
        body = f"{label} {target} #{self._serial} conn={conn_index} ".encode("ascii")
        body += b"x" * self._rng.randint(0, self.max_padding)
        headers = [(DIGEST_HEADER, digest(body)), *extra]
        if self.keep_alive_header is not None:
            headers.append(("Keep-Alive", self.keep_alive_header))
        chunked = self._rng.random() < 0.3
        return make_response(200, body, headers, chunked=chunked)

    async def handler(self, conn: RawConnection) -> None:
        reset_on_arrival = False
        while True:
            raw = await conn.read_request()
            if not raw:
                return
            method, target, _body = parse_request(raw)
            self.seen[(method, target)] += 1
            if reset_on_arrival:  # only ever set after a response: the connection is reused
                self.events["reset"] += 1
                self.events["reset " + method] += 1
                conn.reset()
                return
            action = self._pick()
            self.events[action] += 1
            extra = [(STRAY_LATER_HEADER, "1")] if action == "stray_later" else []
            response = self._response(method, target, conn.index, extra)
            self.answered[(method, target)] += 1
            if action == "stray_same":
                stray = self._response(method, target, conn.index, [], stray=True)
                await conn.send(response + stray)
            elif action == "stray_later":
                await conn.send(response)
                await asyncio.sleep(self.stray_delay)
                stray = self._response(method, target, conn.index, [], stray=True)
                await conn.send(stray)
                self.stray_sent.add(target)
            elif action == "idle_close":
                await conn.send(response)
                await asyncio.sleep(self._rng.uniform(0.0, IDLE_CLOSE_MAX))
                await conn.close()
                return
            else:
                await conn.send(response)
                reset_on_arrival = action == "reset_next"


def serve_then_drop(
    responses: int, *, reset: bool, first_delay: float = 0.0
) -> tuple[Counter[str], Handler]:
    """A handler that answers ``responses`` requests per connection (unique digest bodies),
    then reads the next request and closes (FIN) or resets (RST) without answering.
    ``first_delay`` holds each connection's first response back (to make concurrent requests
    open one connection each).

    Returns ``(seen, handler)``: ``seen`` counts every request read, by ``METHOD target`` and,
    for requests with a body, by body too (``"body:" + body``)."""
    seen: Counter[str] = Counter()

    async def handler(conn: RawConnection) -> None:
        for _ in range(responses):
            raw = await conn.read_request()
            if not raw:
                return
            method, target, body = parse_request(raw)
            seen[f"{method} {target}"] += 1
            if body:
                seen["body:" + body.decode("latin-1")] += 1
            content = f"{method} {target} ".encode("ascii")
            if first_delay and not conn.requests[:-1]:
                await asyncio.sleep(first_delay)
            await conn.send(make_response(200, content, [(DIGEST_HEADER, digest(content))]))
        raw = await conn.read_request()
        if raw:
            method, target, body = parse_request(raw)
            seen[f"{method} {target}"] += 1
            if body:
                seen["body:" + body.decode("latin-1")] += 1
        if reset:
            conn.reset()
        else:
            await conn.close()

    return seen, handler


def stray_on_reuse(
    stray: bytes, *, ending: str = "close", delay: float = 0.05
) -> tuple[Counter[str], Handler]:
    """Issue 17, the last keep-alive race: connection 0 answers its first request with a
    complete response (unique digest body); when the next request arrives on it, the server
    waits ``delay`` seconds, writes ``stray`` (bytes that are no response) and then ends the
    connection: ``"close"`` (FIN), ``"reset"`` (RST) or ``"open"`` (keeps it open, answering
    nothing, until the client goes). Every other connection answers every request.

    In the field the stray bytes leave the server before our request reaches it and land on
    the idle connection after the client's reuse check; here they are written only once the
    request has arrived, so they land after the reuse check on every run: the client sees
    exactly what it sees in the race, deterministically. Returns ``(seen, handler)``:
    ``seen`` counts every request read, by ``METHOD target`` (and ``"body:" + body``)."""
    seen: Counter[str] = Counter()

    def record(raw: bytes) -> tuple[str, str]:
        method, target, body = parse_request(raw)
        seen[f"{method} {target}"] += 1
        if body:
            seen["body:" + body.decode("latin-1")] += 1
        return method, target

    async def handler(conn: RawConnection) -> None:
        raced = conn.index != 0
        while True:
            raw = await conn.read_request()
            if not raw:
                return
            method, target = record(raw)
            if not raced and len(conn.requests) > 1:
                raced = True
                await asyncio.sleep(delay)
                await conn.send(stray)
                if ending == "reset":
                    conn.reset()
                    return
                if ending == "close":
                    await conn.close()
                    return
                await conn.wait_for_eof()
                return
            content = f"{method} {target} ".encode("ascii")
            await conn.send(make_response(200, content, [(DIGEST_HEADER, digest(content))]))

    return seen, handler
