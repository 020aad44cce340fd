"""A scripted server for the retry-policy tests (``tests/client/_async/test_retry.py``).

Kept out of ``_async/`` so that generating the sync tests never rewrites it: the server is
asyncio (in :class:`tests.kit.raw_server.RawServer`'s thread) whatever the client runs on.

:class:`RetryScript` answers the n-th request it reads (over all connections) with the n-th
action of its script, and every request after the script with ``200 OK``; it records each
request's method, so a test counts the tries the server really saw. Actions:

* ``(status, headers)`` -- a response with that status and headers, the connection kept;
* ``"reset"``           -- read the request, answer with RST;
* ``"close"``           -- read the request, close without answering;
* ``"stall"``           -- read the request, never answer (the client's read timeout fires);
* ``"ok"``              -- ``200 OK`` with body ``done``.
"""

from __future__ import annotations

from collections.abc import Sequence

from tests.kit.raw_server import Handler, RawConnection, make_response

Action = str | tuple[int, Sequence[tuple[str, str]]]

DONE = make_response(200, b"done", [("Content-Type", "text/plain")])


class RetryScript:
    def __init__(self, actions: Sequence[Action]) -> None:
        self.actions = list(actions)
        #: The method of every request read, in order.
        self.methods: list[str] = []

    @property
    def tries(self) -> int:
        return len(self.methods)

    def handler(self) -> Handler:
        async def handle(conn: RawConnection) -> None:
            while True:
                raw = await conn.read_request()
                if not raw:
                    return
                n = len(self.methods)
                self.methods.append(raw.split(b" ", 1)[0].decode("ascii"))
                action = self.actions[n] if n < len(self.actions) else "ok"
                if action == "ok":
                    await conn.send(DONE)
                elif action == "reset":
                    conn.reset()
                    return
                elif action == "close":
                    await conn.close()
                    return
                elif action == "stall":
                    await conn.wait_for_eof()
                    return
                else:
                    assert isinstance(action, tuple), action
                    status, headers = action
                    body = f"status {status}".encode()
                    await conn.send(make_response(status, body, headers))

        return handle
