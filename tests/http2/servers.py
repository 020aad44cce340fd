"""Servers for the TLS and HTTP/2 client tests: hypercorn, and a scripted server built on h2.

* :class:`HypercornServer` runs an ASGI app under hypercorn on 127.0.0.1 (TLS with a trustme
  certificate, or cleartext for h2c prior knowledge) in a :class:`LoopThread` with its own
  asyncio loop, stopped by hypercorn's ``shutdown_trigger``. The socket is bound here (port 0)
  and handed to hypercorn as ``fd://``, so the port is known before it starts.
* :func:`counting_app` wraps the kit's app: it records the client address of every request
  (one address = one connection) and adds ``/upload``, which counts the request body without
  keeping it.
* :class:`ScriptedH2Server` speaks HTTP/2 with ``h2``'s server side, per a script, for what
  no well-behaved server does on demand: GOAWAY while streams are in flight, RST_STREAM.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import h2.config
import h2.connection
import h2.events
from h2.errors import ErrorCodes
from hypercorn.asyncio import serve
from hypercorn.config import Config
from hyperframe.frame import GoAwayFrame

from tests.kit.app import app as kit_app
from tests.kit.loop_thread import LoopThread

#: Seconds to wait for a server to start or stop.
TIMEOUT = 10.0


def counting_app(seen: list[tuple[str, int]]) -> Any:
    """The kit's app, recording ``scope["client"]`` per request, plus ``POST /upload``
    (answers ``{length} {sha256}`` of the body, read piece by piece)."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            seen.append(tuple(client) if client else ("?", 0))  # type: ignore[arg-type]
            if scope["path"] == "/upload":
                digest = hashlib.sha256()
                length = 0
                while True:
                    message = await receive()
                    body = message.get("body", b"")
                    length += len(body)
                    digest.update(body)
                    if not message.get("more_body", False):
                        break
                text = f"{length} {digest.hexdigest()}".encode()
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-length", str(len(text)).encode())]})
                await send({"type": "http.response.body", "body": text})
                return
        await kit_app(scope, receive, send)

    return app


class HypercornServer:
    """hypercorn serving ``app`` on 127.0.0.1; ``tls`` is ``(certfile, keyfile)`` or None.

    Extra keyword arguments are set on hypercorn's ``Config`` (e.g. ``alpn_protocols``,
    ``verify_mode``, ``ca_certs``)."""

    def __init__(self, app: Any, tls: tuple[str, str] | None = None, **config: Any) -> None:
        self.seen: list[tuple[str, int]] = []
        self.app = app if app is not None else counting_app(self.seen)
        self.config = Config()
        self.config.loglevel = "ERROR"
        self.config.accesslog = None
        self.config.errorlog = None
        self.config.graceful_timeout = 0.5
        if tls is not None:
            self.config.certfile, self.config.keyfile = tls
        for key, value in config.items():
            setattr(self.config, key, value)
        self.tls = tls is not None
        self.port = 0
        self._thread = LoopThread(name="h2-hypercorn", timeout=TIMEOUT)
        self._stop: asyncio.Event | None = None
        self._future: Any = None

    @property
    def connections(self) -> int:
        """Distinct client addresses seen so far (one per connection)."""
        return len(set(self.seen))

    def url(self, host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def start(self) -> HypercornServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self.config.bind = [f"fd://{sock.detach()}"]
        self._thread.start()

        async def make_event() -> asyncio.Event:
            return asyncio.Event()

        self._stop = self._thread.call(make_event())
        stop = self._stop

        async def trigger() -> None:
            await stop.wait()

        self._future = asyncio.run_coroutine_threadsafe(
            serve(self.app, self.config, shutdown_trigger=trigger), self._thread.loop
        )
        _wait_listening(self.port)
        return self

    def stop(self) -> None:
        if not self._thread.running:
            return
        loop = self._thread.loop
        if self._stop is not None:
            loop.call_soon_threadsafe(self._stop.set)
        try:
            if self._future is not None:
                self._future.result(TIMEOUT)
        finally:
            self._future = None
            self._thread.stop()

    def __enter__(self) -> HypercornServer:
        return self.start()

    def __exit__(self, *args: object) -> None:
        self.stop()


def _wait_listening(port: int) -> None:
    """The socket listens before hypercorn starts: a connect succeeds at once."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT):
        pass


# --- a scripted HTTP/2 server ------------------------------------------------------------------

Script = Callable[["H2ServerConnection"], Awaitable[None]]


class H2ServerConnection:
    """One accepted connection, driven by a script through h2's server side."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h2 = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding=None)
        )
        self.requests: dict[int, list[tuple[bytes, bytes]]] = {}
        self.complete: list[int] = []  # stream ids whose request ended, in order
        self.closed = False

    async def start(self) -> None:
        self.h2.initiate_connection()
        await self.flush()

    async def flush(self) -> None:
        data = self.h2.data_to_send()
        if data:
            self.writer.write(data)
            await self.writer.drain()

    async def next_events(self) -> list[Any]:
        data = await self.reader.read(65536)
        if not data:
            self.closed = True
            return []
        events = self.h2.receive_data(data)
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                self.requests[event.stream_id] = list(event.headers)
            elif isinstance(event, h2.events.DataReceived):
                self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if isinstance(event, h2.events.StreamEnded):
                self.complete.append(event.stream_id)
        await self.flush()
        return events

    async def wait_requests(self, n: int) -> list[int]:
        """Read until ``n`` requests are complete; their stream ids."""
        while len(self.complete) < n and not self.closed:
            await self.next_events()
        return self.complete[:n]

    def path(self, stream_id: int) -> bytes:
        return dict(self.requests[stream_id]).get(b":path", b"")

    async def respond(self, stream_id: int, body: bytes, status: int = 200) -> None:
        self.h2.send_headers(stream_id, [(b":status", str(status).encode()),
                                         (b"content-length", str(len(body)).encode())])
        self.h2.send_data(stream_id, body, end_stream=True)
        await self.flush()

    async def reset(self, stream_id: int, code: ErrorCodes = ErrorCodes.INTERNAL_ERROR) -> None:
        self.h2.reset_stream(stream_id, code)
        await self.flush()

    async def goaway(self, last_stream_id: int, code: ErrorCodes = ErrorCodes.NO_ERROR) -> None:
        """Send GOAWAY but keep answering the streams up to ``last_stream_id`` (RFC 9113
        §6.8). h2 would refuse to send anything after its own GOAWAY, so the frame is
        written around it."""
        await self.flush()
        frame = GoAwayFrame(0)
        frame.last_stream_id = last_stream_id
        frame.error_code = code
        self.writer.write(frame.serialize())
        await self.writer.drain()

    async def close(self) -> None:
        self.closed = True
        self.writer.close()


