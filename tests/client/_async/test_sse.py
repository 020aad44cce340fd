"""Server-sent events through ``client.sse()`` (issue 15), against real servers on 127.0.0.1.

Scripted raw servers send event streams fed whole (chunked, Content-Length, close-delimited),
cut in two at every byte, one byte per read, gzip-coded, broken off mid-stream; uvicorn (and
hypercorn over HTTP/2) serves an ASGI app that streams events and fails mid-stream once.
Reconnection is checked by what the server receives (``Last-Event-ID``, when each request
arrived). Written once, async, run on asyncio, uvloop and trio; the sync twin is generated.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

import fasthttpx
from fasthttpx import ServerSentEvent
from tests.client.sse_handlers import (
    Recorder,
    ResumeState,
    gzip_stream,
    head,
    request_header,
    scripted,
    split_at_every_byte,
    sse_app,
    stream_pieces,
)
from tests.core.sse_cases import BOM, CASES, bytewise
from tests.http2.servers import HypercornServer

#: A stream with every kind of line end (a CR LF pair split by a chunk boundary is one), a
#: BOM, a comment, UTF-8 text, an empty data line, id and retry.
STREAM = (BOM + b": c\r\nevent: e\r\nid: 1\rdata: h\xc3\xa9\r\ndata\n\r\nretry: 20\n"
          b"data: \xe2\x9c\x93\r\r")
STREAM_EVENTS = [ServerSentEvent("e", "h\u00e9\n", "1", None),
                 ServerSentEvent("message", "\u2713", "1", 20)]


async def read_events(client: Any, url: str, **kwargs: Any) -> list[ServerSentEvent]:
    async with client.sse(url, **kwargs) as source:
        return [event async for event in source]


async def test_events_and_the_headers_an_event_source_sends(
    backend: Any, raw_server: Any
) -> None:
    recorder = Recorder()
    server = raw_server(stream_pieces([STREAM], recorder=recorder))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.sse(server.url + "/events") as source:
            assert source.response.status_code == 200
            events = [event async for event in source]
        assert source.response.is_closed
    assert events == STREAM_EVENTS
    assert (source.last_event_id, source.retry) == ("1", 20)
    request = recorder.requests[0]
    assert request.startswith(b"GET /events HTTP/1.1\r\n")
    assert request_header(request, "Accept") == "text/event-stream"
    assert request_header(request, "Cache-Control") == "no-store"


@pytest.mark.parametrize("framing", ["chunked", "length", "close"])
async def test_stream_fed_whole(backend: Any, raw_server: Any, framing: str) -> None:
    server = raw_server(stream_pieces([STREAM], framing=framing))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert await read_events(client, server.url) == STREAM_EVENTS


async def test_stream_cut_in_two_at_every_byte(backend: Any, raw_server: Any) -> None:
    server = raw_server(split_at_every_byte(STREAM, delay=0.003))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        for cut in range(len(STREAM) + 1):
            assert await read_events(client, server.url) == STREAM_EVENTS, f"cut at {cut}"


@pytest.mark.parametrize("framing", ["chunked", "close"])
async def test_stream_one_byte_per_read(backend: Any, raw_server: Any, framing: str) -> None:
    server = raw_server(stream_pieces(bytewise(STREAM), framing=framing, delay=0.001))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert await read_events(client, server.url) == STREAM_EVENTS


async def test_the_case_table_over_the_network(backend: Any, raw_server: Any) -> None:
    """Every case of the parser's table that ends without an error, as a real response."""
    cases = [case for case in CASES if not case.error]
    recorder = Recorder()
    server = raw_server(scripted([(case.data, "end") for case in cases], recorder))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        for case in cases:
            headers = {"Last-Event-ID": case.initial_id} if case.initial_id else None
            async with client.sse(server.url, headers=headers,
                                  max_event_size=case.max_event_size) as source:
                events = [event async for event in source]
            assert events == [ServerSentEvent(*event) for event in case.events], case.id
            expected_id = case.initial_id if case.last_event_id is None else case.last_event_id
            retry = 3000 if case.retry is None else min(case.retry, 3_600_000)
            assert (source.last_event_id, source.retry) == (expected_id, retry), case.id


async def test_gzip_coded_stream(backend: Any, raw_server: Any) -> None:
    events = [b"data: %d\n\n" % i for i in range(5)]
    server = raw_server(gzip_stream(events, delay=0.001))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert [e.data for e in await read_events(client, server.url)] == [
            str(i) for i in range(5)]


