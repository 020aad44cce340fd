"""Client tests are written once, async, in ``_async/``; ``_sync/`` is generated from them by
``scripts/unasync.py``. Each async test runs on asyncio, uvloop and trio; each generated sync
test on the sync backend. Tests take the ``backend`` fixture and build clients with it.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

ASYNC_LIBRARIES = ["asyncio", "uvloop", "trio"]


def pytest_configure(config: pytest.Config) -> None:
    """The first uvloop loop of a process keeps two pipe fds open for good: create it now,
    so that fd-leak checks in tests never count it."""
    try:
        import uvloop
    except ImportError:
        return
    uvloop.new_event_loop().close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        is_async = "_async" in metafunc.definition.path.parts
        metafunc.parametrize("backend_name", ASYNC_LIBRARIES if is_async else ["sync"])


@pytest.fixture
def backend(backend_name: str) -> Any:
    if backend_name == "trio":
        from fasthttpx.concurrency.trio import TrioBackend

        return TrioBackend()
    if backend_name == "sync":
        from fasthttpx.concurrency.sync import SyncBackend

        return SyncBackend()
    from fasthttpx.concurrency.asyncio import AsyncioBackend

    return AsyncioBackend()


def run_async(library: str, func: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run ``func()`` to completion on the named async library."""
    if library == "trio":
        import trio

        return trio.run(func)
    if library == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
        try:
            return loop.run_until_complete(func())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
    return asyncio.run(func())


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    library = pyfuncitem.funcargs.get("backend_name")
    if library is None:
        pytest.fail("async client tests must take the `backend` fixture", pytrace=False)
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    run_async(str(library), functools.partial(pyfuncitem.obj, **kwargs))
    return True
