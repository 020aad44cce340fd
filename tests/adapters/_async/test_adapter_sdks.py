"""The real OpenAI and Anthropic SDKs on our engine, unchanged, against the kit's fake API
(``tests.kit.fake_api``): a completion, a streamed completion (each event handed to the SDK
before the server sends the next), a 500 the SDK retries, and a server too slow for the
timeout (the SDK's ``APITimeoutError``, from the library's ``ReadTimeout``, from ours).

Cases (``sdk``): OpenAI with an httpx2 client and with an HTTPX 0.28 client (its 3.x SDK takes
both), Anthropic with an httpx2 client (its 2.x SDK takes only those).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import anthropic
import openai
import pytest

import fasthttpx
from tests.adapters.conftest import Lib, load_lib

MESSAGES: list[Any] = [{"role": "user", "content": "Say something."}]

# The OpenAI SDK stops reading its own SSE generators at ``[DONE]`` and leaves them to the
# garbage collector, which trio reports; it does the same on its default engine.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <async_generator object "
    "(AsyncStream._iter_events|SSEDecoder.aiter_bytes):pytest.PytestUnraisableExceptionWarning"
)


@dataclass(frozen=True)
class SDK:
    name: str  # "openai" or "anthropic"
    lib: Lib

    @property
    def errors(self) -> Any:
        return openai if self.name == "openai" else anthropic


@pytest.fixture(params=[("openai", "httpx2"), ("openai", "httpx"), ("anthropic", "httpx2")],
                ids=["openai-httpx2", "openai-httpx", "anthropic-httpx2"])
def sdk(request: pytest.FixtureRequest) -> SDK:
    name, library = request.param
    return SDK(name, load_lib(library))


def model_name(suffix: str = "") -> str:
    """A model name no other test uses (the fake API keeps its state per model)."""
    return f"m{uuid.uuid4().hex[:12]}{suffix}"


def make_client(sdk: SDK, url: str, **options: Any) -> Any:
    http_client = sdk.lib.adapter.AsyncClient()
    if sdk.name == "openai":
        return openai.AsyncOpenAI(
            api_key="test", base_url=url + "/v1", http_client=http_client, **options
        )
    return anthropic.AsyncAnthropic(
        api_key="test", base_url=url, http_client=http_client, **options
    )


async def create(sdk: SDK, client: Any, model: str, tokens: int = 5) -> str:
    if sdk.name == "openai":
        completion = await client.chat.completions.create(
            model=model, messages=MESSAGES, max_completion_tokens=tokens
        )
        return str(completion.choices[0].message.content)
    message = await client.messages.create(model=model, messages=MESSAGES, max_tokens=tokens)
    return str(message.content[0].text)


async def stream_tokens(sdk: SDK, client: Any, model: str, tokens: int, on_event: Any) -> list[str]:
    """The streamed tokens, calling ``on_event()`` as each event reaches the SDK's reader."""
    received: list[str] = []
    if sdk.name == "openai":
        stream = await client.chat.completions.create(
            model=model, messages=MESSAGES, max_completion_tokens=tokens, stream=True
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                received.append(chunk.choices[0].delta.content)
            on_event()
        return received
    stream = await client.messages.create(
        model=model, messages=MESSAGES, max_tokens=tokens, stream=True
    )
    async for event in stream:
        if event.type == "content_block_delta":
            received.append(event.delta.text)
        on_event()
    return received


async def test_completion(sdk: SDK, backend_name: str, fake_api: Any) -> None:
    client = make_client(sdk, fake_api.url)
    async with client:
        text = await create(sdk, client, model_name(), tokens=4)
        transport = client._client._transport
        assert isinstance(transport, sdk.lib.adapter.AsyncTransport)
        assert transport._engine.connections_opened == 1
    assert text == "tok0 tok1 tok2 tok3 "


async def test_streamed_completion_event_by_event(
    sdk: SDK, backend_name: str, fake_api: Any
) -> None:
    model = model_name("-gated")
    client = make_client(sdk, fake_api.url)
    async with client:
        tokens = await stream_tokens(sdk, client, model, 6, lambda: fake_api.app.release(model))
    assert tokens == [f"tok{i} " for i in range(6)]
    assert model not in fake_api.app.gate_timeouts  # no event waited for the next one


async def test_server_error_is_retried_by_the_sdk(
    sdk: SDK, backend_name: str, fake_api: Any
) -> None:
    model = model_name("-fail-2")
    client = make_client(sdk, fake_api.url, max_retries=2)
    async with client:
        text = await create(sdk, client, model)
    assert text.startswith("tok0")
    assert fake_api.app.calls[model] == 3  # two 500s, then the answer


async def test_server_error_surfaces_when_retries_run_out(
    sdk: SDK, backend_name: str, fake_api: Any
) -> None:
    model = model_name("-fail-5")
    client = make_client(sdk, fake_api.url, max_retries=1)
    async with client:
        with pytest.raises(sdk.errors.InternalServerError):
            await create(sdk, client, model)
    assert fake_api.app.calls[model] == 2


async def test_server_timeout_is_the_sdks_timeout_error(
    sdk: SDK, backend_name: str, fake_api: Any
) -> None:
    model = model_name("-slow-1000")
    client = make_client(sdk, fake_api.url, timeout=0.2, max_retries=0)
    async with client:
        with pytest.raises(sdk.errors.APITimeoutError) as info:
            await create(sdk, client, model)
    library_error = info.value.__cause__
    assert isinstance(library_error, sdk.lib.module.ReadTimeout)
    assert isinstance(library_error.__cause__, fasthttpx.ReadTimeout)
    assert fake_api.app.calls[model] == 1


async def test_unreachable_server_is_the_sdks_connection_error(
    sdk: SDK, backend_name: str
) -> None:
    from tests.adapters.helpers import refused_port

    client = make_client(sdk, f"http://127.0.0.1:{refused_port()}", max_retries=0)
    async with client:
        with pytest.raises(sdk.errors.APIConnectionError) as info:
            await create(sdk, client, model_name())
    assert isinstance(info.value.__cause__, sdk.lib.module.ConnectError)
    assert isinstance(info.value.__cause__.__cause__, fasthttpx.ConnectError)
