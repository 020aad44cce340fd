"""HTTP/2 client CPU against nginx over TLS (issue 16): fasthttpx's compiled core, its twin over
``h2`` and its HTTP/1.1 over TLS, with pyreqwest's (Rust: reqwest, hyper) and httpx's HTTP/2
as peers, in the same run.

nginx (found on ``PATH`` or at ``/usr/sbin/nginx``; ``apt-get install nginx-light``) is started
here with its own configuration in a temporary directory: TLS with a trustme certificate,
HTTP/2 and HTTP/1.1 by ALPN, ``/`` answered ``Hello, world!`` by nginx itself, ``/big.bin`` a
100 MiB file. Two measurements, each (client, run) a fresh interpreter measuring only its own
``time.process_time()`` (every thread of the process, so pyreqwest's Rust runtime counts):

* **small**: CPU µs per small GET from 50 concurrent asyncio tasks; HTTP/2 on one
  connection (50 streams; pyreqwest and httpx as their pools decide), HTTP/1.1 on 50
  connections;
* **download**: CPU µs per MiB of one streamed 100 MiB download, after a warm-up request
  (the TLS handshake is not counted). pyreqwest gets the same flow-control windows as
  fasthttpx (2 MiB per stream, 16 MiB per connection) and nginx's frames are its default
  8 KiB (``http2_chunk_size``).

The best of ``--runs`` is reported, runs interleaved. On a shared 2-core machine the figures
move by ±10% from run to run; the ratios in one run are steadier than the absolute figures.

Usage: ``python3 benchmarks/bench_h2.py [--requests 20000] [--mib 100] [--runs 3]
[--only small,download] [--baseline TREE]``. Not part of the tests; skips with a message when
nginx is missing. A client that is not installed is reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
#: The HTTP/2 receive windows fasthttpx uses (``_http2_state``), given to pyreqwest too.
STREAM_WINDOW = 2 * MIB
CONNECTION_WINDOW = 16 * MIB

# Each client script reads: url, CA file, total (requests or bytes), warm-up requests; it
# prints one JSON line: {"cpu_us": per request or per MiB, "version": the HTTP version seen}.

FASTHTTPX_SMALL = r"""
import asyncio, json, sys, time
import fasthttpx
url, ca, total, warmup, http2 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), \
    sys.argv[5] == "1"
limits = fasthttpx.Limits(max_connections=50, max_keepalive_connections=50)

