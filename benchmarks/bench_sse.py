"""SSE benchmark: client CPU per event of a 50-event token stream, fasthttpx against httpx2.

The figure that matters is the *client's* CPU time per event: the server runs in another
process (``_bench_sse_server.py``, pinned to CPU 0) and every (client, loop, traffic) triple
runs in a fresh interpreter (this file with ``--run``, pinned to CPU 1) that measures only its
own ``time.process_time()`` over rounds of whole streams on one keep-alive connection (the
request and the response head of each stream are part of its cost), keeping the best round.

Clients: ``fasthttpx`` (``client.sse()``), ``httpx2`` (its ``client.sse()``), ``httpx-sse``
(``connect_sse`` / ``aconnect_sse`` over httpx), each where installed, and the ``floor``: no
HTTP library and no parsing, fixed request bytes and reads until the body's last chunk (an
asyncio ``Protocol`` on asyncio and uvloop, ``recv_into`` on trio's socket and on a blocking
one): the loop's price per read, which every client pays once per event when paced.
Loops: ``asyncio``, ``uvloop``, ``trio`` and ``sync`` (the blocking clients). Traffic:

  paced  each event written on its own, ``--gap-us`` apart (default 1 ms): every event
         arrives in its own read, as an LLM's tokens do (the default: the issue's target)
  burst  the whole stream written at once: the client reads it in a few large pieces, so
         this shows the parser's share

With ``--runs N`` every client runs N times, interleaved, keeping its best. Ratios are to
httpx2 on the same loop and traffic. The machine may be shared: read the best-of figures.

Usage: ``python3 benchmarks/bench_sse.py [--quick] [--loops asyncio,sync]
[--traffic paced,burst] [--clients fasthttpx,httpx2] [--runs N] [--impl python] [--markdown]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EVENTS = 50
CLIENTS = ["floor", "fasthttpx", "httpx2", "httpx-sse"]
LOOPS = ["asyncio", "uvloop", "trio", "sync"]
DEFAULT_LOOPS = ["asyncio", "sync"]
TRAFFIC = ["paced", "burst"]
#: (streams per round, warm-up streams, rounds) per traffic kind.
FULL = {"paced": (20, 5, 3), "burst": (200, 20, 3)}
QUICK = {"paced": (5, 2, 1), "burst": (40, 5, 1)}
RUN_TIMEOUT = 300.0
_MODULES = {"fasthttpx": "fasthttpx", "httpx2": "httpx2", "httpx-sse": "httpx_sse"}
_LIBRARY = "asyncio"  # the runner's loop, for the floor


# --- the runner: one client, one loop, one traffic kind, in this process ----------------------

# The floor: no HTTP library, no parsing. It sends fixed request bytes on one connection and
# reads until the body's last chunk arrives; what it costs is the loop's (or the kernel's)
# per-read price, which every client pays once per event in the paced traffic.
LAST_CHUNK = b"0\r\n\r\n"


def _request_bytes(url: str) -> tuple[str, int, bytes]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}"
    head = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n\r\n"
    return parts.hostname or "127.0.0.1", parts.port or 80, head.encode()


class _AsyncFloor:
    """One keep-alive connection on asyncio/uvloop (a ``Protocol``) or trio (a socket)."""

    def __init__(self, url: str, library: str) -> None:
        self.host, self.port, self.request = _request_bytes(url)
        self.library = library
        self.conn: Any = None

    async def __aenter__(self) -> _AsyncFloor:
        if self.library == "trio":
            import trio

            self.conn = trio.socket.socket()
            await self.conn.connect((self.host, self.port))
        else:
            import asyncio

            loop = asyncio.get_running_loop()
            self.conn = _FloorProtocol(loop)
            await loop.create_connection(lambda: self.conn, self.host, self.port)
        return self

    async def __aexit__(self, *args: object) -> None:
        if self.library == "trio":
            self.conn.close()
        else:
            self.conn.transport.close()

    async def read_stream(self) -> int:
        if self.library != "trio":
            return await self.conn.read_stream(self.request)
        await self.conn.send(self.request)
        buffer = bytearray(65536)
        while True:
            n = await self.conn.recv_into(buffer)
            if n == 0 or buffer[max(n - 5, 0):n] == LAST_CHUNK:
                return EVENTS


class _FloorProtocol:
    def __init__(self, loop: Any) -> None:
        self.loop = loop
        self.transport: Any = None
        self.done: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if data.endswith(LAST_CHUNK) and self.done is not None:
            self.done.set_result(EVENTS)

    def eof_received(self) -> None:
        return None

    def connection_lost(self, exc: object) -> None:
        return None

    async def read_stream(self, request: bytes) -> int:
        self.done = self.loop.create_future()
        self.transport.write(request)
        return int(await self.done)


class _SyncFloor:
    def __init__(self, url: str) -> None:
        import socket

        host, port, self.request = _request_bytes(url)
        self.sock = socket.create_connection((host, port))
        self.buffer = bytearray(65536)

    def __enter__(self) -> _SyncFloor:
        return self

    def __exit__(self, *args: object) -> None:
        self.sock.close()

    def read_stream(self) -> int:
        self.sock.sendall(self.request)
        while True:
            n = self.sock.recv_into(self.buffer)
            if n == 0 or self.buffer[max(n - 5, 0):n] == LAST_CHUNK:
                return EVENTS


def _count_async(client: str, url: str) -> tuple[Callable[[], Any], Callable[[Any], Any]]:
    """(make the client, read one stream with it -> event count) for an async client."""
    if client == "floor":
        return lambda: _AsyncFloor(url, _LIBRARY), lambda floor: floor.read_stream()
    if client == "fasthttpx":
        import fasthttpx

        async def read_fasthttpx(c: Any) -> int:
            n = 0
            async with c.sse(url) as source:
                async for _ in source:
                    n += 1
            return n

        return fasthttpx.AsyncClient, read_fasthttpx
    if client == "httpx2":
        import httpx2

        async def read_httpx2(c: Any) -> int:
            n = 0
            async with c.sse(url) as source:
                async for _ in source:
                    n += 1
            return n

        return httpx2.AsyncClient, read_httpx2
    import httpx
    import httpx_sse

    async def read_httpx_sse(c: Any) -> int:
        n = 0
        async with httpx_sse.aconnect_sse(c, "GET", url) as source:
            async for _ in source.aiter_sse():
                n += 1
        return n

    return httpx.AsyncClient, read_httpx_sse


def _count_sync(client: str, url: str) -> tuple[Callable[[], Any], Callable[[Any], int]]:
    if client == "floor":
        return lambda: _SyncFloor(url), lambda floor: floor.read_stream()
    if client == "fasthttpx":
        import fasthttpx

        def read_fasthttpx(c: Any) -> int:
            with c.sse(url) as source:
                return sum(1 for _ in source)

        return fasthttpx.Client, read_fasthttpx
    if client == "httpx2":
        import httpx2

        def read_httpx2(c: Any) -> int:
            with c.sse(url) as source:
                return sum(1 for _ in source)

        return httpx2.Client, read_httpx2
    import httpx
    import httpx_sse

    def read_httpx_sse(c: Any) -> int:
        with httpx_sse.connect_sse(c, "GET", url) as source:
            return sum(1 for _ in source.iter_sse())

    return httpx.Client, read_httpx_sse


def _rounds(streams: int, warmup: int, rounds: int, read: Callable[[], int]) -> dict[str, float]:
    """Sync rounds: warm up, then the best round's CPU and wall time."""
    for _ in range(warmup):
        _expect(read())
    best: dict[str, float] = {}
    for _ in range(rounds):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(streams):
            _expect(read())
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        if not best or cpu < best["cpu"]:
            best = {"cpu": cpu, "wall": wall}
    return best