@pytest.mark.parametrize("content_type", [
    "text/event-stream; charset=utf-8", "TEXT/Event-Stream", " text/event-stream ;x=y",
])
async def test_media_type_parameters_and_case(
    backend: Any, raw_server: Any, content_type: str
) -> None:
    server = raw_server(stream_pieces([b"data: x\n\n"], content_type=content_type))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert await read_events(client, server.url) == [ServerSentEvent(data="x")]


@pytest.mark.parametrize(("status", "content_type"), [
    (404, "text/html"), (200, "application/json"), (200, ""), (200, "text/plain"),
])
async def test_not_an_event_stream_raises_with_the_response(
    backend: Any, raw_server: Any, status: int, content_type: str
) -> None:
    server = raw_server(stream_pieces([b"<p>no</p>"], status=status, content_type=content_type))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.sse(server.url) as source:
            assert source.response.status_code == status  # readable before iterating
            with pytest.raises(fasthttpx.SSEError) as caught:
                async for _ in source:
                    pass
    error = caught.value
    assert isinstance(error, fasthttpx.TransportError)
    assert error.response is source.response
    assert error.request.url == server.url
    assert f"expected a text/event-stream response, got {status}" in str(error)
    assert repr(content_type) in str(error)
    assert source.response.is_closed


async def test_an_event_past_max_event_size_raises(backend: Any, raw_server: Any) -> None:
    big = b"data: " + b"x" * 200 + b"\n\n"
    server = raw_server(stream_pieces([b"data: small\n\n", big[:50], big[50:]], delay=0.002))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.sse(server.url, max_event_size=100) as source:
            received = []
            limit = r"exceeded the 100 byte limit \(max_event_size\)"  # httpx2's words
            with pytest.raises(fasthttpx.SSEError, match=limit) as e:
                async for event in source:
                    received.append(event)
        assert received == [ServerSentEvent(data="small")]
        assert e.value.response is source.response
        assert e.value.request is source.response.request
        assert source.response.is_closed
        assert source._max_event_size == 100  # httpx2's attribute, read by its tests
        # Without a limit the same event is read.
        events = await read_events(client, server.url, max_event_size=None)
        assert [len(event.data) for event in events] == [5, 200]


async def test_method_body_and_headers_of_the_request(backend: Any, raw_server: Any) -> None:
    recorder = Recorder()
    server = raw_server(stream_pieces([b"data: ok\n\n"], recorder=recorder))
    async with fasthttpx.AsyncClient(backend=backend, headers={"X-Client": "c"}) as client:
        async with client.sse(server.url + "/chat", method="POST", json={"prompt": "hi"},
                              params={"stream": "1"},
                              headers={"X-Request": "r", "Cache-Control": "no-cache"}) as source:
            assert [event.data async for event in source.aiter_sse()] == ["ok"]
    request = recorder.requests[0]
    assert request.startswith(b"POST /chat?stream=1 HTTP/1.1\r\n")
    assert json.loads(request.split(b"\r\n\r\n", 1)[1]) == {"prompt": "hi"}
    assert request_header(request, "X-Client") == "c"
    assert request_header(request, "X-Request") == "r"
    assert request_header(request, "Accept") == "text/event-stream"
    assert request_header(request, "Cache-Control") == "no-cache"  # the caller's wins


async def test_leaving_early_closes_the_response(backend: Any, raw_server: Any) -> None:
    pieces = [b"data: %d\n\n" % i for i in range(50)]
    server = raw_server(stream_pieces(pieces, delay=0.01))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.sse(server.url) as source:
            async for event in source:
                assert event.data == "0"
                break
        assert source.response.is_closed
        # The client still works: the unfinished connection was not given back.
        assert len(await read_events(client, server.url)) == 50


async def test_the_client_body_limit_does_not_end_a_stream(
    backend: Any, raw_server: Any
) -> None:
    pieces = [b"data: %03d\n\n" % i for i in range(100)]
    server = raw_server(stream_pieces(pieces))
    async with fasthttpx.AsyncClient(backend=backend, max_body_size=200) as client:
        assert len(await read_events(client, server.url)) == 100
        with pytest.raises(fasthttpx.ResponseTooLarge):  # a plain request keeps its limit
            await client.get(server.url)


# -- reconnection -----------------------------------------------------------------------------

