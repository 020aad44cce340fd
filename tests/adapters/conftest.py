"""Tests of ``fasthttpx.adapters``: written once, async, in ``_async/``; ``_sync/`` is generated
from them by ``scripts/unasync.py``. Each test runs for both libraries (the ``lib`` fixture:
httpx and httpx2) and, when async, on asyncio, uvloop and trio. No test hands the adapter a
backend: it must find the running async library by itself. Coroutine tests outside
``_async/`` (async-only behaviour such as cancellation) run on the three libraries too.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

import pytest

from tests.client.conftest import ASYNC_LIBRARIES, run_async
from tests.kit.fake_api import FakeAPIServer

LIBRARIES = ["httpx", "httpx2"]


@dataclass(frozen=True)
class Lib:
    """One adapted library: the library itself and our adapter for it."""

    name: str
    module: ModuleType
    adapter: ModuleType


def load_lib(name: str) -> Lib:
    return Lib(name, importlib.import_module(name),
               importlib.import_module(f"fasthttpx.adapters.{name}"))


@pytest.fixture(params=LIBRARIES)
def lib(request: pytest.FixtureRequest) -> Lib:
    return load_lib(request.param)


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeAPIServer]:
    """The fake OpenAI/Anthropic API (``tests.kit.fake_api``), shared by the session: tests
    keep apart by using model names of their own."""
    with FakeAPIServer() as server:
        yield server


def _is_async_test(metafunc: pytest.Metafunc) -> bool:
    return "_async" in metafunc.definition.path.parts or \
        inspect.iscoroutinefunction(metafunc.function)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend_name" in metafunc.fixturenames:
        metafunc.parametrize(
            "backend_name", ASYNC_LIBRARIES if _is_async_test(metafunc) else ["sync"]
        )


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    library = pyfuncitem.funcargs.get("backend_name")
    if library is None:
        pytest.fail("async adapter tests must take the `backend_name` fixture", pytrace=False)
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    run_async(str(library), functools.partial(pyfuncitem.obj, **kwargs))
    return True
