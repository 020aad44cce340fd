"""``make demo``: fasthttpx at work against a local server it starts itself.

Starts a small threaded HTTP/1.1 server on 127.0.0.1 (standard library only), then shows a
plain GET, a JSON POST, an async client, a streamed download, ``parallel()`` and a
malformed response being refused, and stops the server. Run: ``python scripts/demo.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout too

import fasthttpx  # noqa: E402

BIG_SIZE = 20 * 1024 * 1024


class _DemoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep the demo output clean
        return

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/":
            self._send(200, b"Hello from the fasthttpx demo server!\n")
        elif self.path.startswith("/item/"):
            time.sleep(0.05)
            item = self.path.rsplit("/", 1)[1]
            self._send(200, json.dumps({"item": item}).encode(), "application/json")
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(BIG_SIZE))
            self.end_headers()
            block = os.urandom(64 * 1024)
            for _ in range(BIG_SIZE // len(block)):
                self.wfile.write(block)
        elif self.path == "/broken":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n")
            self.close_connection = True
        else:
            self._send(404, b"not found\n")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self._send(200, json.dumps({"you_sent": json.loads(body)}).encode(), "application/json")


def _start_server() -> tuple[ThreadingHTTPServer, str]:
    ThreadingHTTPServer.request_queue_size = 128  # the parallel() part connects 20 at once
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DemoHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}"


def _title(text: str) -> None:
    print(f"\n== {text}")


def main() -> int:
    server, base = _start_server()
    print(f"fasthttpx {fasthttpx.__version__} ({fasthttpx.__implementation__} core); "
          f"demo server on {base}")
    try:
        _title("fasthttpx.get()")
        r = fasthttpx.get(base + "/")
        print(r, r.http_version, repr(r.text))

        _title("Client: POST json, keep-alive")
        with fasthttpx.Client() as client:
            r = client.post(base + "/echo", json={"hello": "world"})
            print(r, r.json())

        _title("AsyncClient: streamed 20 MiB download")

        async def download() -> None:
            async with fasthttpx.AsyncClient() as client:
                started = time.perf_counter()
                total = 0
                r = await client.get(base + "/big", stream=True)
                async for piece in r.stream():
                    total += len(piece)
                elapsed = time.perf_counter() - started
                print(r, f"{total / 2**20:.0f} MiB in {elapsed:.2f} s "
                      f"({total / 2**20 / elapsed:.0f} MiB/s)")

        asyncio.run(download())

        _title("parallel(): 20 requests of 50 ms each")

        async def in_parallel() -> None:
            async with fasthttpx.AsyncClient() as client:
                started = time.perf_counter()
                async with client.parallel() as parallel:
                    for n in range(20):
                        parallel.get(f"{base}/item/{n}")
                    items = []
                    while parallel.has_pending_responses:
                        r = await parallel.next_response()
                        items.append(r.json()["item"])
                print(f"{len(items)} responses in {time.perf_counter() - started:.2f} s, "
                      f"in completion order: {' '.join(items)}")

        asyncio.run(in_parallel())

        _title("a malformed response is refused, not guessed at")
        try:
            fasthttpx.get(base + "/broken")
        except fasthttpx.RemoteProtocolError as exc:
            print(f"RemoteProtocolError: {exc}")

        _title("command line: fasthttpx URL")
        _run_cli(base)
    finally:
        server.shutdown()
        server.server_close()
    print("\ndemo server stopped")
    return 0


def _run_cli(base: str) -> None:
    """The command line (``cli`` extra): a JSON fetch, then a download with a progress bar."""
    try:
        import click  # noqa: F401
        import rich  # noqa: F401
    except ImportError:
        print("(install the cli extra to see the command line: pip install 'fasthttpx[cli]')")
        return
    target = os.path.join(tempfile.mkdtemp(prefix="fasthttpx-demo-"), "big.bin")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    for argv in (["-v", base + "/item/7"], ["--download", target, base + "/big"]):
        print("$ fasthttpx " + " ".join(argv), flush=True)
        subprocess.run([sys.executable, "-m", "fasthttpx", *argv], env=env, check=False)
        print()
    if os.path.exists(target):
        print(f"downloaded {os.path.getsize(target)} bytes to {target}")
        os.remove(target)
        os.rmdir(os.path.dirname(target))


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    sys.exit(main())
