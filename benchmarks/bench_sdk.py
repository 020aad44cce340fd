"""Client CPU per SDK call: the OpenAI and Anthropic SDKs on their default engine (httpx2 over
httpcore2), on their aiohttp engine (``DefaultAioHttpClient``), on fasthttpx (the httpx2
adapter), and on the floor: the SDK with an httpx2 ``MockTransport`` that answers at once
(for streams: the same bytes, in one piece), i.e. the SDK and httpx2's client layer
with no network engine at all. The *wait floor* is that floor after one 50 µs
``asyncio.sleep`` per call: waiting costs a process more than the wait itself (on a shared
machine its caches are cold when it wakes), every engine that goes to the network waits, and
none can avoid that part. The *network floor* (``_sdk_netfloor.py``) is the least a transport
can do and still wait for the server: one socket, no checks.

Scenarios: ``openai`` (``chat.completions.create``), ``openai-stream`` (the same, streamed,
``--tokens`` tokens: one server-sent event each), ``anthropic`` (``messages.create``),
``anthropic-stream``. The server is the test kit's fake API (``tests/kit/fake_api.py``) under
uvicorn (or, with ``--server nginx``, its answers served by nginx: no Python next to the client,
as when the API is another machine) in its own process (pinned to CPU 0 when there are two; the
clients to CPU 1), so its CPU is not counted. Each (scenario, engine) runs in a fresh
interpreter: a warm-up, then ``--repeat`` batches of calls timed with ``time.process_time()``
(every thread of the client process), the best batch kept; ``--runs`` rounds go through the
engines in alternating order and the best round is kept. Reported: µs of client CPU per call,
and the ratio to the floor.

It also measures the adapter's own work per request, in process: turning an httpx2 request
(one the OpenAI SDK built) into ours and our response head into an httpx2 response's parts
(everything but httpx2's own ``Response`` constructor, which every transport pays).

Run: ``python benchmarks/bench_sdk.py [--runs 3] [--calls 1000] [--markdown]`` (``make
bench-sdk``). Needs openai, anthropic, httpx2 and aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import timeit
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks._sdk_nginx import NginxAPI, find_nginx  # noqa: E402

ENGINES = ["floor", "waitfloor", "netfloor", "default", "aiohttp", "fasthttpx"]
#: Seconds the wait floor sleeps per call: about one loopback round trip to the fake API.
WAIT_FLOOR_SLEEP = 50e-6
SCENARIOS = ["openai", "anthropic", "openai-stream", "anthropic-stream"]
MESSAGES: list[Any] = [{"role": "user", "content": "Say something."}]


# --- the worker: one engine, one scenario, in a fresh interpreter -----------------------------


def _sdk(scenario: str) -> Any:
    if scenario.startswith("openai"):
        import openai

        return openai
    import anthropic

    return anthropic


def _floor_transport(scenario: str, tokens: int) -> Any:
    """An httpx2 ``MockTransport`` answering with the fake API's own bytes, at once."""
    import httpx2

    from tests.kit import fake_api

    model = "bench"
    if scenario == "openai":
        body = fake_api.openai_completion(model, tokens)
    elif scenario == "anthropic":
        body = fake_api.anthropic_message(model, tokens)
    elif scenario == "openai-stream":
        events = fake_api.openai_stream_events(model, tokens)
    else:
        events = fake_api.anthropic_stream_events(model, tokens)

    class Events(httpx2.AsyncByteStream):
        """The whole event stream in one piece: what a real engine hands over when the
        server's events arrive together (one piece per event would make the SDK decode more
        pieces than under any engine, and the floor would not be the cheapest)."""

        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"".join(events)

    def handler(request: Any) -> Any:
        if scenario.endswith("-stream"):
            headers = fake_api.SSE_HEADERS + [(b"transfer-encoding", b"chunked")]
            return httpx2.Response(200, headers=headers, stream=Events())
        headers = fake_api.JSON_HEADERS + [(b"content-length", str(len(body)).encode())]
        return httpx2.Response(200, headers=headers, content=body)

    return httpx2.MockTransport(handler)


