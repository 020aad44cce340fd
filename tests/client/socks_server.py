"""A small SOCKS5 proxy (RFC 1928, username/password per RFC 1929) for the client's tests.

Runs on its own asyncio loop in a background thread (:class:`tests.kit.loop_thread.LoopThread`)
on 127.0.0.1, so every backend can use it, and records what it saw: ``connections``, the
``methods`` each greeting offered, the ``credentials`` sent, and the ``targets`` of CONNECT
requests as ``(address type, host, port)`` (type 1 IPv4, 3 domain name, 4 IPv6).

``mode`` scripts it: ``"ok"`` (relay bytes both ways once connected), ``"refuse"`` (reply 5,
connection refused), ``"close-at-greeting"`` / ``"close-at-connect"`` (close instead of
answering that step), ``"garbage-at-greeting"`` / ``"garbage-at-connect"`` (answer nonsense),
``"no-method"`` (0xFF: none of the methods offered). With ``credentials=(user, password)``
it requires username/password authentication and rejects others.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from types import TracebackType

from tests.kit.loop_thread import LoopThread


class SocksServer:
    def __init__(
        self, *, mode: str = "ok", credentials: tuple[bytes, bytes] | None = None
    ) -> None:
        self.mode = mode
        self.credentials = credentials
        self.port = 0
        self.connections = 0
        self.methods: list[bytes] = []
        self.sent_credentials: list[tuple[bytes, bytes]] = []
        self.targets: list[tuple[int, str, int]] = []
        self.errors: list[BaseException] = []
        self._thread = LoopThread(name="test-socks")
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    def url(self, scheme: str = "socks5", userinfo: str = "") -> str:
        return f"{scheme}://{userinfo}127.0.0.1:{self.port}"

    def start(self) -> SocksServer:
        self._thread.start()
        try:
            self._thread.call(self._start())
        except BaseException:
            self._thread.stop()
            raise
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._on_connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handshake_and_relay(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:
            writer.transport.abort()
        except Exception as exc:
            self.errors.append(exc)
        finally:
            writer.close()

    async def _handshake_and_relay(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        mode = self.mode
        version, count = await reader.readexactly(2)
        assert version == 5, version
        methods = await reader.readexactly(count)
        self.methods.append(methods)
        if mode == "close-at-greeting":
            return
        if mode == "garbage-at-greeting":
            writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            return
        if mode == "no-method":
            writer.write(b"\x05\xff")
            return
        if self.credentials is not None:
            if b"\x02" not in methods:
                writer.write(b"\x05\xff")
                return
            writer.write(b"\x05\x02")
            auth_version, user_length = await reader.readexactly(2)
            assert auth_version == 1, auth_version
            user = await reader.readexactly(user_length)
            (password_length,) = await reader.readexactly(1)
            password = await reader.readexactly(password_length)
            self.sent_credentials.append((user, password))
            if (user, password) != self.credentials:
                writer.write(b"\x01\x01")
                return
            writer.write(b"\x01\x00")
        else:
            writer.write(b"\x05\x00")
        version, command, _, address_type = await reader.readexactly(4)
        assert (version, command) == (5, 1), (version, command)
        if address_type == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif address_type == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        else:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode("ascii")
        port = int.from_bytes(await reader.readexactly(2), "big")
        self.targets.append((address_type, host, port))
        if mode == "close-at-connect":
            return
        if mode == "garbage-at-connect":
            writer.write(b"\x05\x00\x00\x09garbage!!")
            return
        if mode == "refuse":
            writer.write(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.write(b"\x05\x04\x00\x01\x00\x00\x00\x00\x00\x00")  # host unreachable
            return
        bound = up_writer.get_extra_info("sockname")
        writer.write(b"\x05\x00\x00\x01" + ipaddress.IPv4Address(bound[0]).packed
                     + bound[1].to_bytes(2, "big"))
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

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        for writer in self._writers:
            writer.transport.abort()
        await asyncio.sleep(0.01)
        if self._server is not None:
            await self._server.wait_closed()
        self._server = None

    def stop(self) -> None:
        if not self._thread.running:
            return
        try:
            self._thread.call(self._stop(), timeout=10)
        finally:
            self._thread.stop()

    def __enter__(self) -> SocksServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
