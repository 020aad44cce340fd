"""Hostile and random responses over real sockets: the client returns a response or raises
one of our exceptions, promptly, and never leaks or reuses the connection. Seeded mutations
of valid responses (byte flips, truncations, inserted CR/LF/NUL, duplicated lines)."""

from __future__ import annotations

import random
import time
from typing import Any

import fasthttpx
from tests.client.handlers import scripted_responses
from tests.kit.fds import assert_fds_settle, describe_fds, open_fds

VALID = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: 1\r\n\r\n",
    b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\nbody until close",
    b"HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
]


def _mutate(rng: random.Random, data: bytes) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        choice = rng.randrange(5)
        position = rng.randrange(len(raw) + 1)
        if choice == 0 and raw:
            raw[min(position, len(raw) - 1)] = rng.randrange(256)
        elif choice == 1:
            raw[position:position] = rng.choice([b"\r", b"\n", b"\0", b" ", b":", b"\r\n"])
        elif choice == 2:
            del raw[position:]
        elif choice == 3:
            lines = bytes(raw).split(b"\r\n")
            line = rng.choice(lines)
            raw = bytearray(b"\r\n".join(lines + [line]) if rng.random() < 0.5 else
                            bytes(raw).replace(line, line + b"\r\n" + line, 1))
        else:
            raw[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(raw)


def test_random_hostile_responses_fail_cleanly(raw_server: Any) -> None:
    rng = random.Random(20261125)
    cases = [_mutate(rng, rng.choice(VALID)) for _ in range(300)]
    server = raw_server(scripted_responses(cases))
    before, before_list = open_fds(), describe_fds()
    outcomes = {"response": 0, "error": 0}
    with fasthttpx.Client(timeout=2.0) as client:
        for case in cases:
            started = time.monotonic()
            try:
                response = client.get(server.url)
                assert isinstance(response.content, bytes)
                outcomes["response"] += 1
            except fasthttpx.HTTPError:
                outcomes["error"] += 1
            assert time.monotonic() - started < 2.5, f"hung on {case!r}"
            assert client.transport.connection_count <= 1
    assert outcomes["error"] > 100 and outcomes["response"] > 10, outcomes
    assert server.connections_accepted == len(cases)  # the server closed each: none reused
    server.stop()
    assert_fds_settle(before, before_list)