class _WaitingTransport:
    """The MockTransport floor after one ``asyncio.sleep``: every engine that goes to the
    network waits once per call, and on this kind of machine a process that slept runs its
    next few hundred microseconds of Python measurably slower (cold caches); no engine can
    avoid that, so this floor shows what is left to the engine once it is paid."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def handle_async_request(self, request: Any) -> Any:
        await asyncio.sleep(WAIT_FLOOR_SLEEP)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _http_client(engine: str, scenario: str, tokens: int) -> Any:
    sdk = _sdk(scenario)
    if engine == "default":
        return sdk.DefaultAsyncHttpxClient()
    if engine == "aiohttp":
        return sdk.DefaultAioHttpClient()
    if engine == "fasthttpx":
        from fasthttpx.adapters.httpx2 import AsyncTransport

        return sdk.DefaultAsyncHttpxClient(transport=AsyncTransport())
    if engine == "waitfloor":
        return sdk.DefaultAsyncHttpxClient(transport=_WaitingTransport(
            _floor_transport(scenario, tokens)))
    if engine == "netfloor":
        from benchmarks._sdk_netfloor import NetFloorTransport

        return sdk.DefaultAsyncHttpxClient(transport=NetFloorTransport())
    return sdk.DefaultAsyncHttpxClient(transport=_floor_transport(scenario, tokens))


def _call(scenario: str, client: Any, tokens: int) -> Callable[[], Awaitable[None]]:
    if scenario == "openai":
        async def call() -> None:
            completion = await client.chat.completions.create(
                model="bench", messages=MESSAGES, max_completion_tokens=tokens
            )
            assert completion.choices[0].message.content
    elif scenario == "openai-stream":
        async def call() -> None:
            stream = await client.chat.completions.create(
                model="bench", messages=MESSAGES, max_completion_tokens=tokens, stream=True
            )
            count = 0
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    count += 1
            assert count == tokens, count
    elif scenario == "anthropic":
        async def call() -> None:
            message = await client.messages.create(
                model="bench", messages=MESSAGES, max_tokens=tokens
            )
            assert message.content[0].text
    else:
        async def call() -> None:
            stream = await client.messages.create(
                model="bench", messages=MESSAGES, max_tokens=tokens, stream=True
            )
            count = 0
            async for event in stream:
                if event.type == "content_block_delta":
                    count += 1
            assert count == tokens, count
    return call


async def _measure(args: argparse.Namespace) -> float:
    sdk = _sdk(args.scenario)
    http_client = _http_client(args.engine, args.scenario, args.tokens)
    options: dict[str, Any] = {"api_key": "bench", "http_client": http_client, "max_retries": 0}
    if args.scenario.startswith("openai"):
        client = sdk.AsyncOpenAI(base_url=args.url + "/v1", **options)
    else:
        client = sdk.AsyncAnthropic(base_url=args.url, **options)
    call = _call(args.scenario, client, args.tokens)
    best = float("inf")
    async with client:
        for _ in range(args.warmup):
            await call()
        for _ in range(args.repeat):
            started = time.process_time()
            for _ in range(args.calls):
                await call()
            best = min(best, (time.process_time() - started) / args.calls)
    return best


def worker(args: argparse.Namespace) -> None:
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    try:
        seconds = asyncio.run(_measure(args))
    except Exception as exc:  # an engine that cannot run here is reported, not fatal
        print(json.dumps({"na": f"{type(exc).__name__}: {exc}"}))
        return
    print(json.dumps({"us": seconds * 1e6}))


# --- the adapter's own work per request -------------------------------------------------------


def conversion_cost(number: int = 20000) -> dict[str, float]:
    """µs per request of the adapter's conversions, on a request the OpenAI SDK built."""
    import httpx2
    import openai

    from fasthttpx._streams import MemoryBody
    from fasthttpx.adapters._async.transport import AsyncAdapterStream
    from fasthttpx.adapters._mapping import response_extensions, to_request
    from fasthttpx.adapters.httpx2 import LIBRARY
    from tests.kit import fake_api

    captured: list[Any] = []
    body = fake_api.openai_completion("bench", 50)
    headers = fake_api.JSON_HEADERS + [(b"content-length", str(len(body)).encode())]

    def handler(request: Any) -> Any:
        captured.append(request)
        return httpx2.Response(200, headers=headers, content=body)

    async def one_call() -> None:
        client = openai.AsyncOpenAI(
            api_key="bench", base_url="http://127.0.0.1:1/v1",
            http_client=openai.DefaultAsyncHttpxClient(transport=httpx2.MockTransport(handler)),
        )
        async with client:
            await client.chat.completions.create(model="bench", messages=MESSAGES)

    asyncio.run(one_call())
    request = captured[0]
    byte_stream = LIBRARY.byte_stream_class
    wire_headers = list(headers)

    def request_side() -> None:
        to_request(request, byte_stream)

    def response_side() -> None:
        list(wire_headers)  # our ``headers.raw`` copy
        AsyncAdapterStream(MemoryBody(body), LIBRARY, request)
        response_extensions("HTTP/1.1", "OK")

    def library_response() -> None:
        httpx2.Response(
            200, headers=list(wire_headers),
            stream=AsyncAdapterStream(MemoryBody(body), LIBRARY, request),
            extensions=response_extensions("HTTP/1.1", "OK"),
        )

    def best(func: Callable[[], None]) -> float:
        return min(timeit.repeat(func, number=number, repeat=5)) / number * 1e6

    return {"request": best(request_side), "response": best(response_side),
            "httpx2_response": best(library_response)}


