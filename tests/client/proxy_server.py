"""A small HTTP proxy for the client's proxy tests: forward (absolute-form) and CONNECT.

It runs on its own asyncio loop in a background thread (:class:`tests.kit.loop_thread.
LoopThread`) on 127.0.0.1, so sync, asyncio, uvloop and trio clients can all use it, and it
records what it saw: ``connections`` accepted, every ``request_lines`` (the request line as
received), ``proxy_authorizations`` (the Proxy-Authorization value of each request, or None),
``host_headers`` and ``connect_targets``.

* A forward request (``GET http://host:port/path HTTP/1.1``, RFC 9112 §3.2.2) is sent on to
  the origin on a new upstream connection, in origin-form, with ``Connection: close``; the
  origin's whole response is read and relayed on the client's (kept-alive) connection
  without its ``Connection`` field. Only framed responses (Content-Length or chunked) keep the
  client connection usable, which is all the kit's app sends.
* ``CONNECT host:port`` (RFC 9110 §9.3.6) is answered ``connect_status`` (200 by default:
  then bytes are relayed both ways until either side closes; otherwise the connection is
  closed after the answer, e.g. 407 with ``Proxy-Authenticate``); 502 when the target
  cannot be reached.
* ``ssl_context=`` (a server context) makes it an ``https://`` proxy: TLS from the client to
  the proxy, with forwarding or CONNECT inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from types import TracebackType
from urllib.parse import urlsplit

from tests.kit.loop_thread import LoopThread

#: Largest request head the proxy reads.
READ_LIMIT = 256 * 1024


class ProxyServer:
    """Use as a context manager; ``url`` is ``http://127.0.0.1:port``."""

    def __init__(
        self,
        *,
        connect_status: int = 200,
        stop_timeout: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.connect_status = connect_status
        #: With a server TLS context the proxy itself speaks TLS: ``url`` is https://.
        self.ssl_context = ssl_context
        self.stop_timeout = stop_timeout
        self.port = 0
        self.connections = 0
        self.request_lines: list[bytes] = []
        self.proxy_authorizations: list[bytes | None] = []
        self.host_headers: list[bytes | None] = []
        self.connect_targets: list[str] = []
        self.errors: list[BaseException] = []
        self._thread = LoopThread(name="test-proxy")
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        #: Every connection's writer: a TLS connection may still be shutting down (waiting
        #: for a close_notify the client never sends) after its handler returned.
        self._all_writers: list[asyncio.StreamWriter] = []

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> ProxyServer:
        self._thread.start()
        try:
            self._thread.call(self._start())
        except BaseException:
            self._thread.stop()
            raise
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(
            self._on_connection, "127.0.0.1", 0, limit=READ_LIMIT, ssl=self.ssl_context
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        self._all_writers.append(writer)
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return  # the client closed its connection
                request_line, *lines = head[:-4].split(b"\r\n")
                fields = [line.split(b":", 1) for line in lines]
                headers = [(name.strip().lower(), value.strip()) for name, value in fields]
                values = dict(headers)
                self.request_lines.append(request_line)
                self.proxy_authorizations.append(values.get(b"proxy-authorization"))
                self.host_headers.append(values.get(b"host"))
                method, target, _ = request_line.split(b" ")
                if method == b"CONNECT":
                    await self._tunnel(target.decode("ascii"), reader, writer)
                    return
                length = int(values.get(b"content-length", b"0"))
                body = await reader.readexactly(length) if length else b""
                await self._forward(method, target.decode("ascii"), headers, body, writer)
        except asyncio.CancelledError:
            writer.transport.abort()
        except Exception as exc:
            self.errors.append(exc)
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _forward(
        self, method: bytes, target: str, headers: list[tuple[bytes, bytes]], body: bytes,
        writer: asyncio.StreamWriter,
    ) -> None:
        url = urlsplit(target)
        assert url.scheme == "http" and url.hostname, f"not absolute-form: {target!r}"
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        skip = {b"proxy-authorization", b"connection", b"proxy-connection"}
        lines = [b"%s %s HTTP/1.1" % (method, path.encode("ascii"))]
        lines += [b"%s: %s" % (name, value) for name, value in headers if name not in skip]
        lines.append(b"Connection: close")
        up_reader, up_writer = await asyncio.open_connection(url.hostname, url.port or 80)
        try:
            up_writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
            response = await up_reader.read(-1)
        finally:
            up_writer.close()
        response_head, _, response_body = response.partition(b"\r\n\r\n")
        status_line, *fields = response_head.split(b"\r\n")
        kept = [f for f in fields if f.split(b":", 1)[0].strip().lower() != b"connection"]
        writer.write(b"\r\n".join([status_line, *kept]) + b"\r\n\r\n" + response_body)
        await writer.drain()

    async def _tunnel(
        self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.connect_targets.append(target)
        if self.connect_status != 200:
            writer.write(
                b"HTTP/1.1 %d Refused\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                b"Content-Length: 7\r\n\r\nrefused" % self.connect_status
            )
            await writer.drain()
            return
        host, _, port = target.rpartition(":")
        try:
            up_reader, up_writer = await asyncio.open_connection(host.strip("[]"), int(port))
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    sink.close()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            up_writer.close()

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self.stop_timeout)
        for writer in [*self._writers, *self._all_writers]:
            writer.transport.abort()
        await asyncio.sleep(0.01)  # let the aborted transports close their sockets
        if self._server is not None:
            await self._server.wait_closed()
        self._server = None

    def stop(self) -> None:
        """Close the listener and every connection, stop the loop, join the thread."""
        if not self._thread.running:
            return
        try:
            self._thread.call(self._stop(), timeout=self.stop_timeout + 5)
        finally:
            self._thread.stop()

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
