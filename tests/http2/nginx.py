"""nginx for the HTTP/2 client tests: a real, fast, independent HTTP/2 server (issue 16).

:class:`NginxServer` (an :class:`NginxProcess`, which the SDK benchmark's nginx also is) starts
the nginx binary found on ``PATH`` (or ``/usr/sbin/nginx``) on
127.0.0.1 with its own configuration, written with everything else it needs (its pid file,
logs, temporary directories and the files it serves) into one temporary directory; the
system's configuration is never read. TLS with a trustme certificate for ``localhost``,
HTTP/2 and HTTP/1.1 by ALPN. It serves:

* ``/small.txt`` — ``SMALL`` (13 bytes); ``/large.bin`` — ``LARGE`` (1 MiB), both with a
  ``content-length`` (``sendfile``);
* ``/gz/text.txt`` — ``TEXT`` gzip-compressed on the fly when the request accepts gzip, so
  without a ``content-length`` (DATA frames to END_STREAM over HTTP/2, chunked over HTTP/1.1);
* ``/upload`` — POST: ``uploaded`` once nginx has read and discarded the request body.

``find_nginx()`` is None when nginx is absent: the fixture then skips, naming what it
looked for.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TypeVar

from tests.kit.app import deterministic_bytes

SMALL = b"Hello, nginx!"
LARGE = deterministic_bytes(1024 * 1024, seed=16)
TEXT = b"".join(b"line %06d: the quick brown fox jumps over the lazy dog\n" % n
                for n in range(4000))

#: Seconds to wait for nginx to accept connections, or to stop.
TIMEOUT = 10.0

_CONFIG = """
worker_processes 1;
daemon off;
{user}
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    types {{ text/plain txt; application/octet-stream bin; }}
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 100000;
    server {{
        {listen}
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {cert};
        root {dir}/root;
        location /gz/ {{ gzip on; gzip_types text/plain; gzip_min_length 0; }}
        location = /upload {{ client_max_body_size 64m; return 200 "uploaded"; }}
    }}
}}
"""


def find_nginx() -> str | None:
    """The nginx binary: on ``PATH``, else ``/usr/sbin/nginx`` (often not on a user's PATH)."""
    found = shutil.which("nginx")
    if found is None and os.access("/usr/sbin/nginx", os.X_OK):
        found = "/usr/sbin/nginx"
    return found


def nginx_version(binary: str) -> tuple[int, ...]:
    """(major, minor, patch) from ``nginx -v`` (it prints to stderr)."""
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=TIMEOUT)
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out.stderr + out.stdout)
    if match is None:
        raise RuntimeError(f"cannot read the version of {binary}: {out.stderr!r}")
    return tuple(int(part) for part in match.groups())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_Nginx = TypeVar("_Nginx", bound="NginxProcess")


class NginxProcess:
    """An nginx process on a free 127.0.0.1 port with its own configuration, everything it
    writes in one temporary directory; ``_write_config`` (a subclass's) writes the
    configuration for a port and returns its path. ``cpu``: pin nginx to that CPU."""

    def __init__(self, binary: str, cpu: int | None = None) -> None:
        self.binary = binary
        self.cpu = cpu
        self.port = 0
        self.version = nginx_version(binary)
        self._dir = tempfile.TemporaryDirectory(prefix="fasthttpx-nginx-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> Path:
        return Path(self._dir.name)

    def _write_config(self, port: int) -> Path:  # pragma: no cover - subclasses write it
        raise NotImplementedError

    @staticmethod
    def user_line() -> str:
        """Run as root, nginx's worker would be "nobody", which cannot read a private
        temporary directory: keep the worker as whoever runs nginx."""
        return "user root;" if os.geteuid() == 0 else ""

    def start(self: _Nginx) -> _Nginx:
        cpu = self.cpu
        for _attempt in range(3):  # another process may take the free port first
            self.port = _free_port()
            config = self._write_config(self.port)
            command = [self.binary, "-c", str(config), "-p", self._dir.name]
            if self.version >= (1, 19, 5):  # the log before the configuration is read
                command += ["-e", f"{self._dir.name}/error.log"]
            self._process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None,
            )
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError(f"nginx did not start: {self._log()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + TIMEOUT
        process = self._process
        assert process is not None
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.02)
        return False

    def _log(self) -> str:
        path = Path(self._dir.name) / "error.log"
        stderr = b""
        if self._process is not None and self._process.stderr is not None \
                and self._process.poll() is not None:
            stderr = self._process.stderr.read()
        log = path.read_text(errors="replace") if path.exists() else ""
        return (stderr.decode(errors="replace") + log)[-2000:]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()  # nginx's fast shutdown
            try:
                process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(TIMEOUT)
        if process.stderr is not None:
            process.stderr.close()

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()


class NginxServer(NginxProcess):
    """nginx serving the files above over TLS (``cert_file``: key and certificate chain)."""

    def __init__(self, binary: str, cert_file: str) -> None:
        super().__init__(binary)
        self.cert_file = cert_file

    def url(self, path: str = "/") -> str:
        return f"https://localhost:{self.port}{path}"

    def _write_config(self, port: int) -> Path:
        base = self.base
        for sub in ("tmp", "root/gz"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        (base / "root/small.txt").write_bytes(SMALL)
        (base / "root/large.bin").write_bytes(LARGE)
        (base / "root/gz/text.txt").write_bytes(TEXT)
        # nginx 1.25.1 moved HTTP/2 from a "listen" parameter to "http2 on;".
        if self.version >= (1, 25, 1):
            listen = "listen 127.0.0.1:{port} ssl; http2 on;"
        else:
            listen = "listen 127.0.0.1:{port} ssl http2;"
        config = base / "nginx.conf"
        config.write_text(_CONFIG.format(dir=base, user=self.user_line(), cert=self.cert_file,
                                         listen=listen.format(port=port)))
        return config