# --- our engine in memory: its own Python per SDK call ----------------------------------------


def _wire_pieces(scenario: str, tokens: int) -> list[bytes]:
    """The fake API's answer as it comes off the wire: the head (and whole body) for plain
    calls; the head, then one chunk per event, then the last chunk, for streams."""
    from tests.kit import fake_api

    if not scenario.endswith("-stream"):
        body = (fake_api.openai_completion if scenario == "openai"
                else fake_api.anthropic_message)("bench", tokens)
        fields = fake_api.JSON_HEADERS + [(b"content-length", str(len(body)).encode())]
        return [b"HTTP/1.1 200 OK\r\n" + b"".join(b"%s: %s\r\n" % f for f in fields)
                + b"\r\n" + body]
    events = (fake_api.openai_stream_events if scenario == "openai-stream"
              else fake_api.anthropic_stream_events)("bench", tokens)
    fields = fake_api.SSE_HEADERS + [(b"transfer-encoding", b"chunked")]
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"%s: %s\r\n" % f for f in fields) + b"\r\n"
    return [head] + [b"%x\r\n%s\r\n" % (len(e), e) for e in events] + [b"0\r\n\r\n"]


class _Ready:
    """An awaitable that is already complete (the in-memory stream never suspends)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Any:
        return self.value
        yield  # pragma: no cover - makes this a generator


class _MemoryStream:
    """Each request written starts the same answer over; each read returns its next piece."""

    def __init__(self, pieces: list[bytes]) -> None:
        self._answer = pieces
        self._pending: list[bytes] = []

    def write(self, data: bytes, timeout: float | None) -> Any:
        self._pending = list(self._answer)
        return _Ready(None)

    def read(self, max_bytes: int, timeout: float | None) -> Any:
        return _Ready(self._pending.pop(0))

    async def aclose(self) -> None:
        return None

    def is_readable_or_closed(self) -> bool:
        return False

    def get_extra_info(self, name: str) -> Any:
        return None


class _MemoryBackend:
    """fasthttpx's backend interface over ``_MemoryStream``: nothing ever waits."""

    single_threaded = True

    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = pieces

    async def connect_tcp(self, host: str, port: int, **kwargs: Any) -> _MemoryStream:
        return _MemoryStream(self._pieces)

    def create_lock(self) -> Any:
        import threading

        return threading.RLock()

    def create_event(self) -> Any:
        raise NotImplementedError("one request at a time: nobody waits")


