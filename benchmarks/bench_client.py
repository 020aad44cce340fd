"""Client benchmark: fasthttpx against the floor, aiohttp, httpx and pyreqwest, in one run.

The figure that matters is the *client's* CPU time per request: a fast server runs in another
process (``_bench_server.py``, pinned to CPU 0) and every (client, scenario) pair runs in a
fresh interpreter (``_bench_runner.py``, pinned to CPU 1) that measures only its own
``time.process_time()``. Each row shows CPU µs per request (or per MiB for S3), the
throughput, and the ratio of its CPU time to the *floor*: the cheapest bare client one can
write on that loop, which writes fixed request bytes and counts the response body by
Content-Length -- the cost of the event loop and the sockets, with no HTTP library at all.
Every floor reads into one reused buffer, never a fresh bytes object per read:

  asyncio, uvloop  an ``asyncio.BufferedProtocol`` whose ``get_buffer`` hands the transport
                   one 256 KiB buffer shared by all connections of the loop (the transport
                   ``recv_into``s it); the head is searched in place
  S5 (TLS)         the same protocol over a plain TCP transport doing TLS itself with
                   memory BIOs (``SSLObject.read(n, buffer)`` decrypts into the buffer): a
                   little cheaper on asyncio than the loop's SSL transport under the same
                   buffered protocol (client ``floor-sslproto``; asyncio's SSL transport
                   supports buffered protocols since 3.11, uvloop's too), as cheap on uvloop
  trio             ``recv_into`` on the trio socket under ``trio.open_tcp_stream``
                   (``SocketStream.receive_some`` would allocate a bytes object per read)
  SYNC             ``recv_into`` on a blocking socket

A plain ``asyncio.Protocol`` floor (client ``floor-plain``; ``floor-sslproto-plain`` in S5)
makes the transport allocate up to 256 KiB per read, which glibc may serve with mmap,
mremap and munmap: that churn once put fasthttpx *below* such a floor in S2.

Scenarios:
  S1    sequential small GETs on one keep-alive connection
  S2    small GETs from 50 concurrent tasks (the floor uses 50 connections)
  S3    one 100 MiB download, streamed
  SYNC  sequential small GETs with a blocking client
  S5    sequential small HTTPS GETs on one keep-alive TLS connection (the fast server in TLS)
  S6    HTTP/2 GETs from 50 concurrent tasks on one h2c connection; the server is a minimal
        one on h2 (hypercorn would dominate the run), so req/s is partly the server's

Before/after: ``--baseline TREE`` (repeatable) adds the client ``fasthttpx@<TREE's name>``:
the same runner with TREE first on PYTHONPATH, so fasthttpx is imported from that source tree
(build its extensions there first: ``python setup.py build_ext --inplace``); a row whose
fasthttpx came from elsewhere is reported n/a. With ``--runs N`` every client runs N times,
interleaved (each baseline right next to this checkout's fasthttpx, every other run in
reverse order), keeping each client's best and showing the spread of its runs.

Usage: ``python3 benchmarks/bench_client.py [--quick] [--scenarios S1,S2] [--clients a,b]
[--markdown] [--markdown-out FILE] [--loop uvloop] [--backend trio] [--impl python]
[--runs N] [--baseline TREE]``.
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
from dataclasses import dataclass, field
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
    #: CPU per unit of every successful run (best first once merged), for the spread.
    samples: list[float] = field(default_factory=list)

    @property
    def per_unit_us(self) -> float:
        """CPU µs per request, or per MiB for S3."""
        scale = MIB if self.scenario == "S3" else 1
        return self.cpu / self.units * scale * 1e6

    @property
    def rate(self) -> float:
        """Requests/s, or MB/s (10^6 bytes) for S3."""
        return self.units / self.wall / (1e6 if self.scenario == "S3" else 1)

    @property
    def spread(self) -> str:
        """Worst run against the best, over the interleaved runs: ``+7% (5 runs)``."""
        if len(self.samples) < 2:
            return ""
        best, worst = min(self.samples), max(self.samples)
        return f"+{(worst / best - 1) * 100:.0f}% ({len(self.samples)} runs)"


def machine_info(baselines: list[Path] | None = None) -> list[str]:
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
    for tree in baselines or []:
        version = _local_version("fasthttpx", tree)
        lines.append(f"Baseline fasthttpx@{tree.name}: {tree}, fasthttpx {version}")
    return lines


def _local_version(dist: str, tree: Path = ROOT) -> str:
    if dist != "fasthttpx":
        return "not installed"
    try:  # the in-tree package, not installed
        out = subprocess.run(
            [sys.executable, "-c", "import fasthttpx; print(fasthttpx.__version__, "
             "getattr(fasthttpx, '__implementation__', '?'))"],
            cwd=tree, capture_output=True, text=True, timeout=60, env=_env_for(tree),
        )
    except (OSError, subprocess.TimeoutExpired):
        return "n/a"
    return out.stdout.strip().replace(" ", " (", 1) + ")" if out.returncode == 0 else "n/a"


def _env_for(tree: Path) -> dict[str, str]:
    """The environment of a subprocess importing fasthttpx from ``tree``: first on
    PYTHONPATH, ahead of the editable install of this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def split_client(client: str, args: argparse.Namespace) -> tuple[str, Path]:
    """``fasthttpx@baseline`` -> (``fasthttpx``, that source tree); others run from ROOT."""
    name, _, label = client.partition("@")
    if not label:
        return client, ROOT
    return name, args.baseline_trees[label]


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
    runner_client, tree = split_client(client, args)
    cmd = [
        sys.executable, str(HERE / "_bench_runner.py"),
        "--client", runner_client, "--scenario", scenario, "--port", str(port),
        "--warmup", str(warmup), "--repeat", str(args.repeat or repeat),
        "--loop", args.loop, "--backend", args.backend,
    ]
    cmd += ["--mib", str(n)] if scenario == "S3" else ["--n", str(n)]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    if ca_file is not None:
        cmd += ["--ca", ca_file]
    env = _env_for(tree)  # the runner is always this checkout's; fasthttpx comes from tree
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
        if runner_client.startswith("fasthttpx") and (
            "ImportError" in err or "ModuleNotFoundError" in err
        ):
            return Row(scenario, client, na=f"n/a (not built: {err[:80]})")
        return Row(scenario, client, na=f"n/a (failed: {err[:100]})")
    result: dict[str, Any] = json.loads(lines[-1])
    if "na" in result:
        return Row(scenario, client, na=result["na"])
    note = result.get("implementation", "")
    module = result.get("module")
    if module is not None and not Path(module).resolve().is_relative_to(tree.resolve()):
        return Row(scenario, client, na=f"n/a (imported {module}, not from {tree})")
    row = Row(scenario, client, result["cpu"], result["wall"], result["units"], note=note)
    row.samples.append(row.per_unit_us)
    return row


