"""Raw-server scripts used by the client tests (kept out of ``_async/`` so that generating
the sync tests never rewrites them: the servers stay asyncio whatever the client runs on)."""

from __future__ import annotations

import asyncio
import socket
import time

from tests.kit.raw_server import OK, Handler, RawConnection


def first_connection_sends(data: bytes, *, then_close: bool = False) -> Handler:
    """Connection 0 answers with ``data`` (then closes if asked); later ones answer OK."""

    async def handler(conn: RawConnection) -> None:
        while await conn.read_request():
            await conn.send(data if conn.index == 0 else OK)
            if conn.index == 0 and then_close:
                await conn.close()
                return

    return handler


def head_now_body_later(body: bytes, delay: float) -> Handler:
    """Send the response head at once and the body ``delay`` seconds later (keep-alive)."""

    async def handler(conn: RawConnection) -> None:
        while await conn.read_request():
            await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
            await asyncio.sleep(delay)
            await conn.send(body)

    return handler


class DelayServerState:
    """What the ``delayed_echo`` server saw: connections open at once, at most."""

    def __init__(self) -> None:
        self.open = 0
        self.max_open = 0
        self.served = 0


def delayed_echo(state: DelayServerState) -> Handler:
    """``GET /d/<ms>/<id>`` answers ``<id>`` after ``ms`` milliseconds; ``/bad/<id>`` answers
    with a malformed response (conflicting Content-Length)."""

    async def handler(conn: RawConnection) -> None:
        state.open += 1
        state.max_open = max(state.max_open, state.open)
        try:
            while request := await conn.read_request():
                path = request.split(b" ", 2)[1].decode()
                parts = path.strip("/").split("/")
                if parts[0] == "bad":
                    await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                                    b"Content-Length: 2\r\n\r\nxx")
                    return
                await asyncio.sleep(int(parts[1]) / 1000)
                body = parts[2].encode()
                await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                                % (len(body), body))
                state.served += 1
        finally:
            state.open -= 1

    return handler


class FullBacklog:
    """A listening socket whose accept queue is full: a connect to it hangs until the
    client's connect timeout (loopback only; the kernel drops the extra SYNs)."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            try:
                filler.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            self._fillers.append(filler)
        time.sleep(0.05)

    def close(self) -> None:
        for filler in self._fillers:
            filler.close()
        self.listener.close()


def never_read() -> Handler:
    """Accept, then never read: the client's send buffer fills up (write timeouts)."""

    async def handler(conn: RawConnection) -> None:
        await asyncio.sleep(30)

    return handler


def scripted_responses(responses: list[bytes]) -> Handler:
    """Connection ``n`` reads one request, sends ``responses[n]`` and closes."""

    async def handler(conn: RawConnection) -> None:
        await conn.read_request()
        if conn.index < len(responses):
            await conn.send(responses[conn.index])
        await conn.close()

    return handler


def answer_before_the_body(response: bytes) -> Handler:
    """Read a request's head only, answer at once (a 413 to an upload), then close with the
    body unread: the kernel resets the connection while the client is still sending."""

    async def handler(conn: RawConnection) -> None:
        await conn.reader.readuntil(b"\r\n\r\n")
        await conn.send(response)
        await asyncio.sleep(0.1)  # the answer reaches the client before the reset
        await conn.close()

    return handler


def reset_on_head() -> Handler:
    """Read a request's head, then reset the connection without a word."""

    async def handler(conn: RawConnection) -> None:
        await conn.reader.readuntil(b"\r\n\r\n")
        conn.reset()

    return handler


def respond_then_stray(stray: bytes, delay: float = 0.05) -> Handler:
    """Connection 0 answers its first request with OK, then ``delay`` seconds later sends
    ``stray`` on the idle connection (a whole fake response); every other request gets OK."""

    async def handler(conn: RawConnection) -> None:
        first = conn.index == 0
        while await conn.read_request():
            await conn.send(OK)
            if first:
                first = False
                await asyncio.sleep(delay)
                await conn.send(stray)

    return handler


def endless_or_ok(piece: bytes = b"x" * 65536) -> Handler:
    """A request for a path containing ``endless`` gets a chunked body that never ends (until
    the client goes away); any other request gets OK, keep-alive."""

    async def handler(conn: RawConnection) -> None:
        while request := await conn.read_request():
            if b"endless" not in request.split(b"\r\n", 1)[0]:
                await conn.send(OK)
                continue
            chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
            try:
                await conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                while True:
                    await conn.send(chunk)
            except (ConnectionError, OSError):
                return

    return handler


def coded_response(body: bytes, coding: str) -> bytes:
    """A keep-alive response whose body is ``body`` as sent, with ``Content-Encoding``."""
    return b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n%s" % (
        coding.encode(), len(body), body
    )
