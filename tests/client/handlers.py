"""Raw-server scripts used by the client tests (kept out of ``_async/`` so that generating
the sync tests never rewrites them: the servers stay asyncio whatever the client runs on)."""

from __future__ import annotations

import asyncio

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
