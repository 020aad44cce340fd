"""TLS streams against ``openssl s_server``: the handshake messages a Python server cannot
send on demand. TLS 1.2 renegotiation started by the server (its ``r`` command) and TLS 1.3
KeyUpdate, with and without asking us to update too (``K`` / ``k``), in the middle of a
connection that keeps carrying data both ways.

The asyncio backend runs TLS itself (``concurrency/_tls.py``): after a HelloRequest it must
send the ClientHello that OpenSSL wrote while reading, and writes made while the
renegotiation is under way wait for it. Skipped where the ``openssl`` program is missing.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ._helpers import RUNNERS, TLS, Runner

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl program")


@pytest.fixture(params=list(RUNNERS), ids=list(RUNNERS))
def runner(request: pytest.FixtureRequest) -> Runner:
    return RUNNERS[request.param]()


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, TLS]:
    tls = TLS()
    path = tmp_path_factory.mktemp("openssl") / "server.pem"
    tls.ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(str(path))
    return str(path), tls


class SServer:
    """``openssl s_server`` on a free port; what it prints is collected line by line."""

    def __init__(self, pem: str, version: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.proc = subprocess.Popen(
            ["openssl", "s_server", "-accept", str(self.port), "-cert", pem, "-key", pem,
             "-crlf", "-state", version],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self.lines: list[bytes] = []
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def _collect(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def printed(self, text: bytes, since: int = 0) -> bool:
        """``text`` is in a line printed after the first ``since`` lines."""
        return any(text in line for line in self.lines[since:])

    def type(self, line: bytes) -> None:
        """A line on s_server's terminal: a command letter, or data for the client."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(5)
        self._reader.join(5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def s_server(pem: tuple[str, TLS], request: pytest.FixtureRequest) -> Iterator[SServer]:
    server = _started(pem[0], request.param)
    try:
        yield server
    finally:
        server.close()


def _started(pem: str, version: str) -> SServer:
    """An s_server that is accepting: the free port found is only free until s_server binds
    it, so one that exits first (the port was taken meanwhile) is replaced on another port;
    a slow start under load gets 20 s."""
    for _ in range(3):
        server = SServer(pem, version)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and server.proc.poll() is None:
            if server.printed(b"ACCEPT"):
                return server
            time.sleep(0.01)
        if server.printed(b"ACCEPT"):
            return server
        exited = server.proc.poll() is not None
        server.close()
        if not exited:  # pragma: no cover - alive but silent for 20 s: no point retrying
            break
    raise AssertionError(f"openssl s_server did not start: {b''.join(server.lines)!r}")


@pytest.mark.parametrize(
    ("s_server", "command"),
    [("-tls1_2", b"r"), ("-tls1_3", b"K"), ("-tls1_3", b"k")],
    indirect=["s_server"],
    ids=["tls1.2-renegotiation", "tls1.3-keyupdate-requested", "tls1.3-keyupdate"],
)
def test_handshake_messages_mid_connection(
    runner: Runner, s_server: SServer, pem: tuple[str, TLS], command: bytes
) -> None:
    context = ssl.create_default_context()
    pem[1].ca.configure_trust(context)

    async def body(r: Runner) -> None:
        stream = await r.connect(s_server.port, ssl_context=context, server_hostname="localhost")
        await stream.write(b"before\r\n")
        assert await r.wait_until(lambda: s_server.printed(b"before"))
        s_server.type(b"one")
        assert await _read_exactly(stream, b"one\r\n")

        mark = len(s_server.lines)
        s_server.type(command)  # s_server takes a command only alone in one read of stdin
        if command == b"r":
            assert await r.wait_until(lambda: s_server.printed(b"write hello request", mark))
            # HelloRequest, then data. Reading the data must answer the HelloRequest by
            # itself (a ClientHello), without waiting for us to write something.
            s_server.type(b"two")
            assert await _read_exactly(stream, b"two\r\n")
            assert await r.wait_until(lambda: s_server.printed(b"read client hello", mark))
        else:
            assert await r.wait_until(lambda: s_server.printed(b"key update", mark))
            await r.sleep(0.1)  # the KeyUpdate arrives; ours goes out with our next write
        await stream.write(b"after\r\n")
        assert await r.wait_until(lambda: s_server.printed(b"after", mark))
        s_server.type(b"three")
        assert await _read_exactly(stream, b"three\r\n")
        if command == b"K":  # we were asked to update our keys too, and did
            assert await r.wait_until(lambda: s_server.printed(b"key update", mark + 1))
        await stream.close()

    runner.run(body)


async def _read_exactly(stream: Any, expected: bytes) -> bool:
    received = b""
    while len(received) < len(expected):
        piece = await stream.read(timeout=5)
        assert piece, "EOF instead of data after the handshake message"
        received += piece
    return received == expected
