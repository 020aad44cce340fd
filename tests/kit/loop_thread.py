"""A background thread that owns one asyncio event loop, for the kit's servers.

Servers run on their own loop in their own thread so that the code under test can be a sync
client, an asyncio or uvloop client, or a trio client: it never shares a loop with the server.
:meth:`LoopThread.call` runs a coroutine on the loop from any other thread and waits for it.
:meth:`LoopThread.stop` cancels whatever is still running, closes the loop and joins the
thread, so no thread, selector or self-pipe fd outlives the server.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Seconds to wait for the loop to start, for a call to complete, and for the thread to end.
DEFAULT_TIMEOUT = 10.0


class LoopThread:
    """One daemon thread running ``loop.run_forever()`` on a fresh asyncio loop."""

    def __init__(self, name: str = "kit-loop", *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = name
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("LoopThread is not running")
        return self._loop

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("LoopThread already started")
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        if not self._ready.wait(self.timeout):
            raise RuntimeError(f"{self.name}: event loop did not start")

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.call_soon(self._ready.set)
        try:
            loop.run_forever()
        finally:
            try:
                _cancel_all(loop)
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop from another thread; return its result or raise its error."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(self.timeout if timeout is None else timeout)

    def stop(self) -> None:
        """Stop the loop (cancelling leftover tasks), close it and join the thread. Idempotent."""
        thread = self._thread
        if thread is None:
            return
        loop = self._loop
        if loop is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(self.timeout)
        if thread.is_alive():
            raise RuntimeError(f"{self.name}: thread did not stop within {self.timeout} s")
        self._thread = None
        self._loop = None


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
