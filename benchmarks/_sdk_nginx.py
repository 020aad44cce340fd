"""The fake API's answers served by nginx, for ``bench_sdk.py --server nginx``.

uvicorn running the fake API is a Python process: every call it answers runs a few hundred
microseconds of Python on the machine the client shares. nginx answers from C, with the
same bytes (``tests/kit/fake_api.py`` builds them), so the client's figures show what the
client costs when the server is not another Python program next to it. Each scenario has its
own path prefix (``/openai``, ``/openai-stream``, ``/anthropic``, ``/anthropic-stream``): nginx
does not read the request body to tell a streamed call from a plain one. Streams are sent
whole, with a ``content-length`` (the SDKs read them as server-sent events all the same).
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.http2.nginx import find_nginx
from tests.kit import fake_api

__all__ = ["NginxAPI", "find_nginx"]

_CONFIG = """
worker_processes 1;
daemon off;
{user}
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server {{
        listen 127.0.0.1:{port};
{locations}
    }}
}}
"""


_ANSWERS = {
    # path: (fake API headers, body builder)
    "/openai/v1/chat/completions": (fake_api.JSON_HEADERS, fake_api.openai_completion),
    "/openai-stream/v1/chat/completions": (
        fake_api.SSE_HEADERS,
        lambda model, tokens: b"".join(fake_api.openai_stream_events(model, tokens))),
    "/anthropic/v1/messages": (fake_api.JSON_HEADERS, fake_api.anthropic_message),
    "/anthropic-stream/v1/messages": (
        fake_api.SSE_HEADERS,
        lambda model, tokens: b"".join(fake_api.anthropic_stream_events(model, tokens))),
}


def write_answers(root: Path, tokens: int) -> str:
    """Write each answer as a file under ``root``; return the ``location`` blocks serving
    them. nginx's static files refuse POST (405): ``error_page 405 =200 $uri`` serves the
    file anyway, as a 200, from an internal GET."""
    blocks = []
    for path, (headers, build) in _ANSWERS.items():
        file = root / path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(build("bench", tokens))
        fields = dict(headers)
        extra = "".join(f" add_header {name.decode()} '{value.decode()}';"
                        for name, value in headers if name != b"content-type")
        blocks.append(
            f"        location = {path} {{ root {root}; types {{ }}"
            f" default_type '{fields[b'content-type'].decode()}';{extra}"
            f" error_page 405 =200 $uri; }}\n"
        )
    return "".join(blocks)


class NginxAPI:
    """nginx on 127.0.0.1 answering the four scenarios; ``url`` is its origin."""

    def url_for(self, scenario: str) -> str:
        """The base URL a scenario's SDK client uses (its answers live under it)."""
        return f"{self.url}/{scenario}"

    def __init__(self, binary: str, tokens: int, cpu: int | None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="fasthttpx-sdk-nginx-")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        base = Path(self._dir.name)
        (base / "body").mkdir()
        user = "user root;" if os.geteuid() == 0 else ""
        config = base / "nginx.conf"
        locations = write_answers(base / "root", tokens)
        config.write_text(_CONFIG.format(dir=base, user=user, port=port,
                                         locations=locations))
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [binary, "-c", str(config), "-p", str(base), "-e", str(base / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.proc.terminate()
        _, stderr = self.proc.communicate(timeout=10)
        log = (base / "error.log").read_text() if (base / "error.log").exists() else ""
        self._dir.cleanup()
        raise RuntimeError(f"nginx did not start: {stderr.decode()[-1000:]} {log[-1000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        self._dir.cleanup()
