"""The twins under test: ``module("cython"|"python", "hpack"|"h2core")``.

The compiled case fails, not skips, when its extension cannot be imported, unless the run
opted out with ``FASTHTTPX_NO_EXTENSIONS`` (then it is skipped with that reason)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

from fasthttpx._implementation import extensions_disabled

IMPLS = ["cython", "python"]


def compiled_disabled() -> bool:
    return extensions_disabled(os.environ.get("FASTHTTPX_NO_EXTENSIONS"))


def module(impl: str, name: str) -> ModuleType:
    if impl == "cython":
        if compiled_disabled():
            pytest.skip("compiled core disabled by FASTHTTPX_NO_EXTENSIONS")
        return importlib.import_module(f"fasthttpx._{name}")
    return importlib.import_module(f"fasthttpx._{name}_py")