@pytest.mark.parametrize("ending", ["drop", "reset", "end"])
async def test_reconnects_with_last_event_id(
    backend: Any, raw_server: Any, ending: str
) -> None:
    recorder = Recorder()
    steps = [
        (b"retry: 10\nid: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: lost", ending),
        (b"id: 3\ndata: c\n\n", "end"),
    ]  # then 204: stop
    server = raw_server(scripted(steps, recorder))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.sse(server.url, reconnect=True) as source:
            events = [event async for event in source]
    assert events == [ServerSentEvent(data="a", id="1", retry=10),
                      ServerSentEvent(data="b", id="2"), ServerSentEvent(data="c", id="3")]
    assert [recorder.header(i, "Last-Event-ID") for i in range(3)] == [None, "2", "3"]
    assert [recorder.header(i, "Accept") for i in range(3)] == ["text/event-stream"] * 3
    assert source.response.status_code == 204
    assert len(recorder.requests) == 3


async def test_reconnection_time_from_the_server_else_the_knob(
    backend: Any, raw_server: Any
) -> None:
    recorder = Recorder()
    steps = [(b"data: a\n\n", "end"), (b"retry: 150\ndata: b\n\n", "end"),
             (b"data: c\n\n", "end")]
    server = raw_server(scripted(steps, recorder))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.sse(server.url, reconnect=True, retry_ms=80) as source:
            assert source.retry == 80
            assert [event.data async for event in source] == ["a", "b", "c"]
            assert source.retry == 150
    first_gap = recorder.times[1] - recorder.times[0]
    second_gap = recorder.times[2] - recorder.times[1]
    assert 0.075 <= first_gap, first_gap
    assert 0.145 <= second_gap, second_gap


async def test_gives_up_after_max_reconnects_in_a_row(backend: Any, raw_server: Any) -> None:
    recorder = Recorder()
    # An event resets the count: a, (nothing, b), (nothing, nothing): five requests.
    steps = [(b"data: a\n\n", "end"), (b"", "end"), (b"data: b\n\n", "end"), (b"", "end"),
             (b"", "end"), (b"data: never\n\n", "end")]
    server = raw_server(scripted(steps, recorder))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        events = await read_events(client, server.url, reconnect=True, max_reconnects=2,
                                   retry_ms=1)
    assert [event.data for event in events] == ["a", "b"]
    assert len(recorder.requests) == 5


async def test_a_broken_stream_raises_once_reconnects_are_used_up(
    backend: Any, raw_server: Any
) -> None:
    recorder = Recorder()
    steps = [(b"data: a\n\n", "drop"), (b"", "silent"), (b"", "silent")]
    server = raw_server(scripted(steps, recorder))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.sse(server.url, reconnect=True, max_reconnects=2,
                              retry_ms=1) as source:
            received = []
            with pytest.raises(fasthttpx.TransportError) as caught:
                async for event in source:
                    received.append(event.data)
    assert received == ["a"]
    assert not isinstance(caught.value, fasthttpx.SSEError)
    assert len(recorder.requests) == 3


async def test_without_reconnect_a_broken_stream_raises(backend: Any, raw_server: Any) -> None:
    recorder = Recorder()
    server = raw_server(scripted([(b"data: a\n\ndata: b", "drop")], recorder))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.sse(server.url) as source:
            received = []
            with pytest.raises(fasthttpx.RemoteProtocolError):
                async for event in source:
                    received.append(event.data)
    assert received == ["a"]
    assert len(recorder.requests) == 1


async def test_204_stops_only_a_reconnecting_source(backend: Any, raw_server: Any) -> None:
    recorder = Recorder()
    server = raw_server(scripted([], recorder))  # every request: 204 No Content
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert await read_events(client, server.url, reconnect=True) == []
        with pytest.raises(fasthttpx.SSEError, match="got 204"):
            await read_events(client, server.url)
    assert len(recorder.requests) == 2


async def test_a_reconnection_that_is_not_an_event_stream_raises(
    backend: Any, raw_server: Any
) -> None:
    recorder = Recorder()
    not_found = head(404, "text/html", "length", 2) + b"no"
    steps = [(b"id: 7\ndata: a\n\n", "drop"), (not_found, "raw")]
    server = raw_server(scripted(steps, recorder))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.sse(server.url, reconnect=True, retry_ms=1) as source:
            received = []
            with pytest.raises(fasthttpx.SSEError, match="got 404") as caught:
                async for event in source:
                    received.append(event.data)
    assert received == ["a"]
    assert caught.value.response.status_code == 404
    assert recorder.header(1, "Last-Event-ID") == "7"


