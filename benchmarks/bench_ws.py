"""WebSocket benchmark: fasthttpx against aiohttp, websockets and httpx2, in one run.

The figure that matters is the *client's* CPU time per echo round trip: a ``websockets``
server runs in another process (pinned to CPU 0 when there are two), and each (client,
scenario) pair runs in a fresh interpreter (pinned to CPU 1) that measures only its own
``time.process_time()`` over N round trips, keeping the best of ``--repeat`` rounds; with
``--runs N`` every pair runs N times, interleaved, and the best run counts (the machine may
be shared: best-of-N is the least disturbed figure).

Scenarios (one connection each, messages sent and received in turn):

  E32   a 32-byte text message echoed
  E1M   a 1 MiB binary message echoed

Clients: ``floor`` (pre-built masked frames written on an ``asyncio.BufferedProtocol``, replies
counted by their length: the event loop and the sockets, no WebSocket code at all), ``floor-
stream`` (the same through fasthttpx's asyncio backend stream, which any client on it pays),
``fasthttpx`` (``AsyncClient.websocket``), ``aiohttp`` (``ClientSession.ws_connect``),
``websockets`` (``websockets.asyncio.client.connect``) and ``httpx2``
(``AsyncClient.websocket``); on request (``--clients``) the blocking clients ``fasthttpx-sync``
(``Client.websocket``) and ``websockets-sync`` (``websockets.sync.client.connect``), which wait
in ``recv`` instead of an event loop. Compression is off everywhere (the server does not offer
it), keepalive pings are off, message size limits lifted: the run measures framing, masking and
the I/O path, not zlib. Everything runs on asyncio (``--loop uvloop`` for uvloop).

The targets of issue 15: E32 at most 0.5x aiohttp's CPU, E1M at most 0.8x websockets'.

Usage: ``python benchmarks/bench_ws.py [--quick] [--runs N] [--clients a,b]
[--scenarios E32,E1M] [--loop uvloop] [--markdown]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # this checkout's fasthttpx, not an installed one
MIB = 1024 * 1024
PIECE = 64 * 1024  # bytes per write of a big frame (the floors, as fasthttpx does)

CLIENTS = ["floor", "floor-stream", "fasthttpx", "aiohttp", "websockets", "httpx2"]
#: Blocking clients, measured when asked for (``--clients``): no event loop in their path.
SYNC_CLIENTS = ["fasthttpx-sync", "websockets-sync"]
SCENARIOS = {"E32": 32, "E1M": MIB}
#: (round trips, warm-up, repeats) per scenario, full and --quick.
FULL = {"E32": (20000, 2000, 3), "E1M": (200, 20, 3)}
QUICK = {"E32": (2000, 200, 1), "E1M": (20, 5, 1)}
RUN_TIMEOUT = 300.0


# --- the server ---------------------------------------------------------------------------


async def _serve(port: int) -> None:
    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed

    async def echo(ws: Any) -> None:
        try:
            async for message in ws:
                await ws.send(message)
        except ConnectionClosed:  # the floor client just drops the connection
            pass

    async with serve(echo, "127.0.0.1", port, compression=None, max_size=None,
                     ping_interval=None):
        await asyncio.Future()


# --- the clients --------------------------------------------------------------------------


def _payload(scenario: str) -> str | bytes:
    size = SCENARIOS[scenario]
    return "x" * size if scenario == "E32" else os.urandom(size)


class _FloorProtocol(asyncio.BufferedProtocol):
    """Counts received bytes into one reused buffer; wakes the waiter at ``expected``."""

    def __init__(self) -> None:
        self.buffer = memoryview(bytearray(256 * 1024))
        self.transport: Any = None
        self.waiter: asyncio.Future[None] | None = None
        self.expected = 0
        self.received = 0
        self.head = bytearray()
        self.resumed: asyncio.Future[None] | None = None  # set while writing is paused

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        if self.expected == 0:  # the handshake answer
            self.head += self.buffer[:nbytes]
            if b"\r\n\r\n" in self.head and self.waiter is not None:
                self.waiter.set_result(None)
            return
        self.received += nbytes
        if self.received >= self.expected and self.waiter is not None:
            self.waiter.set_result(None)

    def wait(self) -> asyncio.Future[None]:
        self.waiter = asyncio.get_running_loop().create_future()
        return self.waiter

    def pause_writing(self) -> None:
        self.resumed = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self.resumed is not None:
            self.resumed.set_result(None)
            self.resumed = None


async def _floor(url: str, scenario: str, n: int, warm: int, repeat: int) -> list[float]:
    import base64

    host, port = url.split("//")[1].rstrip("/").split(":")
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(_FloorProtocol, host, int(port))
    transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    key = base64.b64encode(os.urandom(16))
    waiter = protocol.wait()
    transport.write(
        b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    await waiter
    payload = _payload(scenario)
    data = payload.encode() if isinstance(payload, str) else payload
    opcode = 0x81 if isinstance(payload, str) else 0x82
    size = len(data)
    if size < 126:
        header, reply = bytes((opcode, 0x80 | size)), 2 + size
    elif size < 65536:
        header, reply = bytes((opcode, 0xFE)) + size.to_bytes(2, "big"), 4 + size
    else:
        header, reply = bytes((opcode, 0xFF)) + size.to_bytes(8, "big"), 10 + size
    frame = header + b"\0\0\0\0" + data  # a zero mask: the payload goes out as it is
    # A big frame goes out in pieces, each written once the transport has room: written
    # whole, what the socket does not take at once is copied into a frame-sized buffer.
    pieces = [memoryview(frame)[i:i + PIECE] for i in range(0, len(frame), PIECE)]

    async def rounds(count: int) -> None:
        for _ in range(count):
            protocol.expected += reply
            waiter = protocol.wait()
            for piece in pieces:
                transport.write(piece)
                if protocol.resumed is not None:
                    await protocol.resumed
            await waiter

    protocol.expected = protocol.received = 0
    await rounds(warm)
    results = [await _timed(rounds, n) for _ in range(repeat)]
    transport.close()
    return results


async def _floor_stream(url: str, scenario: str, n: int, warm: int, repeat: int
                        ) -> list[float]:
    """The floor through fasthttpx's asyncio backend stream: pre-built frames written and
    read with ``AsyncioStream`` (what any client on that backend pays, WebSocket or not)."""
    import base64

    from fasthttpx.concurrency.asyncio import AsyncioBackend

    host, port = url.split("//")[1].rstrip("/").split(":")
    stream = await AsyncioBackend().connect_tcp(host, int(port), timeout=10)
    key = base64.b64encode(os.urandom(16))
    await stream.write(
        b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n", None
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += await stream.read(65536, None)
    payload = _payload(scenario)
    data = payload.encode() if isinstance(payload, str) else payload
    opcode = 0x81 if isinstance(payload, str) else 0x82
    size = len(data)
    if size < 126:
        header, reply = bytes((opcode, 0x80 | size)), 2 + size
    elif size < 65536:
        header, reply = bytes((opcode, 0xFE)) + size.to_bytes(2, "big"), 4 + size
    else:
        header, reply = bytes((opcode, 0xFF)) + size.to_bytes(8, "big"), 10 + size
    frame = header + b"\0\0\0\0" + data
    pieces = [frame[i:i + PIECE] for i in range(0, len(frame), PIECE)]  # as in ``_floor``

    async def rounds(count: int) -> None:
        for _ in range(count):
            for piece in pieces:
                await stream.write(piece, None)
            got = 0
            while got < reply:
                got += len(await stream.read(262144, None))

    await rounds(warm)
    results = [await _timed(rounds, n) for _ in range(repeat)]
    await stream.aclose()
    return results


async def _timed(rounds: Any, n: int) -> float:
    start = time.process_time()
    await rounds(n)
    return time.process_time() - start


async def _fasthttpx(url: str, scenario: str, n: int, warm: int, repeat: int) -> list[float]:
    import fasthttpx

    payload = _payload(scenario)
    async with fasthttpx.AsyncClient() as client, client.websocket(
        url, max_message_size_bytes=None, keepalive_ping_interval_seconds=None,
        compression=None,
    ) as ws:
        if isinstance(payload, str):
            async def rounds(count: int) -> None:
                for _ in range(count):
                    await ws.send_text(payload)
                    await ws.receive_text()
        else:
            async def rounds(count: int) -> None:
                for _ in range(count):
                    await ws.send_bytes(payload)
                    await ws.receive_bytes()

        await rounds(warm)
        return [await _timed(rounds, n) for _ in range(repeat)]


async def _aiohttp(url: str, scenario: str, n: int, warm: int, repeat: int) -> list[float]:
    import aiohttp

    payload = _payload(scenario)
    async with aiohttp.ClientSession() as session, session.ws_connect(
        url, autoping=True, heartbeat=None, max_msg_size=0, compress=0
    ) as ws:
        if isinstance(payload, str):
            async def rounds(count: int) -> None:
                for _ in range(count):
                    await ws.send_str(payload)
                    await ws.receive_str()
        else:
            async def rounds(count: int) -> None:
                for _ in range(count):
                    await ws.send_bytes(payload)
                    await ws.receive_bytes()

        await rounds(warm)
        return [await _timed(rounds, n) for _ in range(repeat)]


async def _websockets(url: str, scenario: str, n: int, warm: int, repeat: int) -> list[float]:
    from websockets.asyncio.client import connect

    payload = _payload(scenario)
    async with connect(url, compression=None, max_size=None, ping_interval=None) as ws:
        async def rounds(count: int) -> None:
            for _ in range(count):
                await ws.send(payload)
                await ws.recv()

        await rounds(warm)
        return [await _timed(rounds, n) for _ in range(repeat)]


async def _httpx2(url: str, scenario: str, n: int, warm: int, repeat: int) -> list[float]:
    import httpx2

    payload = _payload(scenario)
    async with httpx2.AsyncClient() as client, client.websocket(
        url.replace("ws://", "http://"), max_message_size_bytes=2 * MIB,
        keepalive_ping_interval_seconds=None,
    ) as ws:
        if isinstance(payload, str):
            async def rounds(count: int) -> None:
                for _ in range(count):
                    await ws.send_text(payload)
                    await ws.receive_text()
        else:
            async def rounds(count: int) -> None:
                for _ in range(count):
                    await ws.send_bytes(payload)
                    await ws.receive_bytes()

        await rounds(warm)
        return [await _timed(rounds, n) for _ in range(repeat)]


def _timed_sync(rounds: Any, n: int) -> float:
    start = time.process_time()
    rounds(n)
    return time.process_time() - start


async def _fasthttpx_sync(url: str, scenario: str, n: int, warm: int, repeat: int
                          ) -> list[float]:
    """The blocking ``Client`` (no event loop runs while it waits: the coroutine only
    hosts it, so that every client is started the same way)."""
    import fasthttpx

    payload = _payload(scenario)
    with fasthttpx.Client() as client, client.websocket(
        url, max_message_size_bytes=None, keepalive_ping_interval_seconds=None,
        compression=None,
    ) as ws:
        if isinstance(payload, str):
            def rounds(count: int) -> None:
                for _ in range(count):
                    ws.send_text(payload)
                    ws.receive_text()
        else:
            def rounds(count: int) -> None:
                for _ in range(count):
                    ws.send_bytes(payload)
                    ws.receive_bytes()

        rounds(warm)
        return [_timed_sync(rounds, n) for _ in range(repeat)]


async def _websockets_sync(url: str, scenario: str, n: int, warm: int, repeat: int
                           ) -> list[float]:
    """``websockets.sync.client``: the blocking client of the websockets library."""
    from websockets.sync.client import connect

    payload = _payload(scenario)
    with connect(url, compression=None, max_size=None, ping_interval=None) as ws:
        def rounds(count: int) -> None:
            for _ in range(count):
                ws.send(payload)
                ws.recv()

        rounds(warm)
        return [_timed_sync(rounds, n) for _ in range(repeat)]


RUNNERS = {"floor": _floor, "floor-stream": _floor_stream, "fasthttpx": _fasthttpx,
           "aiohttp": _aiohttp, "websockets": _websockets, "httpx2": _httpx2,
           "fasthttpx-sync": _fasthttpx_sync, "websockets-sync": _websockets_sync}


def _run_one(args: argparse.Namespace) -> None:
    """In the subprocess: one client, one scenario; prints a JSON line."""
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    n, warm, repeat = (QUICK if args.quick else FULL)[args.scenario]
    try:
        results = asyncio.run(RUNNERS[args.client](args.url, args.scenario, n, warm, repeat))
    except ImportError as exc:
        print(json.dumps({"na": f"not installed: {exc.name}"}))
        return
    print(json.dumps({"cpu": min(results), "units": n}))


# --- the orchestration --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(port: int, pin: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(Path(__file__)), "--serve", str(port)]
    if pin:
        command += ["--cpu", "0"]
    server = subprocess.Popen(command, cwd=ROOT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the websockets server did not start")


def _measure(client: str, scenario: str, url: str, args: argparse.Namespace,
             pin: bool) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__)), "--run", client, scenario, url,
               "--loop", args.loop]
    if args.quick:
        command.append("--quick")
    if pin:
        command += ["--cpu", "1"]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=RUN_TIMEOUT,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"na": "timed out"}
    lines = done.stdout.decode().strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"na": (done.stderr.decode().strip().splitlines() or ["failed"])[-1][:80]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run", nargs=3, metavar=("CLIENT", "SCENARIO", "URL"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer round trips, one round")
    parser.add_argument("--runs", type=int, default=1, help="runs per client, best kept")
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--no-pin", action="store_true",
                        help="let the system place server and client (else CPU 0 and 1)")
    args = parser.parse_args()
    if args.serve is not None:
        if args.cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {args.cpu})
        asyncio.run(_serve(args.serve))
        return
    if args.run is not None:
        args.client, args.scenario, args.url = args.run
        _run_one(args)
        return

    import fasthttpx

    clients = args.clients.split(",")
    scenarios = args.scenarios.split(",")
    pin = (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity") and not args.no_pin
    port = _free_port()
    server = _start_server(port, pin)
    url = f"ws://127.0.0.1:{port}/"
    best: dict[tuple[str, str], float] = {}
    spread: dict[tuple[str, str], list[float]] = {}
    notes: dict[tuple[str, str], str] = {}
    try:
        for run in range(args.runs):
            order = clients if run % 2 == 0 else list(reversed(clients))
            for scenario in scenarios:
                for client in order:
                    result = _measure(client, scenario, url, args, pin)
                    key = (client, scenario)
                    if "na" in result:
                        notes[key] = result["na"]
                        continue
                    per_unit = result["cpu"] / result["units"] * 1e6
                    spread.setdefault(key, []).append(per_unit)
                    best[key] = min(best.get(key, per_unit), per_unit)
    finally:
        server.terminate()
        server.wait()

    print(f"fasthttpx {fasthttpx.__version__} ({fasthttpx.__implementation__} core), "
          f"Python {sys.version.split()[0]}, {args.loop}, best of {args.runs} run(s)"
          f"{', pinned: server CPU 0, client CPU 1' if pin else ''}")
    references = {"E32": "aiohttp", "E1M": "websockets"}
    targets = {"E32": 0.5, "E1M": 0.8}
    for scenario in scenarios:
        reference = best.get((references[scenario], scenario))
        title = f"{scenario}: CPU µs per round trip ({SCENARIOS[scenario]:,} bytes), " \
                f"ratio to {references[scenario]} (target for fasthttpx <= " \
                f"{targets[scenario]}x)"
        if args.markdown:
            print(f"\n**{title}**\n\n| client | CPU µs | ratio | runs |\n|---|---:|---:|---|")
        else:
            print(f"\n{title}")
        for client in clients:
            key = (client, scenario)
            if key not in best:
                line = ("| " if args.markdown else "  ") + f"{client:<11} n/a: " \
                    f"{notes.get(key, '?')}" + (" | | |" if args.markdown else "")
                print(line)
                continue
            value = best[key]
            ratio = f"{value / reference:.2f}x" if reference else "-"
            runs = " ".join(f"{x:.1f}" for x in sorted(spread[key]))
            if args.markdown:
                print(f"| {client} | {value:,.1f} | {ratio} | {runs} |")
            else:
                print(f"  {client:<11} {value:>10,.1f} µs   {ratio:>6}   runs: {runs}")


if __name__ == "__main__":
    main()
