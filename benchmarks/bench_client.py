"""Client benchmark: fasthttpx against the floor, aiohttp, httpx and pyreqwest, in one run.

The figure that matters is the *client's* CPU time per request: a fast server runs in another
process (``_bench_server.py``, pinned to CPU 0) and every (client, scenario) pair runs in a
fresh interpreter (``_bench_runner.py``, pinned to CPU 1) that measures only its own
``time.process_time()``. Each row shows CPU µs per request (or per MiB for S3), the
throughput, and the ratio of its CPU time to the *floor*: a minimal hand-written client
(raw asyncio Protocol / blocking socket) that writes fixed bytes and counts the response by
Content-Length -- the cost of the event loop and the sockets, with no HTTP library at all.

Scenarios:
  S1    sequential small GETs on one keep-alive connection
  S2    small GETs from 50 concurrent tasks (the floor uses 50 connections)
  S3    one 100 MiB download, streamed
  SYNC  sequential small GETs with a blocking client
  S5    sequential small HTTPS GETs on one keep-alive TLS connection (the fast server in TLS)
  S6    HTTP/2 GETs from 50 concurrent tasks on one h2c connection; the server is a minimal
        one on h2 (hypercorn would dominate the run), so req/s is partly the server's

Usage: ``python3 benchmarks/bench_client.py [--quick] [--scenarios S1,S2] [--clients a,b]
[--markdown] [--loop uvloop] [--backend trio] [--impl python]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MIB = 1024 * 1024

SCENARIOS = {
    "S1": "sequential small GETs, one keep-alive connection",
    "S2": "small GETs from 50 concurrent tasks",
    "S3": "streamed download",
    "SYNC": "sequential small GETs, blocking client",
    "P": "10,000 GETs started at once: parallel() vs gather",
    "S5": "sequential small HTTPS GETs, one keep-alive TLS connection",
    "S6": "HTTP/2 (h2c), 50 concurrent streams on one connection",
}
#: S5 and S6 run against their own server processes (TLS; HTTP/2 on h2) and clients.
S5_CLIENTS = ["floor", "aiohttp", "httpx", "fasthttpx"]
S6_CLIENTS = ["httpx", "fasthttpx"]
ASYNC_CLIENTS = ["floor", "aiohttp", "httpx", "pyreqwest", "fasthttpx"]
SYNC_CLIENTS = ["floor", "urllib3", "httpx", "pyreqwest", "fasthttpx"]
TRIO_CLIENTS = ["floor", "httpx", "fasthttpx"]

#: (requests or MiB, warm-up, repeats) per scenario, full and --quick.
FULL = {"S1": (5000, 500, 3), "S2": (20000, 1000, 2), "S3": (100, 0, 3), "SYNC": (5000, 500, 3),
        "P": (10000, 1000, 2), "S5": (5000, 500, 3), "S6": (20000, 1000, 2)}
QUICK = {"S1": (500, 100, 1), "S2": (2000, 200, 1), "S3": (10, 0, 1), "SYNC": (500, 100, 1),
         "P": (1000, 100, 1), "S5": (500, 100, 1), "S6": (2000, 200, 1)}
#: Clients of the parallel scenario: fasthttpx through parallel(), everyone through gather.
PARALLEL_CLIENTS = ["fasthttpx-parallel", "fasthttpx", "httpx", "aiohttp"]
TRIO_PARALLEL_CLIENTS = ["fasthttpx-parallel", "fasthttpx", "httpx"]
#: Seconds one (client, scenario) subprocess may take.
RUN_TIMEOUT = 180.0


@dataclass
class Row:
    scenario: str
    client: str
    cpu: float = 0.0
    wall: float = 0.0
    units: int = 0
    na: str = ""
    note: str = ""

    @property
    def per_unit_us(self) -> float:
        """CPU µs per request, or per MiB for S3."""
        scale = MIB if self.scenario == "S3" else 1
        return self.cpu / self.units * scale * 1e6

    @property
    def rate(self) -> float:
        """Requests/s, or MB/s (10^6 bytes) for S3."""
        return self.units / self.wall / (1e6 if self.scenario == "S3" else 1)


def machine_info() -> list[str]:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    lines = [
        f"Machine: {model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        f"Python {platform.python_version()} ({platform.python_implementation()})",
    ]
    versions = []
    for dist in ("aiohttp", "httpx", "pyreqwest", "urllib3", "uvloop", "trio", "fasthttpx"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} {_local_version(dist)}")
    lines.append("Clients: " + ", ".join(versions))
    return lines


def _local_version(dist: str) -> str:
    if dist != "fasthttpx":
        return "not installed"
    try:  # the in-tree package, not installed
        out = subprocess.run(
            [sys.executable, "-c", "import fasthttpx; print(fasthttpx.__version__, "
             "getattr(fasthttpx, '__implementation__', '?'))"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "n/a"
    return out.stdout.strip().replace(" ", " (", 1) + ")" if out.returncode == 0 else "n/a"


class Server:
    """The benchmark server subprocess."""

    def __init__(self, cpu: int | None, extra: list[str] | None = None) -> None:
        cmd = [sys.executable, str(HERE / "_bench_server.py"), *(extra or [])]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"benchmark server did not start: {line!r}")
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


def run_one(
    client: str, scenario: str, port: int, args: argparse.Namespace, cpu: int | None,
    ca_file: str | None = None,
) -> Row:
    n, warmup, repeat = (QUICK if args.quick else FULL)[scenario]
    cmd = [
        sys.executable, str(HERE / "_bench_runner.py"),
        "--client", client, "--scenario", scenario, "--port", str(port),
        "--warmup", str(warmup), "--repeat", str(args.repeat or repeat),
        "--loop", args.loop, "--backend", args.backend,
    ]
    cmd += ["--mib", str(n)] if scenario == "S3" else ["--n", str(n)]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    if ca_file is not None:
        cmd += ["--ca", ca_file]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if args.impl == "python":
        env["FASTHTTPX_NO_EXTENSIONS"] = "1"
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        return Row(scenario, client, na=f"n/a (timed out after {RUN_TIMEOUT:.0f} s)")
    lines = out.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("{"):
        err = (out.stderr.strip().splitlines() or ["no output"])[-1]
        if client == "fasthttpx" and ("fasthttpx" in out.stderr or "ImportError" in err):
            return Row(scenario, client, na=f"n/a (not built: {err[:80]})")
        return Row(scenario, client, na=f"n/a (failed: {err[:100]})")
    result: dict[str, Any] = json.loads(lines[-1])
    if "na" in result:
        return Row(scenario, client, na=result["na"])
    note = result.get("implementation", "")
    return Row(scenario, client, result["cpu"], result["wall"], result["units"], note=note)


def _best_row(first: Row, second: Row) -> Row:
    """The run with the least CPU per unit (a failed run never wins over a good one)."""
    if first.na:
        return second
    if second.na:
        return first
    return first if first.per_unit_us <= second.per_unit_us else second


def clients_for(scenario: str, args: argparse.Namespace) -> list[str]:
    if scenario == "P":
        available = TRIO_PARALLEL_CLIENTS if args.backend == "trio" else PARALLEL_CLIENTS
    elif scenario == "S5":
        available = S5_CLIENTS
    elif scenario == "S6":
        available = S6_CLIENTS
    elif scenario == "SYNC":
        available = SYNC_CLIENTS
    elif args.backend == "trio":
        available = TRIO_CLIENTS
    else:
        available = ASYNC_CLIENTS
    if args.clients:
        return [c for c in available if c in args.clients]
    return available


def print_text(scenario: str, rows: list[Row], args: argparse.Namespace) -> None:
    n, _, repeat = (QUICK if args.quick else FULL)[scenario]
    size = f"{n} MiB" if scenario == "S3" else f"{n} requests"
    print(f"\n{scenario}: {SCENARIOS[scenario]} ({size}, best of {args.repeat or repeat})")
    unit, rate = ("CPU µs/MiB", "MB/s") if scenario == "S3" else ("CPU µs/req", "req/s")
    base_name = "fasthttpx" if scenario == "P" else "floor"  # P: relative to our own gather
    print(f"  {'client':<18} {unit:>12} {rate:>10} {'× ' + base_name:>11}")
    floor = next((r for r in rows if r.client == base_name and not r.na), None)
    for row in rows:
        if row.na:
            print(f"  {row.client:<18} {row.na}")
            continue
        ratio = f"{row.cpu / floor.cpu:.2f}" if floor else "-"
        note = f"  ({row.note})" if row.note else ""
        print(f"  {row.client:<18} {row.per_unit_us:>12.1f} {row.rate:>10,.0f} {ratio:>11}{note}")


def print_markdown(all_rows: list[Row]) -> None:
    print("\n| scenario | client | client CPU per request (µs) | throughput | × floor CPU |")
    print("|---|---|---:|---:|---:|")
    for scenario in SCENARIOS:
        rows = [r for r in all_rows if r.scenario == scenario]
        floor = next((r for r in rows if r.client == "floor" and not r.na), None)
        for row in rows:
            if row.na:
                print(f"| {scenario} | {row.client} | {row.na} | | |")
                continue
            per = f"{row.per_unit_us:,.0f} µs/MiB" if scenario == "S3" else f"{row.per_unit_us:.1f}"
            rate = f"{row.rate:,.0f} MB/s" if scenario == "S3" else f"{row.rate:,.0f} req/s"
            ratio = f"{row.cpu / floor.cpu:.2f}" if floor else "-"
            print(f"| {scenario} | {row.client} | {per} | {rate} | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts (smoke run)")
    parser.add_argument("--scenarios", default="S1,S2,S3,SYNC")
    parser.add_argument("--clients", default="", help="comma-separated subset")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--impl", choices=["cython", "python"], default="cython",
                        help="python: run fasthttpx with FASTHTTPX_NO_EXTENSIONS=1")
    parser.add_argument("--repeat", type=int, default=0, help="rounds per run (best kept)")
    parser.add_argument(
        "--runs", type=int, default=1,
        help="run every client this many times, interleaved, and keep each one's best: on a "
             "machine whose speed drifts, the clients then share the same conditions",
    )
    args = parser.parse_args()
    args.clients = [c for c in args.clients.split(",") if c]
    scenarios = [s.strip().upper() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; choose from {list(SCENARIOS)}")

    pin = (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    server_cpu, client_cpu = (0, 1) if pin else (None, None)
    for line in machine_info():
        print(line)
    print(
        f"Event loop: {args.loop}, backend: {args.backend}, fasthttpx core: {args.impl}; "
        + ("server pinned to CPU 0, clients to CPU 1" if pin else "no CPU pinning")
    )
    start = time.perf_counter()
    server = Server(server_cpu)
    extra: dict[str, Server] = {}
    all_rows: list[Row] = []
    tmp = tempfile.TemporaryDirectory(prefix="fasthttpx-bench-")
    ca_file: str | None = None
    try:
        if "S5" in scenarios:
            # The fast server wrapped in TLS, with a trustme certificate for 127.0.0.1.
            import trustme

            ca = trustme.CA()
            ca_file = os.path.join(tmp.name, "ca.pem")
            cert_file = os.path.join(tmp.name, "server.pem")
            ca.cert_pem.write_to_path(ca_file)
            ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(cert_file)
            extra["S5"] = Server(server_cpu, ["--tls", cert_file])
        if "S6" in scenarios:
            extra["S6"] = Server(server_cpu, ["--h2"])  # a minimal server on h2, h2c
        for scenario in scenarios:
            port = extra[scenario].port if scenario in extra else server.port
            rows = []
            for _ in range(max(1, args.runs)):
                runs = [
                    run_one(client, scenario, port, args, client_cpu,
                            ca_file if scenario == "S5" else None)
                    for client in clients_for(scenario, args)
                ]
                rows = runs if not rows else [_best_row(a, b) for a, b in zip(rows, runs)]
            all_rows += rows
            print_text(scenario, rows, args)
    finally:
        server.stop()
        for other in extra.values():
            other.stop()
        tmp.cleanup()
    if args.markdown:
        print_markdown(all_rows)
    print(f"\nTotal time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
