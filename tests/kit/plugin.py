"""pytest plugin: the kit's fixtures. Register with ``pytest_plugins = ["tests.kit.plugin"]``
in the top-level ``tests/conftest.py`` (pytest refuses ``pytest_plugins`` in deeper conftests).

Fixtures:

- ``raw_server`` -- factory: ``raw_server(handler, **kwargs) -> RawServer`` (started); every
  server it made is stopped at teardown.
- ``asgi_server`` -- factory: ``asgi_server(app=kit app, **uvicorn_config) -> UvicornServer``
  (started), stopped at teardown.
- ``app_server`` -- session-scoped :class:`UvicornServer` running :data:`tests.kit.app.app`.
- ``no_fd_leak`` -- asserts at teardown that the process has no more open fds than at setup
  (after stopping this test's kit servers, with a short settle loop for peers to close).

And the function :func:`tests.kit.fds.open_fds` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pytest

from tests.kit.fds import assert_fds_settle, describe_fds, open_fds
from tests.kit.raw_server import Handler, RawServer
from tests.kit.uvicorn_server import UvicornServer

__all__ = ["open_fds"]

#: Seconds ``no_fd_leak`` waits for the fd count to settle back.
FD_SETTLE_TIMEOUT = 2.0


class _Stoppable(Protocol):
    def stop(self) -> None: ...


class _Servers:
    """The servers one test started; stopped (in reverse order) at its end."""

    def __init__(self) -> None:
        self.items: list[_Stoppable] = []

    def stop_all(self) -> None:
        errors: list[BaseException] = []
        while self.items:
            try:
                self.items.pop().stop()
            except BaseException as exc:  # stop the others, then report
                errors.append(exc)
        if errors:
            raise errors[0]


@pytest.fixture
def _kit_servers() -> Iterator[_Servers]:
    servers = _Servers()
    yield servers
    servers.stop_all()


@pytest.fixture
def raw_server(_kit_servers: _Servers) -> Callable[..., RawServer]:
    """Factory: ``raw_server(handler, **kwargs)`` returns a started :class:`RawServer`."""

    def factory(handler: Handler, **kwargs: Any) -> RawServer:
        server = RawServer(handler, **kwargs)
        server.start()
        _kit_servers.items.append(server)
        return server

    return factory


@pytest.fixture
def asgi_server(_kit_servers: _Servers) -> Callable[..., UvicornServer]:
    """Factory: ``asgi_server(app=None, **uvicorn_config)`` returns a started uvicorn server
    (default app: the kit's :mod:`tests.kit.app`)."""

    def factory(app: Any = None, **config: Any) -> UvicornServer:
        server = UvicornServer(app, **config) if app is not None else UvicornServer(**config)
        server.start()
        _kit_servers.items.append(server)
        return server

    return factory


@pytest.fixture(scope="session")
def app_server() -> Iterator[UvicornServer]:
    """The kit's ASGI app under uvicorn, shared by the whole session."""
    with UvicornServer() as server:
        yield server


@pytest.fixture
def no_fd_leak(_kit_servers: _Servers) -> Iterator[None]:
    """Fail the test if it leaves more fds open than it found (kit servers excluded)."""
    before = open_fds()
    before_list = describe_fds()
    yield
    _kit_servers.stop_all()
    try:
        assert_fds_settle(before, before_list, FD_SETTLE_TIMEOUT)
    except AssertionError as exc:
        pytest.fail(str(exc), pytrace=False)
