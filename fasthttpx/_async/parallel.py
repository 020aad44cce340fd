"""``client.parallel()``: start many requests at once, collect them as they complete.

Requests are started at once but at most ``limit`` run at the same time (the pool's
``max_connections``); the rest wait in a queue here rather than as thousands of tasks
parked on the pool. A request's exception is stored and raised only from
``get_response()`` / ``next_response()``. Leaving the block cancels what is still running,
drops what never started and closes responses nobody collected, so no connection stays
checked out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._response import Response
    from .._urls import URL
    from ..concurrency.base import AsyncEvent, AsyncTaskGroup
    from .client import AsyncClient

__all__ = ["AsyncParallel", "AsyncPendingResponse"]

DEFAULT_PARALLEL_LIMIT = 100  # when the pool has no max_connections


class AsyncPendingResponse:
    """A request started by ``parallel``; its response is collected later."""

    __slots__ = ("_parallel", "_call", "_response", "_error", "_done", "_event", "_taken")

    def __init__(
        self, parallel: AsyncParallel, call: tuple[str, URL | str, dict[str, Any]]
    ) -> None:
        self._parallel = parallel
        self._call = call
        self._response: Response | None = None
        self._error: BaseException | None = None
        self._done = False
        self._event: AsyncEvent | None = None
        self._taken = False

    def __await__(self) -> Generator[None, None, AsyncPendingResponse]:
        """``await parallel.get(url)`` gives the same pending response."""
        return self
        yield  # pragma: no cover - makes this a generator, so awaiting returns at once

    @property
    def is_done(self) -> bool:
        return self._done

    async def get_response(self) -> Response:
        """Wait for this request; return its response or raise its exception."""
        parallel = self._parallel
        if not self._done:
            with parallel._lock:
                if not self._done and self._event is None:
                    self._event = parallel._backend.create_event()
            if not self._done:
                assert self._event is not None
                await self._event.wait(None)
        return parallel._deliver(self)


class AsyncParallel:
    """The object of ``async with client.parallel() as parallel``."""

    def __init__(self, client: AsyncClient, limit: int | None = None) -> None:
        self._client = client
        self._backend = client._backend
        self._limit = limit or client._limits.max_connections or DEFAULT_PARALLEL_LIMIT
        self._lock = self._backend.create_lock()
        self._group: AsyncTaskGroup | None = None
        self._queued: deque[AsyncPendingResponse] = deque()
        self._completed: deque[AsyncPendingResponse] = deque()
        self._undelivered = 0
        self._running = 0
        self._waiter: AsyncEvent | None = None
        self._closed = False

    @property
    def has_pending_responses(self) -> bool:
        """True while some started request has not been collected."""
        return self._undelivered > 0

    def request(self, method: str, url: URL | str, **kwargs: Any) -> AsyncPendingResponse:
        """Start ``method url`` now (or as soon as the limit allows); don't wait."""
        if self._group is None or self._closed:
            raise RuntimeError("parallel requests must be started inside the parallel() block")
        pending = AsyncPendingResponse(self, (method, url, kwargs))
        self._undelivered += 1
        if self._running < self._limit:
            self._running += 1
            self._group.start_soon(self._run, pending)
        else:
            self._queued.append(pending)
        return pending

    def get(self, url: URL | str, **kwargs: Any) -> AsyncPendingResponse:
        return self.request("GET", url, **kwargs)

    def options(self, url: URL | str, **kwargs: Any) -> AsyncPendingResponse:
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: URL | str, **kwargs: Any) -> AsyncPendingResponse:
        return self.request("HEAD", url, **kwargs)

    def post(self, url: URL | str, **kwargs: Any) -> AsyncPendingResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: URL | str, **kwargs: Any) -> AsyncPendingResponse:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: URL | str, **kwargs: Any) -> AsyncPendingResponse:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: URL | str, **kwargs: Any) -> AsyncPendingResponse:
        return self.request("DELETE", url, **kwargs)

    async def next_response(self) -> Response:
        """The next request to complete (completion order); raises its exception if it
        failed, RuntimeError if nothing is pending."""
        while True:
            with self._lock:
                while self._completed and self._completed[0]._taken:
                    self._completed.popleft()
                if self._completed:
                    pending = self._completed.popleft()
                    break
                if self._undelivered == 0:
                    raise RuntimeError("no pending responses: every request was collected")
                waiter = self._waiter = self._backend.create_event()
            await waiter.wait(None)
        return self._deliver(pending)

    def _deliver(self, pending: AsyncPendingResponse) -> Response:
        if not pending._taken:
            pending._taken = True
            self._undelivered -= 1
        if pending._error is not None:
            raise pending._error
        assert pending._response is not None
        return pending._response

    async def _run(self, pending: AsyncPendingResponse) -> None:
        while True:
            method, url, kwargs = pending._call
            try:
                pending._response = await self._client.request(method, url, **kwargs)
            except Exception as exc:  # stored; raised from get_response()/next_response()
                pending._error = exc
            with self._lock:
                pending._done = True
                self._completed.append(pending)
                if pending._event is not None:
                    pending._event.set()
                if self._waiter is not None:
                    self._waiter.set()
                    self._waiter = None
                following = self._queued.popleft() if self._queued and not self._closed \
                    else None
                if following is None:
                    self._running -= 1
                    return
            pending = following

    async def __aenter__(self) -> AsyncParallel:
        group = self._backend.create_task_group()
        await group.__aenter__()
        self._group = group
        return self

    async def __aexit__(self, *args: object) -> None:
        self._closed = True
        self._queued.clear()
        group = self._group
        assert group is not None
        group.cancel()
        try:
            await group.__aexit__(None, None, None)
        finally:
            for pending in self._completed:
                if not pending._taken and pending._response is not None:
                    await pending._response.aclose()
