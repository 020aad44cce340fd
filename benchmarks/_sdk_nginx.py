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

from pathlib import Path

from tests.http2.nginx import NginxProcess, find_nginx
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


class NginxAPI(NginxProcess):
    """nginx on 127.0.0.1 answering the four scenarios (``start()`` it); ``url`` is its
    origin."""

    def __init__(self, binary: str, tokens: int, cpu: int | None) -> None:
        super().__init__(binary, cpu)
        self.tokens = tokens

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, scenario: str) -> str:
        """The base URL a scenario's SDK client uses (its answers live under it)."""
        return f"{self.url}/{scenario}"

    def _write_config(self, port: int) -> Path:
        base = self.base
        (base / "body").mkdir(exist_ok=True)
        config = base / "nginx.conf"
        config.write_text(_CONFIG.format(dir=base, user=self.user_line(), port=port,
                                         locations=write_answers(base / "root", self.tokens)))
        return config
