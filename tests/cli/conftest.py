"""A small HTTP/1.1 server for the command-line tests, on 127.0.0.1 in a thread.

Endpoints: ``/text``, ``/json``, ``/html``, ``/binary`` (bytes that are not UTF-8),
``/large`` (a few MiB with Content-Length, for downloads), ``/redirect`` (302 to ``/json``),
``/missing`` (404 with a body), ``/slow`` (answers after ``SLOW_SECONDS``), and ``/echo``
(any method: answers with JSON describing the request it read: method, path, query, headers,
body).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

JSON_DATA = {"hello": "world", "numbers": [1, 2, 3], "nested": {"ok": True}}
TEXT_BODY = b"hello from the test server\n"
HTML_BODY = b"<!DOCTYPE html>\n<html><body><h1 class=\"t\">Hello</h1></body></html>\n"
BINARY_BODY = bytes(range(256)) * 4
#: Big enough to arrive in many reads; deterministic so the test can compare it.
LARGE_BODY = b"".join(i.to_bytes(4, "big") for i in range(768 * 1024))  # 3 MiB
NOT_FOUND_BODY = b"no such thing\n"
#: How long ``/slow`` waits before answering; the timeout test uses a much shorter timeout.
SLOW_SECONDS = 1.5


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cli-test-server"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass  # keep the test output clean

    def _send(self, status: int, body: bytes, content_type: str,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path == "/text":
            self._send(200, TEXT_BODY, "text/plain; charset=utf-8")
        elif path == "/json":
            self._send(200, json.dumps(JSON_DATA).encode(), "application/json")
        elif path == "/html":
            self._send(200, HTML_BODY, "text/html; charset=utf-8")
        elif path == "/binary":
            self._send(200, BINARY_BODY, "application/octet-stream")
        elif path == "/large":
            self._send(200, LARGE_BODY, "application/octet-stream")
        elif path == "/redirect":
            self._send(302, b"moved\n", "text/plain", {"Location": "/json"})
        elif path == "/slow":
            time.sleep(SLOW_SECONDS)
            self._send(200, TEXT_BODY, "text/plain")
        elif path == "/echo":
            echo = {
                "method": self.command,
                "path": path,
                "query": parse_qsl(urlsplit(self.path).query, keep_blank_values=True),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("latin-1"),
            }
            self._send(200, json.dumps(echo).encode(), "application/json")
        else:
            self._send(404, NOT_FOUND_BODY, "text/plain")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _route


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that timed out and left is expected here


@dataclass(frozen=True)
class CliServer:
    """The running server: ``url("/json")`` gives an absolute URL."""

    host: str
    port: int

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"


@pytest.fixture(scope="module")
def server() -> Iterator[CliServer]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, name="cli-test-server", daemon=True)
    thread.start()
    try:
        yield CliServer("127.0.0.1", httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
