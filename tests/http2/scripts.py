"""Scripts for :class:`tests.http2.servers.ScriptedH2Server` (kept out of the ``_async``
test modules so that generating the sync tests leaves these asyncio coroutines alone)."""

from __future__ import annotations

import h2.events
import h2.settings
from h2.errors import ErrorCodes

from tests.http2.servers import H2ServerConnection, Script


async def reset_path_reset(conn: H2ServerConnection) -> None:
    """RST_STREAM (INTERNAL_ERROR) for requests to ``/reset``; 200 ``ok`` for the others."""
    answered = 0
    while not conn.closed:
        await conn.next_events()
        for stream_id in conn.complete[answered:]:
            if conn.path(stream_id) == b"/reset":
                await conn.reset(stream_id)
            else:
                await conn.respond(stream_id, b"ok " + conn.path(stream_id))
        answered = len(conn.complete)


def goaway_after(n: int, last_stream_id: int) -> Script:
    """First connection: wait for ``n`` requests, send GOAWAY(``last_stream_id``), answer the
    streams up to it, then close. Later connections answer every request."""
    state = {"connections": 0}

    async def script(conn: H2ServerConnection) -> None:
        index = state["connections"]
        state["connections"] += 1
        if index == 0:
            streams = await conn.wait_requests(n)
            await conn.goaway(last_stream_id)
            for stream_id in streams:
                if stream_id <= last_stream_id:
                    await conn.respond(stream_id, b"ok " + conn.path(stream_id))
            await conn.close()
            return
        answered = 0
        while not conn.closed:
            await conn.next_events()
            for stream_id in conn.complete[answered:]:
                await conn.respond(stream_id, b"ok " + conn.path(stream_id))
            answered = len(conn.complete)

    return script


def ping_and_settings(record: list[str]) -> Script:
    """Before answering the first request, send a PING and a SETTINGS change; record the
    client's acknowledgements (``"ping-ack"``, ``"settings-ack"``) and then answer."""

    async def script(conn: H2ServerConnection) -> None:
        await conn.wait_requests(1)
        stream_id = conn.complete[0]
        conn.h2.ping(b"12345678")
        conn.h2.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 7})
        await conn.flush()
        while len(record) < 2 and not conn.closed:
            for event in await conn.next_events():
                if isinstance(event, h2.events.PingAckReceived):
                    record.append("ping-ack")
                elif isinstance(event, h2.events.SettingsAcknowledged) and (
                    h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS in event.changed_settings
                ):
                    record.append("settings-ack")  # the ack of our change, not the first
        await conn.respond(stream_id, b"ok")
        while not conn.closed:
            await conn.next_events()

    return script


__all__ = ["reset_path_reset", "goaway_after", "ping_and_settings", "ErrorCodes"]
