"""HTTP/2 client CPU per request against nginx over TLS (issue 16): the compiled core, its twin
over ``h2``, and HTTP/1.1 over TLS for reference.

nginx (``/usr/sbin/nginx``; ``apt-get install nginx-light``) is started here with its own
configuration in a temporary directory: TLS with a trustme certificate, ``listen ... http2``
(nginx 1.22's spelling), every
request answered ``Hello, world!`` by nginx itself. Each (client, run) is a fresh interpreter
measuring only its own ``time.process_time()`` over the timed requests, from 50 concurrent
tasks on asyncio: HTTP/2 on one connection (50 streams), HTTP/1.1 on 50 connections. The
best of ``--runs`` is reported (µs of client CPU per request).

Usage: ``python3 benchmarks/bench_h2.py [--requests 20000] [--runs 3]``. Not part of the
tests; skips with a message when nginx is missing.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CLIENT = r"""
import asyncio, json, sys, time
import fasthttpx
url, ca, http2 = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
total, warmup = int(sys.argv[4]), int(sys.argv[5])
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

NGINX_CONF = """
worker_processes 1;
daemon off;
error_log {dir}/error.log crit;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    keepalive_requests 1000000;
    http2_max_concurrent_streams 128;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/cert.pem;
        location / {{ default_type text/plain; return 200 "Hello, world!"; }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default=None,
                        help="another source tree (built in place): its HTTP/2 as a row")
    args = parser.parse_args()
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                      else None)
    if nginx is None:
        print("nginx is not installed (apt-get install nginx-light): skipped")
        return
    import trustme

    with tempfile.TemporaryDirectory() as tmp:
        ca = trustme.CA()
        ca.cert_pem.write_to_path(f"{tmp}/ca.pem")
        ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(f"{tmp}/cert.pem")
        os.mkdir(f"{tmp}/tmp")
        port = _free_port()
        Path(f"{tmp}/nginx.conf").write_text(NGINX_CONF.format(dir=tmp, port=port))
        server = subprocess.Popen([nginx, "-c", f"{tmp}/nginx.conf", "-p", tmp])
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            url = f"https://127.0.0.1:{port}/"
            rows = [("fasthttpx HTTP/2, compiled core", "1", {}, ROOT),
                    ("fasthttpx HTTP/2, h2 twin", "1", {"FASTHTTPX_NO_EXTENSIONS": "1"}, ROOT),
                    ("fasthttpx HTTP/1.1 over TLS, 50 connections", "0", {}, ROOT)]
            if args.baseline:
                rows.append((f"baseline HTTP/2 ({args.baseline})", "1", {},
                             Path(args.baseline)))
            best: dict[str, float] = {}
            for _ in range(args.runs):
                for name, http2, env, cwd in rows:
                    out = subprocess.run(
                        [sys.executable, "-c", CLIENT, url, f"{tmp}/ca.pem", http2,
                         str(args.requests), str(min(2000, args.requests // 5))],
                        cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True,
                        timeout=600)
                    if out.returncode:
                        sys.exit(f"{name} failed:\n{out.stderr[-3000:]}")
                    result = json.loads(out.stdout.strip().splitlines()[-1])
                    best[name] = min(best.get(name, float("inf")), result["cpu_us"])
            print(f"client CPU per request, best of {args.runs}, {args.requests} requests, "
                  "50 concurrent tasks, nginx over TLS")
            for name, *_ in rows:
                print(f"  {name:45s} {best[name]:8.1f} µs")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
