"""A small fake of the OpenAI and Anthropic HTTP APIs, for the SDK tests and the SDK benchmark.

An ASGI app (run it under uvicorn with :class:`FakeAPIServer`, or in its own process with
``python -m tests.kit.fake_api --port 0``, which prints ``PORT <n>``). Routes:

* ``POST /v1/chat/completions`` (OpenAI): a chat completion, or with ``"stream": true`` one
  ``data:`` event per token (chunked transfer coding, one chunk per event), then
  ``data: [DONE]``.
* ``POST /v1/messages`` (Anthropic): a message, or with ``"stream": true`` its event
  sequence (``message_start``, ``content_block_*`` with one delta per token, ``message_delta``,
  ``message_stop``).

Tokens: ``max_tokens`` (or ``max_completion_tokens``) of them, default 5; token *i* is
``"tok{i} "``. The request's ``model`` name also steers the server, so that tests sharing one
server never see each other's state (give each test its own model name):

* ``...-fail-N``: the first N requests with this model get a 500 (with ``retry-after-ms: 1``
  so that an SDK retries at once); the next ones succeed.
* ``...-slow-MS``: the answer waits MS milliseconds before its head is sent.
* ``...-gated``: (streams) event *i* after the first is sent only once the test called
  :meth:`FakeAPI.release` *i* times for this model: proof that the client handed each event
  over before the next was sent. A gate not opened within ``GATE_TIMEOUT`` seconds is noted
  in ``gate_timeouts`` and the stream goes on.

``calls`` counts the requests per model. The body builders (:func:`openai_completion`,
:func:`openai_stream_events`, :func:`anthropic_message`, :func:`anthropic_stream_events`)
are public so that a benchmark's in-memory floor can answer with the very same bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from types import TracebackType
from typing import Any

__all__ = [
    "FakeAPI", "FakeAPIServer", "openai_completion", "openai_stream_events",
    "anthropic_message", "anthropic_stream_events", "SSE_HEADERS", "JSON_HEADERS",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Seconds a gated stream waits for the test to release the next event.
GATE_TIMEOUT = 5.0
#: Tokens in an answer when the request names no maximum.
DEFAULT_TOKENS = 5
CREATED = 1_700_000_000

JSON_HEADERS = [(b"content-type", b"application/json"), (b"x-request-id", b"req_fake")]
SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"),
               (b"cache-control", b"no-cache"), (b"x-request-id", b"req_fake")]

_FAIL = re.compile(r"-fail-(\d+)$")
_SLOW = re.compile(r"-slow-(\d+)$")


def _tokens(n: int) -> list[str]:
    return [f"tok{i} " for i in range(n)]


def openai_completion(model: str, tokens: int) -> bytes:
    """A ``chat.completion`` whose message is ``tokens`` tokens."""
    return json.dumps({
        "id": "chatcmpl-fake", "object": "chat.completion", "created": CREATED, "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [{
            "index": 0, "logprobs": None, "finish_reason": "stop",
            "message": {"role": "assistant", "content": "".join(_tokens(tokens)),
                        "refusal": None},
        }],
        "usage": {"prompt_tokens": 9, "completion_tokens": tokens,
                  "total_tokens": 9 + tokens},
    }, separators=(",", ":")).encode()


def openai_stream_events(model: str, tokens: int) -> list[bytes]:
    """The server-sent events of a streamed chat completion, one ``bytes`` per event."""

    def chunk(delta: dict[str, Any], finish: str | None) -> bytes:
        data = json.dumps({
            "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": CREATED,
            "model": model, "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None,
                         "finish_reason": finish}],
        }, separators=(",", ":"))
        return f"data: {data}\n\n".encode()

    events = [chunk({"role": "assistant", "content": ""}, None)]
    events += [chunk({"content": token}, None) for token in _tokens(tokens)]
    events.append(chunk({}, "stop"))
    events.append(b"data: [DONE]\n\n")
    return events


def anthropic_message(model: str, tokens: int) -> bytes:
    """A ``message`` whose text is ``tokens`` tokens."""
    return json.dumps({
        "id": "msg_fake", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": "".join(_tokens(tokens))}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 9, "output_tokens": tokens},
    }, separators=(",", ":")).encode()


def anthropic_stream_events(model: str, tokens: int) -> list[bytes]:
    """The server-sent events of a streamed message, one ``bytes`` per event."""

    def event(name: str, data: dict[str, Any]) -> bytes:
        return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()

    events = [event("message_start", {"type": "message_start", "message": {
        "id": "msg_fake", "type": "message", "role": "assistant", "model": model,
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 9, "output_tokens": 1}}})]
    events.append(event("content_block_start", {
        "type": "content_block_start", "index": 0,
        "content_block": {"type": "text", "text": ""}}))
    events += [event("content_block_delta", {
        "type": "content_block_delta", "index": 0,
        "delta": {"type": "text_delta", "text": token}}) for token in _tokens(tokens)]
    events.append(event("content_block_stop", {"type": "content_block_stop", "index": 0}))
    events.append(event("message_delta", {
        "type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": tokens}}))
    events.append(event("message_stop", {"type": "message_stop"}))
    return events


class FakeAPI:
    """The ASGI app; its state (``calls``, gates) is shared with the test's thread."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.gate_timeouts: list[str] = []
        self._released: Counter[str] = Counter()
        self._lock = threading.Lock()

    def release(self, model: str) -> None:
        """Let a gated stream for ``model`` send its next event (thread-safe)."""
        with self._lock:
            self._released[model] += 1

    async def _gate(self, model: str, count: int) -> None:
        deadline = time.monotonic() + GATE_TIMEOUT
        while True:
            with self._lock:
                if self._released[model] >= count:
                    return
            if time.monotonic() > deadline:
                self.gate_timeouts.append(model)
                return
            await asyncio.sleep(0.002)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        path = scope["path"]
        if scope["method"] != "POST" or path not in ("/v1/chat/completions", "/v1/messages"):
            await _respond(send, 404, JSON_HEADERS, b'{"error":"not found"}')
            return
        request = json.loads(body or b"{}")
        model = str(request.get("model", "fake"))
        with self._lock:
            self.calls[model] += 1
            call = self.calls[model]
        failing = _FAIL.search(model)
        if failing is not None and call <= int(failing.group(1)):
            await _respond(send, 500, JSON_HEADERS + [
                (b"retry-after-ms", b"1"), (b"x-should-retry", b"true")],
                b'{"error":{"message":"fake failure","type":"server_error"}}')
            return
        slow = _SLOW.search(model)
        if slow is not None:
            await asyncio.sleep(int(slow.group(1)) / 1000)
        tokens = int(request.get("max_tokens") or request.get("max_completion_tokens")
                     or DEFAULT_TOKENS)
        openai = path == "/v1/chat/completions"
        if not request.get("stream"):
            answer = openai_completion(model, tokens) if openai else \
                anthropic_message(model, tokens)
            await _respond(send, 200, JSON_HEADERS, answer)
            return
        events = openai_stream_events(model, tokens) if openai else \
            anthropic_stream_events(model, tokens)
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        gated = model.endswith("-gated")
        for index, event in enumerate(events):
            if gated and index:
                await self._gate(model, index)
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]],
                   body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class FakeAPIServer:
    """:class:`FakeAPI` under uvicorn on 127.0.0.1 in a background thread (see
    :class:`tests.kit.uvicorn_server.UvicornServer`)."""

    def __init__(self) -> None:
        from tests.kit.uvicorn_server import UvicornServer

        self.app = FakeAPI()
        self._server = UvicornServer(self.app)

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> FakeAPIServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeAPIServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main() -> None:
    """Serve in this process until killed (for benchmarks: the server's CPU is not the
    client's). Prints ``PORT <n>`` once listening."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    config = uvicorn.Config(FakeAPI(), host="127.0.0.1", port=args.port, log_level="warning",
                            lifespan="off", access_log=False)
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.ensure_future(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        print("PORT", server.servers[0].sockets[0].getsockname()[1], flush=True)
        await task

    asyncio.run(serve())


if __name__ == "__main__":
    main()
