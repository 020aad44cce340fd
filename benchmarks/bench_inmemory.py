"""The client's own Python cost per request, with no network: an in-memory backend whose
every read and write completes at once, so a request never suspends and the figure is only
fasthttpx's code (client, prepared request, pool, connection, parser, response).

Deterministic enough to compare two source trees where socket benchmarks drown a few
hundred nanoseconds in noise: ``python benchmarks/bench_inmemory.py [TREE ...]`` runs each
tree (default: this checkout) in its own interpreter, alternately, and prints the best of
five rounds of ``--requests`` GETs for each.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import types
from collections.abc import Generator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n"
    b"Date: Sun, 29 Nov 2026 19:00:00 GMT\r\nServer: bench\r\n\r\nHello, world!"
)


@types.coroutine
def _done(value: Any) -> Generator[Any, None, Any]:
    """An awaitable that completes without suspending."""
    return value
    yield  # pragma: no cover - makes this a generator


class _Stream:
    def read(self, max_bytes: int, timeout: float | None) -> Any:
        return _done(RESPONSE)

    def write(self, data: bytes, timeout: float | None) -> Any:
        return _done(None)

    async def aclose(self) -> None:
        return None

    def is_readable_or_closed(self) -> bool:
        return False

    def get_extra_info(self, name: str) -> Any:
        return None


class _Lock:
    def __enter__(self) -> _Lock:
        return self

    def __exit__(self, *args: object) -> None:
        return None


class _Backend:
    single_threaded = True

    async def connect_tcp(self, host: str, port: int, **kwargs: Any) -> _Stream:
        return _Stream()

    async def sleep(self, seconds: float) -> None:
        return None

    def create_lock(self) -> _Lock:
        return _Lock()

    def create_event(self) -> Any:
        raise NotImplementedError("one request at a time: nobody waits")

    def create_task_group(self) -> Any:
        raise NotImplementedError

    def check_running(self) -> None:
        return None


def _run(coroutine: Any) -> Any:
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("a request suspended: the in-memory backend never should")


def measure(requests: int) -> float:
    """Best of five rounds, CPU µs per request, for the fasthttpx first on sys.path."""
    import fasthttpx

    client = fasthttpx.AsyncClient(backend=_Backend())  # type: ignore[arg-type]
    url = "http://example.org/"
    for _ in range(1000):
        response = _run(client.get(url))
    assert response.status_code == 200 and response.content == b"Hello, world!"
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(requests):
            _run(client.get(url))
        best = min(best, (time.process_time() - started) / requests * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trees", nargs="*", default=[str(ROOT)])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the trees")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(f"{measure(args.requests):.3f}")
        return
    results: dict[str, list[float]] = {tree: [] for tree in args.trees}
    for _ in range(args.rounds):
        for tree in args.trees:
            env = {**os.environ, "PYTHONPATH": tree}
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--requests", str(args.requests)],
                env=env, cwd=tree, check=True, capture_output=True, text=True,
            )
            results[tree].append(float(out.stdout.strip()))
    for tree, figures in results.items():
        print(f"{tree}: {min(figures):.2f} µs per request (runs: "
              f"{', '.join(f'{f:.2f}' for f in figures)})")


if __name__ == "__main__":
    main()