class ScriptedH2Server:
    """Cleartext HTTP/2 (prior knowledge) on 127.0.0.1; ``script`` runs per connection."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.port = 0
        self.connections = 0
        self.errors: list[BaseException] = []
        self._thread = LoopThread(name="h2-scripted", timeout=TIMEOUT)
        self._server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn = H2ServerConnection(reader, writer)
        try:
            await conn.start()
            await self.script(conn)
        except (ConnectionError, ssl.SSLError):
            pass
        except Exception as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            writer.close()

    def start(self) -> ScriptedH2Server:
        self._thread.start()

        async def listen() -> asyncio.base_events.Server:
            return await asyncio.start_server(self._handle, "127.0.0.1", 0)

        self._server = self._thread.call(listen())
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if not self._thread.running:
            return
        server = self._server

        async def close() -> None:
            if server is not None:
                server.close()

        try:
            self._thread.call(close())
        finally:
            self._thread.stop()

    def __enter__(self) -> ScriptedH2Server:
        return self.start()

    def __exit__(self, *args: object) -> None:
        self.stop()


class SNIRecorder:
    """A TLS server answering every request with a fixed HTTP/1.1 200, recording the SNI
    name each handshake carried (``ssl.SSLContext.sni_callback``) and the Host headers."""

    def __init__(self, certfile: str) -> None:
        self.server_names: list[str | None] = []
        self.hosts: list[bytes] = []
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(certfile)
        self.context.sni_callback = self._sni
        self.port = 0
        self._thread = LoopThread(name="sni-recorder", timeout=TIMEOUT)
        self._server: asyncio.base_events.Server | None = None

    def _sni(self, sock: Any, name: str | None, context: ssl.SSLContext) -> None:
        self.server_names.append(name)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"host:"):
                        self.hosts.append(line[5:].strip())
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    def start(self) -> SNIRecorder:
        self._thread.start()

        async def listen() -> asyncio.base_events.Server:
            return await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.context)

        self._server = self._thread.call(listen())
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if not self._thread.running:
            return
        server = self._server

        async def close() -> None:
            if server is not None:
                server.close()

        try:
            self._thread.call(close())
        finally:
            self._thread.stop()
