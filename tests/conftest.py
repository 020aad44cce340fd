"""Shared fixtures for the whole suite: only the ``impl`` fixture lives here.

``impl`` runs a test once against the compiled core (``cython``) and once against its
pure-Python twin (``python``). The compiled half can never silently drop out of a run: if
``fasthttpx._parser`` / ``fasthttpx._chunked`` cannot be imported, the ``cython`` case fails
with the import error, unless the run opted out with ``FASTHTTPX_NO_EXTENSIONS`` (then it is
skipped and says why). Client-level fixtures belong in their own ``conftest.py`` files.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Any

import pytest

from fasthttpx._implementation import extensions_disabled

pytest_plugins = ["tests.kit.plugin"]

IMPL_MODULES = {
    "cython": ("fasthttpx._parser", "fasthttpx._chunked"),
    "python": ("fasthttpx._parser_py", "fasthttpx._chunked_py"),
}


@dataclass(frozen=True)
class Impl:
    """One implementation of the core: its name, its two classes and the field scan."""

    name: str
    ResponseParser: Any
    ChunkedDecoder: Any
    response_fields: Any


def load_impl(name: str) -> Impl:
    """Import one twin pair; raises ImportError if it is not available."""
    parser_module, chunked_module = IMPL_MODULES[name]
    parser = importlib.import_module(parser_module)
    chunked = importlib.import_module(chunked_module)
    return Impl(name, parser.ResponseParser, chunked.ChunkedDecoder, parser.response_fields)


@pytest.fixture(params=list(IMPL_MODULES), ids=list(IMPL_MODULES))
def impl(request: pytest.FixtureRequest) -> Impl:
    name: str = request.param
    if name == "cython" and extensions_disabled(os.environ.get("FASTHTTPX_NO_EXTENSIONS")):
        pytest.skip("FASTHTTPX_NO_EXTENSIONS is set: compiled core opted out")
    try:
        return load_impl(name)
    except ImportError as exc:
        pytest.fail(
            f"the {name} core cannot be imported: {exc!r} (build it with "
            "`python3 setup.py build_ext --inplace`, or set FASTHTTPX_NO_EXTENSIONS=1 "
            "to opt out)",
            pytrace=False,
        )


_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUEST_METHOD")


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to servers on 127.0.0.1: a proxy set in the machine's environment (which
    ``trust_env`` honours) must not reroute them. Proxy tests set what they need."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