def _best_row(first: Row, second: Row) -> Row:
    """The run with the least CPU per unit (a failed run never wins over a good one),
    carrying the figures of both for the spread."""
    if first.na:
        return second
    if second.na:
        return first
    best = first if first.per_unit_us <= second.per_unit_us else second
    best.samples = sorted(first.samples + second.samples)
    return best


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
    if args.clients and args.backend == "asyncio":  # the other floors, only when asked for
        optional = (["floor-sslproto", "floor-sslproto-plain"] if scenario == "S5" else
                    ["floor-plain"] if scenario in ("S1", "S2", "S3") else [])
        available = available[:1] + optional + available[1:]
    with_baselines: list[str] = []
    for client in available:
        if client.startswith("fasthttpx"):  # each baseline runs right before this tree
            with_baselines += [f"{client}@{label}" for label in args.baseline_trees]
        with_baselines.append(client)
    if args.clients:
        return [c for c in with_baselines if c in args.clients]
    return with_baselines


def print_text(scenario: str, rows: list[Row], args: argparse.Namespace) -> None:
    n, _, repeat = (QUICK if args.quick else FULL)[scenario]
    size = f"{n} MiB" if scenario == "S3" else f"{n} requests"
    runs = f" × {args.runs} runs" if args.runs > 1 else ""
    print(f"\n{scenario}: {SCENARIOS[scenario]} ({size}, best of {args.repeat or repeat}{runs})")
    unit, rate = ("CPU µs/MiB", "MB/s") if scenario == "S3" else ("CPU µs/req", "req/s")
    base_name = "fasthttpx" if scenario == "P" else "floor"  # P: relative to our own gather
    print(f"  {'client':<22} {unit:>12} {rate:>10} {'× ' + base_name:>11}  spread")
    floor = next((r for r in rows if r.client == base_name and not r.na), None)
    for row in rows:
        if row.na:
            print(f"  {row.client:<22} {row.na}")
            continue
        ratio = f"{row.cpu / floor.cpu:.2f}" if floor else "-"
        note = f"  ({row.note})" if row.note else ""
        print(f"  {row.client:<22} {row.per_unit_us:>12.1f} {row.rate:>10,.0f} {ratio:>11}"
              f"  {row.spread}{note}")


