"""Response-parser benchmark: the compiled parser, its pure-Python twin, httptools and h11.

Why: the compiled core exists to be fast; this measures it against the usual parsers in one
process, on the same inputs, so the ratios mean something on any machine.

How: each case is a complete response (a head, a body) fed the way a socket would deliver
it; each parser produces the same information (status, headers as a list, body bytes).
Every implementation is timed over a loop of responses, best of several repeats of CPU time
(``time.process_time``, so that other load on the machine counts less), and reported as µs
per response, responses/s and MB/s, with ratios against httptools (compiled) and h11 (pure
Python). Case (c) and (d) are chunked bodies fed in 64 KiB reads, as from a socket.

* ours: a new ``ResponseParser`` per response, ``feed()`` per read (events created).
* httptools: a new ``HttpResponseParser`` per response with a minimal protocol object that
  collects the status, headers and body pieces (as llhttp calls back per header).
* h11: a client ``Connection`` that has sent its request (set up outside the timed loop),
  ``receive_data()`` per read and ``next_event()`` until ``EndOfMessage``.

Run: ``python benchmarks/bench_parser.py [--quick]``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ---------------------------------------------------------------------------------------
# Inputs


def typical_response() -> bytes:
    """(a) a ~300-byte head, 9 headers, 13-byte body with Content-Length."""
    return (
        b"HTTP/1.1 200 OK\r\n"
        b"Date: Tue, 25 Nov 2025 08:55:00 GMT\r\n"
        b"Server: nginx/1.25.3\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: 13\r\n"
        b"Connection: keep-alive\r\n"
        b"Cache-Control: max-age=0, private, must-revalidate\r\n"
        b'ETag: "33a64df551425fcc55e4d42a148795d9f25f89d4"\r\n'
        b"X-Request-Id: 9f1c2d3e-4b5a-6789-abcd-ef0123456789\r\n"
        b"Vary: Accept-Encoding\r\n"
        b"\r\n"
        b"Hello, World!"
    )


def many_headers_response() -> bytes:
    """(b) 30 header fields, 13-byte body."""
    lines = [b"HTTP/1.1 200 OK", b"Content-Length: 13"]
    for i in range(29):
        lines.append(b"X-Custom-Header-%d: value-%d-abcdefghijklmnopqrstuvwxyz" % (i, i))
    return b"\r\n".join(lines) + b"\r\n\r\nHello, World!"


def chunked_response(chunk_size: int, total: int = 1 << 20) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
    head += b"Transfer-Encoding: chunked\r\n\r\n"
    piece = bytes(range(256)) * (chunk_size // 256) + b"x" * (chunk_size % 256)
    body = b"".join(b"%x\r\n%s\r\n" % (chunk_size, piece) for _ in range(total // chunk_size))
    return head + body + b"0\r\n\r\n"


def split_reads(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


# ---------------------------------------------------------------------------------------
# Runners: each parses one response given as a list of reads and returns the body size.


def make_ours(module_name: str) -> Callable[[list[bytes]], int]:
    module = importlib.import_module(module_name)
    Parser = module.ResponseParser
    events_mod = importlib.import_module("fasthttpx._events")
    Data = events_mod.Data

    def run(reads: list[bytes]) -> int:
        feed = Parser(b"GET").feed
        size = 0
        for chunk in reads:
            for event in feed(chunk):
                if type(event) is Data:
                    size += len(event.data)
        return size

    return run


def make_httptools() -> Callable[[list[bytes]], int]:
    import httptools

    class Proto:
        __slots__ = ("headers", "body", "done", "status")

        def __init__(self) -> None:
            self.headers: list[tuple[bytes, bytes]] = []
            self.body: list[bytes] = []
            self.done = False
            self.status = b""

        def on_status(self, status: bytes) -> None:
            self.status = status

        def on_header(self, name: bytes, value: bytes) -> None:
            self.headers.append((name, value))

        def on_body(self, body: bytes) -> None:
            self.body.append(body)

        def on_message_complete(self) -> None:
            self.done = True

    Parser = httptools.HttpResponseParser

    def run(reads: list[bytes]) -> int:
        proto = Proto()
        parser = Parser(proto)
        for chunk in reads:
            parser.feed_data(chunk)
        parser.get_status_code()
        return sum(map(len, proto.body)) if proto.done else -1

    return run


def make_h11_factory() -> tuple[Callable[[], Any], Callable[[Any, list[bytes]], int]]:
    import h11

    request = h11.Request(method="GET", target="/", headers=[("Host", "example.com")])
    end = h11.EndOfMessage()

    def prepare() -> Any:
        conn = h11.Connection(our_role=h11.CLIENT)
        conn.send(request)
        conn.send(end)
        return conn

    NEED_DATA = h11.NEED_DATA
    Data = h11.Data
    EOM = h11.EndOfMessage

    def run(conn: Any, reads: list[bytes]) -> int:
        size = 0
        it = iter(reads)
        while True:
            event = conn.next_event()
            if event is NEED_DATA:
                conn.receive_data(next(it))
                continue
            if type(event) is Data:
                size += len(event.data)
            elif type(event) is EOM:
                return size

    return prepare, run


# ---------------------------------------------------------------------------------------


BODY_SIZES = {"(a)": 13, "(b)": 13, "(c)": 1 << 20, "(d)": 1 << 20}


def best_time(fn: Callable[[], None], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    repeat = 3 if args.quick else 7

    impls: list[tuple[str, Callable[[list[bytes]], int] | None]] = []
    try:
        impls.append(("fasthttpx (cython)", make_ours("fasthttpx._parser")))
    except ImportError as exc:
        print(f"compiled parser not available: {exc}", file=sys.stderr)
    impls.append(("fasthttpx (python)", make_ours("fasthttpx._parser_py")))
    try:
        impls.append(("httptools", make_httptools()))
    except ImportError:
        print("httptools not installed", file=sys.stderr)
    try:
        h11_prepare, h11_run = make_h11_factory()
        have_h11 = True
    except ImportError:
        have_h11 = False
        print("h11 not installed", file=sys.stderr)

    typical = typical_response()
    many = many_headers_response()
    c16 = chunked_response(16384)
    c1 = chunked_response(1024)
    cases = [
        ("(a) typical head + 13 B body", [typical], 20000),
        ("(b) 30 headers + 13 B body", [many], 10000),
        ("(c) 1 MiB, 16 KiB chunks, 64 KiB reads", split_reads(c16, 65536), 40),
        ("(d) 1 MiB, 1 KiB chunks, 64 KiB reads", split_reads(c1, 65536), 40),
    ]
    header = (f"{'case':40} {'implementation':20} {'µs/resp':>10} {'resp/s':>11} "
              f"{'MB/s':>9} {'vs httptools':>13} {'vs h11':>8}")
    print(f"Python {sys.version.split()[0]}; best of {repeat}")
    print(header)
    print("-" * len(header))
    for name, reads, loops in cases:
        loops = max(2, int(loops * scale))
        nbytes = sum(map(len, reads))
        body_size = BODY_SIZES[name[:3]]
        results: dict[str, float] = {}
        for impl_name, run in impls:
            assert run is not None
            expected = run(reads)  # checked once, outside the timed loop

            def loop(
                run: Callable[[list[bytes]], int] = run, reads: list[bytes] = reads,
                loops: int = loops,
            ) -> None:
                for _ in range(loops):
                    run(reads)

            results[impl_name] = best_time(loop, repeat) / loops
            assert expected == body_size, (impl_name, expected, body_size)
        if have_h11:
            h11_loops = max(2, loops // 10)

            best = float("inf")
            for _ in range(repeat):
                conns = [h11_prepare() for _ in range(h11_loops)]

                def h11_loop(conns: list[Any] = conns, reads: list[bytes] = reads) -> None:
                    for conn in conns:
                        h11_run(conn, reads)

                best = min(best, best_time(h11_loop, 1))
            results["h11"] = best / h11_loops
        for impl_name, seconds in results.items():
            ht = results.get("httptools")
            h11t = results.get("h11")
            vs_ht = f"{ht / seconds:12.2f}x" if ht else ""
            vs_h11 = f"{h11t / seconds:7.1f}x" if h11t else ""
            print(f"{name:40} {impl_name:20} {seconds * 1e6:10.2f} {1 / seconds:11,.0f} "
                  f"{nbytes / seconds / 1e6:9,.0f} {vs_ht:>13} {vs_h11:>8}")
        print()


if __name__ == "__main__":
    main()