def _expect(count: int) -> None:
    if count != EVENTS:
        raise RuntimeError(f"read {count} events, expected {EVENTS}")


def run(client: str, loop: str, traffic: str, port: int, quick: bool, gap_us: int) -> None:
    streams, warmup, rounds = (QUICK if quick else FULL)[traffic]
    gap = gap_us if traffic == "paced" else 0
    url = f"http://127.0.0.1:{port}/sse?events={EVENTS}&gap_us={gap}"
    global _LIBRARY
    _LIBRARY = loop
    if client in _MODULES and importlib.util.find_spec(_MODULES[client]) is None:
        print(json.dumps({"na": f"{_MODULES[client]} not installed"}))
        return
    if loop == "sync":
        make, read_one = _count_sync(client, url)
        with make() as c:
            best = _rounds(streams, warmup, rounds, lambda: read_one(c))
    else:
        amake, aread_one = _count_async(client, url)

        async def main() -> dict[str, float]:
            async with amake() as c:
                for _ in range(warmup):
                    _expect(await aread_one(c))
                best: dict[str, float] = {}
                for _ in range(rounds):
                    cpu0, wall0 = time.process_time(), time.perf_counter()
                    for _ in range(streams):
                        _expect(await aread_one(c))
                    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
                    if not best or cpu < best["cpu"]:
                        best = {"cpu": cpu, "wall": wall}
                return best

        if loop == "trio":
            import trio

            best = trio.run(main)
        elif loop == "uvloop":
            import uvloop

            best = uvloop.run(main())
        else:
            import asyncio

            best = asyncio.run(main())
    result: dict[str, Any] = dict(best, units=streams * EVENTS)
    if client == "fasthttpx":
        import fasthttpx

        result["implementation"] = fasthttpx.__implementation__
        result["module"] = fasthttpx.__file__
    print(json.dumps(result))