def markdown_table(all_rows: list[Row]) -> list[str]:
    lines = [
        "| scenario | client | client CPU per request (µs) | throughput | × floor CPU "
        "| spread (worst vs best run) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for scenario in SCENARIOS:
        rows = [r for r in all_rows if r.scenario == scenario]
        floor = next((r for r in rows if r.client == "floor" and not r.na), None)
        for row in rows:
            if row.na:
                lines.append(f"| {scenario} | {row.client} | {row.na} | | | |")
                continue
            per = f"{row.per_unit_us:,.0f} µs/MiB" if scenario == "S3" else f"{row.per_unit_us:.1f}"
            rate = f"{row.rate:,.0f} MB/s" if scenario == "S3" else f"{row.rate:,.0f} req/s"
            ratio = f"{row.cpu / floor.cpu:.2f}" if floor else "-"
            lines.append(f"| {scenario} | {row.client} | {per} | {rate} | {ratio} | {row.spread} |")
    return lines


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
    parser.add_argument(
        "--baseline", action="append", default=[], metavar="TREE",
        help="also run fasthttpx from this source tree (its extensions built in place) as "
             "client fasthttpx@<TREE's name>, right before this checkout's, in every run",
    )
    parser.add_argument(
        "--markdown-out", default="", metavar="FILE",
        help="append a Markdown section (machine, command, table) to FILE",
    )
    args = parser.parse_args()
    args.baseline_trees = {Path(t).resolve().name: Path(t).resolve() for t in args.baseline}
    for tree in args.baseline_trees.values():
        if not (tree / "fasthttpx" / "__init__.py").is_file():
            parser.error(f"--baseline {tree}: no fasthttpx package there")
    args.clients = [c for c in args.clients.split(",") if c]
    scenarios = [s.strip().upper() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; choose from {list(SCENARIOS)}")

    pin = (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    server_cpu, client_cpu = (0, 1) if pin else (None, None)
    header = machine_info(list(args.baseline_trees.values()))
    header.append(
        f"Event loop: {args.loop}, backend: {args.backend}, fasthttpx core: {args.impl}; "
        + ("server pinned to CPU 0, clients to CPU 1" if pin else "no CPU pinning")
        + f"; {max(1, args.runs)} interleaved run(s) per client, best kept"
    )
    for line in header:
        print(line)
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
            rows: list[Row] = []
            clients = clients_for(scenario, args)
            for i in range(max(1, args.runs)):
                # Every other run goes through the clients in reverse order, so a drift in the
                # machine's speed during a run does not always favour the same neighbour.
                order = clients if i % 2 == 0 else clients[::-1]
                results = {
                    client: run_one(client, scenario, port, args, client_cpu,
                                    ca_file if scenario == "S5" else None)
                    for client in order
                }
                runs = [results[client] for client in clients]
                rows = runs if not rows else [_best_row(a, b) for a, b in zip(rows, runs)]
            all_rows += rows
            print_text(scenario, rows, args)
    finally:
        server.stop()
        for other in extra.values():
            other.stop()
        tmp.cleanup()
    table = markdown_table(all_rows)
    if args.markdown:
        print("\n" + "\n".join(table))
    if args.markdown_out:
        command = " ".join(["python3", "benchmarks/bench_client.py", *sys.argv[1:]])
        with open(args.markdown_out, "a", encoding="utf-8") as out:
            out.write(f"## {args.loop} / {args.backend}: {', '.join(scenarios)}\n\n")
            out.write("".join(f"    {line}\n" for line in [f"$ {command}", *header]))
            out.write("\n" + "\n".join(table) + "\n\n")
    print(f"\nTotal time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
