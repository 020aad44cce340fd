"""Run an ASGI app under uvicorn on 127.0.0.1:0 in a background thread.

``uvicorn.Server.run()`` would install its own event loop policy (uvloop when available) for
the whole process; that would change the loop the tests themselves get. So the server's
``serve()`` coroutine runs on a private asyncio loop in a :class:`LoopThread` instead. The
bound port is read from ``server.servers[0].sockets[0]`` once ``server.started`` is set;
:meth:`UvicornServer.stop` sets ``should_exit`` and waits for ``serve()`` to return (uvicorn
closes idle keep-alive connections on the way out), then joins the thread.

Usage::

    with UvicornServer(app) as srv:
        ...  # requests to srv.url + "/echo"
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from typing import Any

import uvicorn

from tests.kit.app import app as default_app
from tests.kit.loop_thread import LoopThread

#: Seconds to wait for uvicorn to bind, and for it to shut down.
DEFAULT_START_TIMEOUT = 10.0
DEFAULT_STOP_TIMEOUT = 10.0


class UvicornServer:
    """A uvicorn server for ``app`` (default: :data:`tests.kit.app.app`).

    Extra keyword arguments go to ``uvicorn.Config`` (e.g. ``http="h11"``).
    """

    def __init__(
        self,
        app: Any = default_app,
        *,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
        **config: Any,
    ) -> None:
        options: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": 0,
            "log_level": "warning",
            "lifespan": "off",
            "timeout_graceful_shutdown": 2,
        }
        options.update(config)
        self.config = uvicorn.Config(app, **options)
        self.server = uvicorn.Server(self.config)
        self.host: str = options["host"]
        self.port = 0
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._thread = LoopThread(name="kit-uvicorn", timeout=stop_timeout)
        self._serve_future: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> UvicornServer:
        self._thread.start()
        self._serve_future = asyncio.run_coroutine_threadsafe(
            self.server.serve(), self._thread.loop
        )
        deadline = time.monotonic() + self.start_timeout
        while not self.server.started:
            if self._serve_future.done():
                self._thread.stop()
                exc = self._serve_future.exception()
                raise RuntimeError(f"uvicorn failed to start: {exc!r}") from exc
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("uvicorn did not start in time")
            time.sleep(0.005)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit, wait for ``serve()`` to return, join the thread. Idempotent."""
        if not self._thread.running:
            return
        self.server.should_exit = True
        try:
            if self._serve_future is not None:
                self._serve_future.result(self.stop_timeout)
        finally:
            self._serve_future = None
            self._thread.stop()

    def __enter__(self) -> UvicornServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
