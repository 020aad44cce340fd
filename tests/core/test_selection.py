"""Which core is picked at import (``fasthttpx._implementation``), checked in fresh interpreters.

Each check starts ``sys.executable`` with a chosen ``FASTHTTPX_NO_EXTENSIONS`` and prints what
was selected: the recorded name and the modules the two classes come from (they must be a
matching pair). A ``sys.meta_path`` finder that refuses the compiled modules stands in for a
build without a compiler: the import must fall back to the twins. When the compiled modules
are not built, the cases that expect them fail, unless this run opted out.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fasthttpx._implementation import extensions_disabled

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
BLOCKED = {blocked!r}

class _Refuse:
    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED:
            raise ImportError("blocked by the test: " + name)
        return None

sys.meta_path.insert(0, _Refuse())
import fasthttpx._implementation as impl
package = sys.modules["fasthttpx"]
print(json.dumps({{
    "implementation": impl.IMPLEMENTATION,
    "parser": impl.ResponseParser.__module__,
    "h2core": impl.H2Core.__module__,
    "chunked": impl.ChunkedDecoder.__module__,
    "sse": impl.EventStreamParser.__module__,
    "exported": getattr(package, "__implementation__", None),
}}))
"""

EXPECTED_MODULES = {
    "cython": {"parser": "fasthttpx._parser", "chunked": "fasthttpx._chunked",
               "h2core": "fasthttpx._h2core", "sse": "fasthttpx._sse"},
    "python": {"parser": "fasthttpx._parser_py", "chunked": "fasthttpx._chunked_py",
               "h2core": "fasthttpx._h2core_py", "sse": "fasthttpx._sse_py"},
}


def _probe(env_value: str | None, blocked: tuple[str, ...] = ()) -> dict[str, str | None]:
    env = dict(os.environ)
    env.pop("FASTHTTPX_NO_EXTENSIONS", None)
    if env_value is not None:
        env["FASTHTTPX_NO_EXTENSIONS"] = env_value
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, "-c", PROBE.format(blocked=list(blocked))],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, str | None] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _check(result: dict[str, str | None], expected: str) -> None:
    assert result["implementation"] == expected, result
    assert result["parser"] == EXPECTED_MODULES[expected]["parser"], result
    assert result["chunked"] == EXPECTED_MODULES[expected]["chunked"], result
    assert result["h2core"] == EXPECTED_MODULES[expected]["h2core"], result
    assert result["sse"] == EXPECTED_MODULES[expected]["sse"], result
    if result["exported"] is not None:  # fasthttpx.__implementation__, once exported
        assert result["exported"] == expected, result


def _require_compiled() -> None:
    try:
        importlib.import_module("fasthttpx._parser")
        importlib.import_module("fasthttpx._chunked")
        importlib.import_module("fasthttpx._sse")
    except ImportError as exc:
        if extensions_disabled(os.environ.get("FASTHTTPX_NO_EXTENSIONS")):
            pytest.skip(f"compiled core not built and this run opted out: {exc!r}")
        pytest.fail(f"the compiled core cannot be imported: {exc!r}", pytrace=False)


@pytest.mark.parametrize("value", [None, "", "0", "false", "no", "FALSE", "No", " 0 "],
                         ids=lambda v: "unset" if v is None else repr(v))
def test_extensions_selected(value: str | None) -> None:
    _require_compiled()
    _check(_probe(value), "cython")


@pytest.mark.parametrize("value", ["1", "yes", "true", "TRUE", "on", "2"])
def test_twins_selected_when_disabled(value: str) -> None:
    _check(_probe(value), "python")


@pytest.mark.parametrize("blocked", [("fasthttpx._parser",), ("fasthttpx._chunked",),
                                     ("fasthttpx._parser", "fasthttpx._chunked"),
                                     ("fasthttpx._h2core",), ("fasthttpx._hpack",),
                                     ("fasthttpx._sse",)],
                         ids=["parser", "chunked", "both", "h2core", "hpack", "sse"])
def test_falls_back_when_compiled_import_fails(blocked: tuple[str, ...]) -> None:
    _check(_probe(None, blocked), "python")


@pytest.mark.parametrize(("value", "disabled"), [
    (None, False), ("", False), ("0", False), ("false", False), ("no", False), ("FALSE", False),
    ("  no ", False), ("1", True), ("yes", True), ("true", True), ("off", True),
])
def test_extensions_disabled_values(value: str | None, disabled: bool) -> None:
    assert extensions_disabled(value) is disabled