async def main():
    async with fasthttpx.AsyncClient(verify=ca, http2=http2, http1=not http2, limits=limits) as c:
        async def worker(n):
            for _ in range(n):
                r = await c.get(url)
                assert r.status_code == 200 and r.content == b"Hello, world!", r
        await asyncio.gather(*(worker(warmup // 50) for _ in range(50)))
        start = time.process_time()
        await asyncio.gather(*(worker(total // 50) for _ in range(50)))
        cpu = time.process_time() - start
        version = (await c.get(url)).http_version
    print(json.dumps({"cpu_us": cpu / total * 1e6, "version": version,
                      "implementation": fasthttpx.__implementation__}))

asyncio.run(main())
"""

FASTHTTPX_DOWNLOAD = r"""
import asyncio, json, sys, time
import fasthttpx
url, ca, total, warmup, http2 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), \
    sys.argv[5] == "1"

async def main():
    async with fasthttpx.AsyncClient(verify=ca, http2=http2, http1=not http2) as c:
        (await c.get(url.rsplit("/", 1)[0] + "/")).raise_for_status()  # connect, handshake
        size = 0
        start = time.process_time()
        async with c.stream("GET", url) as response:
            async for piece in response.aiter_raw():
                size += len(piece)
        cpu = time.process_time() - start
        assert size == total, (size, total)
    print(json.dumps({"cpu_us": cpu / (total / 2**20) * 1e6, "version": response.http_version,
                      "implementation": fasthttpx.__implementation__}))

asyncio.run(main())
"""

PYREQWEST_SMALL = r"""
import asyncio, json, os, sys, time
from pyreqwest.client import ClientBuilder
url, ca, total, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

async def main():
    with open(ca, "rb") as file:
        pem = file.read()
    client = ClientBuilder().http2(True).add_root_certificate_pem(pem).build()
    async def worker(n):
        for _ in range(n):
            response = await client.get(url).build().send()
            assert response.status == 200 and await response.bytes() == b"Hello, world!"
    await asyncio.gather(*(worker(warmup // 50) for _ in range(50)))
    start = time.process_time()
    await asyncio.gather(*(worker(total // 50) for _ in range(50)))
    cpu = time.process_time() - start
    response = await client.get(url).build().send()
    version = response.version
    await response.bytes()
    await client.close()
    print(json.dumps({"cpu_us": cpu / total * 1e6, "version": version}), flush=True)

asyncio.run(main())
os._exit(0)  # pyreqwest's runtime threads can abort interpreter finalisation
"""

PYREQWEST_DOWNLOAD = r"""
import asyncio, json, os, sys, time
from pyreqwest.client import ClientBuilder
url, ca, total, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
stream_window, connection_window = int(sys.argv[5]), int(sys.argv[6])

async def main():
    with open(ca, "rb") as file:
        pem = file.read()
    client = (ClientBuilder().http2(True).add_root_certificate_pem(pem)
              .http2_initial_stream_window_size(stream_window)
              .http2_initial_connection_window_size(connection_window).build())
    response = await client.get(url.rsplit("/", 1)[0] + "/").build().send()
    await response.bytes()
    size = 0
    start = time.process_time()
    async with client.get(url).build_streamed() as response:
        version = response.version
        while (chunk := await response.body_reader.read_chunk()) is not None:
            size += len(chunk)
    cpu = time.process_time() - start
    assert size == total, (size, total)
    await client.close()
    print(json.dumps({"cpu_us": cpu / (total / 2**20) * 1e6, "version": version}), flush=True)

asyncio.run(main())
os._exit(0)
"""

HTTPX_SMALL = r"""
import asyncio, json, sys, time
import httpx
url, ca, total, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)

async def main():
    async with httpx.AsyncClient(verify=ca, http2=True, limits=limits) as c:
        async def worker(n):
            for _ in range(n):
                r = await c.get(url)
                assert r.status_code == 200 and r.content == b"Hello, world!", r
        await asyncio.gather(*(worker(warmup // 50) for _ in range(50)))
        start = time.process_time()
        await asyncio.gather(*(worker(total // 50) for _ in range(50)))
        cpu = time.process_time() - start
        version = (await c.get(url)).http_version
    print(json.dumps({"cpu_us": cpu / total * 1e6, "version": version}))

asyncio.run(main())
"""

NGINX_CONF = """
worker_processes 1;
daemon off;
{user}
error_log {dir}/error.log crit;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    keepalive_requests 1000000;
    http2_max_concurrent_streams 128;
    default_type application/octet-stream;
    server {{
        {listen}
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/cert.pem;
        root {dir}/root;
        location = / {{ default_type text/plain; return 200 "Hello, world!"; }}
    }}
}}
"""


@dataclass
class Client:
    """One row: a client script and its arguments after (url, CA, total, warm-up)."""

    name: str
    script: str
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = ROOT
    needs: str = "fasthttpx"  # the module it imports (a row is n/a without it)


def _rows(kind: str, baseline: Path | None) -> list[Client]:
    twin = {"FASTHTTPX_NO_EXTENSIONS": "1"}
    if kind == "small":
        rows = [
            Client("fasthttpx HTTP/2, compiled core", FASTHTTPX_SMALL, ["1"]),
            Client("fasthttpx HTTP/2, h2 twin", FASTHTTPX_SMALL, ["1"], twin),
            Client("fasthttpx HTTP/1.1 over TLS, 50 connections", FASTHTTPX_SMALL, ["0"]),
            Client("pyreqwest HTTP/2", PYREQWEST_SMALL, needs="pyreqwest"),
            Client("httpx HTTP/2", HTTPX_SMALL, needs="httpx"),
        ]
        if baseline is not None:
            rows.append(Client(f"baseline HTTP/2 ({baseline})", FASTHTTPX_SMALL, ["1"],
                               cwd=baseline))
        return rows
    windows = [str(STREAM_WINDOW), str(CONNECTION_WINDOW)]
    rows = [
        Client("fasthttpx HTTP/2, compiled core", FASTHTTPX_DOWNLOAD, ["1"]),
        Client("fasthttpx HTTP/2, h2 twin", FASTHTTPX_DOWNLOAD, ["1"], twin),
        Client("fasthttpx HTTP/1.1 over TLS", FASTHTTPX_DOWNLOAD, ["0"]),
        Client("pyreqwest HTTP/2", PYREQWEST_DOWNLOAD, windows, needs="pyreqwest"),
    ]
    if baseline is not None:
        rows.append(Client(f"baseline HTTP/2 ({baseline})", FASTHTTPX_DOWNLOAD, ["1"],
                           cwd=baseline))
    return rows


def _available(module: str) -> bool:
    out = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT,
                         capture_output=True, timeout=60)
    return out.returncode == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _nginx_version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=30)
    text = (out.stderr + out.stdout).split("nginx/")[-1].split()[0]
    return tuple(int(part) for part in text.split("."))


def _run(client: Client, url: str, ca: str, total: int, warmup: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", client.script, url, ca, str(total), str(warmup), *client.args],
        cwd=client.cwd, env={**os.environ, **client.env}, capture_output=True, text=True,
        timeout=900)
    if out.returncode:
        sys.exit(f"{client.name} failed:\n{out.stderr[-3000:]}")
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _report(title: str, unit: str, rows: list[Client], best: dict[str, float],
            versions: dict[str, str], reference: str) -> None:
    print(title)
    for row in rows:
        if row.name not in best:
            print(f"  {row.name:46s} {'not installed':>12s}")
            continue
        ratio = best[row.name] / best[reference] if reference in best else float("nan")
        print(f"  {row.name:46s} {best[row.name]:10.1f} {unit}  {ratio:5.2f}×  "
              f"({versions[row.name]})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--mib", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="small,download")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another source tree (built in place): its HTTP/2 as a row")
    args = parser.parse_args()
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                      else None)
    if nginx is None:
        print("nginx is not installed (apt-get install nginx-light): skipped")
        return
    import trustme

    kinds = [kind for kind in ("small", "download") if kind in args.only.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        ca = trustme.CA()
        ca.cert_pem.write_to_path(f"{tmp}/ca.pem")
        ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(f"{tmp}/cert.pem")
        os.makedirs(f"{tmp}/tmp")
        os.makedirs(f"{tmp}/root")
        size = args.mib * MIB
        with open(f"{tmp}/root/big.bin", "wb") as file:
            block = os.urandom(MIB)
            for _ in range(args.mib):
                file.write(block)
        port = _free_port()
        listen = (f"listen 127.0.0.1:{port} ssl; http2 on;" if _nginx_version(nginx) >= (1, 25, 1)
                  else f"listen 127.0.0.1:{port} ssl http2;")
        user = "user root;" if os.geteuid() == 0 else ""  # the worker reads our temp dir
        Path(f"{tmp}/nginx.conf").write_text(NGINX_CONF.format(dir=tmp, listen=listen,
                                                               user=user))
        server = subprocess.Popen([nginx, "-c", f"{tmp}/nginx.conf", "-p", tmp])
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            base = f"https://127.0.0.1:{port}"
            print(f"nginx {'.'.join(map(str, _nginx_version(nginx)))} over TLS, "
                  f"{os.cpu_count()} CPUs (shared: figures move by ±10%), best of {args.runs}")
            for kind in kinds:
                rows = [row for row in _rows(kind, args.baseline) if _available(row.needs)]
                missing = [row for row in _rows(kind, args.baseline) if row not in rows]
                best: dict[str, float] = {}
                versions: dict[str, str] = {}
                for _ in range(args.runs):
                    for row in rows:
                        if kind == "small":
                            result = _run(row, base + "/", f"{tmp}/ca.pem", args.requests,
                                          min(2000, args.requests // 5))
                        else:
                            result = _run(row, base + "/big.bin", f"{tmp}/ca.pem", size, 0)
                        cpu = float(result["cpu_us"])  # type: ignore[arg-type]
                        best[row.name] = min(best.get(row.name, float("inf")), cpu)
                        versions[row.name] = str(result["version"])
                if kind == "small":
                    title = (f"small GETs: client CPU per request, {args.requests} requests, "
                             "50 concurrent tasks (ratio to HTTP/1.1 over TLS)")
                    _report(title, "µs", rows + missing, best, versions,
                            "fasthttpx HTTP/1.1 over TLS, 50 connections")
                else:
                    title = (f"download: client CPU per MiB of one {args.mib} MiB response "
                             "(ratio to HTTP/1.1 over TLS)")
                    _report(title, "µs/MiB", rows + missing, best, versions,
                            "fasthttpx HTTP/1.1 over TLS")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
