"""Test-server kit: real servers on 127.0.0.1 for the client tests.

Every server here binds port 0 on 127.0.0.1 and runs in a background thread with its own
asyncio event loop, so the same server serves sync, asyncio, uvloop and trio clients alike.

- :mod:`tests.kit.raw_server` -- a scripted raw-bytes server for hostile and edge responses.
- :mod:`tests.kit.app` -- an ASGI app for ordinary HTTP (echo, redirects, gzip, streaming...).
- :mod:`tests.kit.uvicorn_server` -- runs an ASGI app under uvicorn in a thread.
- :mod:`tests.kit.plugin` -- the pytest fixtures (``raw_server``, ``app_server``,
  ``asgi_server``, ``no_fd_leak``); register it with ``pytest_plugins = ["tests.kit.plugin"]``.
"""

from tests.kit.fds import open_fds
from tests.kit.raw_server import RawConnection, RawServer
from tests.kit.uvicorn_server import UvicornServer

__all__ = ["RawConnection", "RawServer", "UvicornServer", "open_fds"]