def engine_in_memory(scenario: str, tokens: int, calls: int) -> tuple[float, float]:
    """(floor, fasthttpx in memory): CPU µs per SDK call, best of five interleaved rounds,
    in this process. The difference is our engine's own Python per call (adapter, pool,
    connection, parser), with no waiting for a socket in either."""
    from fasthttpx.adapters.httpx2 import AsyncTransport

    sdk = _sdk(scenario)
    clients = {
        "floor": _http_client("floor", scenario, tokens),
        "memory": sdk.DefaultAsyncHttpxClient(transport=AsyncTransport(
            backend=_MemoryBackend(_wire_pieces(scenario, tokens)))),
    }

    async def run() -> dict[str, float]:
        call = {}
        for name, http_client in clients.items():
            options: dict[str, Any] = {"api_key": "bench", "http_client": http_client,
                                       "max_retries": 0}
            if scenario.startswith("openai"):
                client = sdk.AsyncOpenAI(base_url="http://127.0.0.1:9/v1", **options)
            else:
                client = sdk.AsyncAnthropic(base_url="http://127.0.0.1:9", **options)
            call[name] = _call(scenario, client, tokens)
            for _ in range(max(1, calls // 5)):
                await call[name]()
        best = dict.fromkeys(call, float("inf"))
        for _ in range(5):
            for name in call:
                started = time.process_time()
                for _ in range(calls):
                    await call[name]()
                best[name] = min(best[name], (time.process_time() - started) / calls * 1e6)
        return best

    best = asyncio.run(run())
    return best["floor"], best["memory"]


# --- the driver -------------------------------------------------------------------------------


class Server:
    """The fake API in its own process."""

    def __init__(self, cpu: int | None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.kit.fake_api", "--port", "0"],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
            preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.close()
            raise RuntimeError(f"fake API did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def url_for(self, scenario: str) -> str:
        return self.url

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def run_one(engine: str, scenario: str, url: str, args: argparse.Namespace,
            cpu: int | None) -> float | str:
    streamed = scenario.endswith("-stream")
    calls = max(1, args.calls // 4) if streamed else args.calls
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--engine", engine,
           "--scenario", scenario, "--url", url, "--calls", str(calls),
           "--warmup", str(max(1, calls // 5)), "--repeat", str(args.repeat),
           "--tokens", str(args.tokens if streamed else args.tokens)]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return f"failed: {out.stderr.strip().splitlines()[-1:] or out.returncode}"
    result = json.loads(lines[-1])
    return float(result["us"]) if "us" in result else str(result["na"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds; the best is kept")
    parser.add_argument("--calls", type=int, default=1000,
                        help="calls per timed batch (streamed scenarios: a quarter)")
    parser.add_argument("--repeat", type=int, default=3, help="timed batches per worker")
    parser.add_argument("--tokens", type=int, default=50)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--server", choices=["uvicorn", "nginx"], default="uvicorn",
                        help="the fake API under uvicorn (Python), or its answers from nginx")
    # worker mode (internal)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    engines = [e for e in args.engines.split(",") if e]
    scenarios = [s for s in args.scenarios.split(",") if s]
    pin = (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    server_cpu, client_cpu = (0, 1) if pin else (None, None)
    import anthropic
    import httpx2
    import openai

    print(f"fake API served by {args.server}; Python {sys.version.split()[0]}, "
          f"openai {openai.__version__}, anthropic "
          f"{anthropic.__version__}, httpx2 {httpx2.__version__}; "
          + ("server on CPU 0, clients on CPU 1" if pin else "no CPU pinning")
          + f"; best of {args.runs} round(s) x {args.repeat} batch(es)")
    results: dict[tuple[str, str], float | str] = {}
    server: Server | NginxAPI
    if args.server == "nginx":
        binary = find_nginx()
        if binary is None:
            raise SystemExit("--server nginx: nginx is not installed "
                             "(apt-get install nginx-light)")
        server = NginxAPI(binary, args.tokens, server_cpu)
        server.start()
    else:
        server = Server(server_cpu)
    try:
        for index in range(max(1, args.runs)):
            for scenario in scenarios:
                order = engines if index % 2 == 0 else engines[::-1]
                for engine in order:
                    value = run_one(engine, scenario, server.url_for(scenario), args,
                                    client_cpu)
                    previous = results.get((scenario, engine))
                    if isinstance(value, float) and (
                        not isinstance(previous, float) or value < previous
                    ):
                        results[(scenario, engine)] = value
                    elif previous is None:
                        results[(scenario, engine)] = value
            print(f"  round {index + 1} done", file=sys.stderr)
    finally:
        server.close()
    print_table(results, scenarios, engines, args)
    if client_cpu is not None:
        os.sched_setaffinity(0, {client_cpu})
    print("\nOur engine in memory (no socket, nothing waits), CPU µs per call:")
    for scenario in scenarios:
        streamed = scenario.endswith("-stream")
        floor, memory = engine_in_memory(
            scenario, args.tokens, max(1, args.calls // 4) if streamed else args.calls
        )
        print(f"  {scenario}: floor {floor:,.0f}, fasthttpx in memory {memory:,.0f} "
              f"({memory / floor:.2f}×; our engine's own Python: {memory - floor:+,.0f} µs)")
    costs = conversion_cost()
    print(f"\nAdapter conversion per request: request {costs['request']:.2f} µs + response "
          f"{costs['response']:.2f} µs = {costs['request'] + costs['response']:.2f} µs "
          f"(httpx2's own Response constructor, paid by every transport: "
          f"{costs['httpx2_response']:.2f} µs with our parts)")


def print_table(results: dict[tuple[str, str], float | str], scenarios: list[str],
                engines: list[str], args: argparse.Namespace) -> None:
    names = {"floor": "floor (MockTransport)", "waitfloor": "wait floor",
             "netfloor": "network floor",
             "default": "default (httpcore2)",
             "aiohttp": "aiohttp", "fasthttpx": "**fasthttpx**"}
    label = {s: f"{s} ({args.tokens} tokens)" if s.endswith("-stream") else s
             for s in scenarios}
    if args.markdown:
        print("\n| scenario (µs CPU per call) | " + " | ".join(names[e] for e in engines) + " |")
        print("|---|" + "---:|" * len(engines))
    for scenario in scenarios:
        floor = results.get((scenario, "floor"))
        cells = []
        for engine in engines:
            value = results.get((scenario, engine))
            if not isinstance(value, float):
                cells.append(f"n/a ({value})")
            elif engine == "floor" or not isinstance(floor, float):
                cells.append(f"{value:,.0f}")
            else:
                cells.append(f"{value:,.0f} ({value / floor:.2f}×)")
        if args.markdown:
            print(f"| {label[scenario]} | " + " | ".join(cells) + " |")
        else:
            print(f"{label[scenario]:>28}: " + "  ".join(
                f"{engine}={cell}" for engine, cell in zip(engines, cells)))
    waited = [(s, results.get((s, "waitfloor")), results.get((s, "fasthttpx")))
              for s in scenarios]
    waited = [(s, w, f) for s, w, f in waited if isinstance(w, float) and isinstance(f, float)]
    if waited:
        print("\nfasthttpx over the wait floor: " + ", ".join(
            f"{s} {f / w:.2f}× ({f - w:+,.0f} µs)" for s, w, f in waited))


if __name__ == "__main__":
    main()