# --- the driver ---------------------------------------------------------------------------------

class Server:
    """The benchmark server subprocess."""

    def __init__(self, cpu: int | None) -> None:
        cmd = [sys.executable, str(HERE / "_bench_sse_server.py")]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"SSE benchmark server did not start: {line!r}")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def run_one(client: str, loop: str, traffic: str, port: int, args: argparse.Namespace,
            cpu: int | None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--run", client, "--loop-run", loop,
           "--traffic-run", traffic, "--port", str(port), "--gap-us", str(args.gap_us)]
    if args.quick:
        cmd.append("--quick")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")  # this checkout
    if args.impl == "python":
        env["FASTHTTPX_NO_EXTENSIONS"] = "1"
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT,
                             timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"na": f"timed out after {RUN_TIMEOUT:.0f} s"}
    lines = out.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("{"):
        err = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return {"na": f"failed: {err[:120]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    module = result.get("module")
    if module is not None and not Path(module).resolve().is_relative_to(ROOT):
        return {"na": f"imported {module}, not this checkout"}
    return result


def _per_event_us(result: dict[str, Any]) -> float:
    return float(result["cpu"]) / result["units"] * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--loops", default=",".join(DEFAULT_LOOPS))
    parser.add_argument("--traffic", default=",".join(TRAFFIC))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--gap-us", type=int, default=1000)
    parser.add_argument("--impl", choices=["cython", "python"], default="cython")
    parser.add_argument("--markdown", action="store_true")
    # the runner's own arguments
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--loop-run", help=argparse.SUPPRESS)
    parser.add_argument("--traffic-run", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        if args.cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {args.cpu})
        run(args.run, args.loop_run, args.traffic_run, args.port, args.quick, args.gap_us)
        return

    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    server_cpu, client_cpu = (cpus[0], cpus[1]) if len(cpus) >= 2 else (None, None)
    clients = args.clients.split(",")
    loops = args.loops.split(",")
    traffics = args.traffic.split(",")
    print(f"# SSE benchmark: {EVENTS}-event streams, CPU µs per event (best of "
          f"{args.runs} run(s) × rounds), Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs, impl={args.impl}")
    server = Server(server_cpu)
    results: dict[tuple[str, str, str], dict[str, Any]] = {}
    try:
        for run_index in range(args.runs):
            order = clients if run_index % 2 == 0 else clients[::-1]
            for traffic in traffics:
                for loop in loops:
                    for client in order:
                        result = run_one(client, loop, traffic, server.port, args, client_cpu)
                        key = (traffic, loop, client)
                        previous = results.get(key)
                        if previous is None or "na" in previous or (
                            "na" not in result
                            and _per_event_us(result) < _per_event_us(previous)
                        ):
                            results[key] = result
    finally:
        server.stop()
    rows = []
    for traffic in traffics:
        for loop in loops:
            reference = results.get((traffic, loop, "httpx2"), {})
            for client in clients:
                result = results[(traffic, loop, client)]
                if "na" in result:
                    rows.append((traffic, loop, client, "n/a", "", "", result["na"]))
                    continue
                per_event = _per_event_us(result)
                ratio = (f"{per_event / _per_event_us(reference):.2f}×"
                         if reference and "na" not in reference else "")
                wall = result["wall"] / result["units"] * 1e6
                rows.append((traffic, loop, client, f"{per_event:.1f}", ratio, f"{wall:.0f}",
                             result.get("implementation", "")))
    header = ("traffic", "loop", "client", "CPU µs/event", "vs httpx2", "wall µs/event", "")
    if args.markdown:
        print("| " + " | ".join(header[:-1]) + " |")
        print("|" + "---|" * (len(header) - 1))
        for row in rows:
            print("| " + " | ".join(row[:-1]) + " |")
    else:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))


if __name__ == "__main__":
    main()