async def test_a_caller_last_event_id_is_resumed_from(backend: Any, raw_server: Any) -> None:
    recorder = Recorder()
    steps = [(b"data: a\n\n", "drop"), (b"id: \xe2\x9c\x93\ndata: b\n\n", "drop"),
             (b"", "end")]
    server = raw_server(scripted(steps, recorder))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        events = await read_events(client, server.url, reconnect=True, retry_ms=1,
                                   headers={"Last-Event-ID": "41"})
    assert events == [ServerSentEvent(data="a", id="41"),
                      ServerSentEvent(data="b", id="\u2713")]
    assert [recorder.header(i, "Last-Event-ID") for i in range(3)] == ["41", "41", "\u2713"]


async def test_an_oversized_event_is_not_retried(backend: Any, raw_server: Any) -> None:
    recorder = Recorder()
    server = raw_server(scripted([(b"data: " + b"x" * 64 + b"\n\n", "end")], recorder))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        with pytest.raises(fasthttpx.SSEError, match="max_event_size"):
            await read_events(client, server.url, reconnect=True, retry_ms=1,
                              max_event_size=10)
    assert len(recorder.requests) == 1


async def test_knobs_are_checked(backend: Any, raw_server: Any) -> None:
    server = raw_server(stream_pieces([b"data: x\n\n"]))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        with pytest.raises(ValueError, match="max_reconnects"):
            await read_events(client, server.url, max_reconnects=-1)
        with pytest.raises(ValueError, match="retry_ms"):
            await read_events(client, server.url, retry_ms=-1)
        with pytest.raises(ValueError, match="max_event_size"):
            await read_events(client, server.url, max_event_size=-1)


# -- a real server: uvicorn -------------------------------------------------------------------

async def test_uvicorn_event_stream(backend: Any, asgi_server: Any) -> None:
    server = asgi_server(sse_app(ResumeState()))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        events = await read_events(client, server.url + "/events?n=40")
        assert [event.json() for event in events] == [{"token": i} for i in range(40)]
        assert [event.id for event in events] == [str(i) for i in range(40)]
        [echo] = await read_events(client, server.url + "/echo-headers")
        assert "accept: text/event-stream" in echo.data.splitlines()
        assert "cache-control: no-store" in echo.data.splitlines()


async def test_uvicorn_stream_failing_midway_is_resumed(
    backend: Any, asgi_server: Any
) -> None:
    state = ResumeState()
    server = asgi_server(sse_app(state))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        started = time.monotonic()
        events = await read_events(client, server.url + "/resume", reconnect=True,
                                   max_reconnects=1)
    assert [event.data for event in events] == [str(i) for i in range(6)]
    assert state.last_event_ids == [None, "2", "5"]
    assert time.monotonic() - started < 5  # the server's retry (10 ms), not the default


async def test_a_server_retry_is_capped_at_an_hour(backend: Any, raw_server: Any) -> None:
    server = raw_server(stream_pieces([b"retry: 99999999999999999999999\ndata: x\n\n"]))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.sse(server.url) as source:
            [event] = [event async for event in source]
    assert event.retry == 99999999999999999999999  # the event says what the server sent
    assert source.retry == 3_600_000  # what a reconnection would wait


async def test_http2_event_stream_and_resume(backend: Any) -> None:
    """The same source over HTTP/2 (hypercorn, cleartext with prior knowledge): the app fails
    mid-stream and the source resumes. hypercorn leaves that HTTP/2 stream open, so the read
    timeout ends it (a ``ReadTimeout`` is a dropped stream too); it may also close the
    connection, and a first reconnection can meet it closed: one more attempt."""
    state = ResumeState()
    with HypercornServer(sse_app(state)) as server:
        async with fasthttpx.AsyncClient(backend=backend, http2=True, http1=False,
                                         timeout=0.5) as client:
            async with client.sse(server.url() + "/events?n=30") as source:
                assert source.response.http_version == "HTTP/2"
                assert len([event async for event in source]) == 30
            events = await read_events(client, server.url() + "/resume", reconnect=True,
                                       max_reconnects=3)
    assert [event.data for event in events] == [str(i) for i in range(6)]
    assert state.last_event_ids[:2] == [None, "2"]
    assert set(state.last_event_ids[2:]) == {"5"}
