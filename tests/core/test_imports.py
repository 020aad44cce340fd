"""Imports point down the layers; only ``concurrency/`` touches sockets, TLS, loops, threads.

Layers, lowest first (a module may import its own layer or lower ones):

0. ``_exceptions``, ``_events``, ``_version`` (``_exceptions`` imports nothing of ours;
   ``_events`` at most ``_exceptions``)
1. pure logic: every other top-level ``_x`` module (``_parser_py``, ``_chunked_py``,
   ``_implementation``, ``_urls``, ``_models``, ``_config``...)
2. protocol cores: ``*_state`` modules (sans-I/O)
3. backends: ``concurrency/``
4. I/O shell: ``_async/``, ``_sync/`` (which never import each other), and ``_response``,
   the one ``Response`` class that joins the two generated halves of its body reading
5. public API: ``__init__``, ``_api``, ``_transports``, ``_cli``, ``_demo``, ``__main__``,
   ``websockets`` (HTTPX-WS's spelling), ``adapters/`` (fasthttpx under httpx and httpx2)

The parser twins import only ``_events``, ``_exceptions`` and the chunked twin of their own
kind; the event-stream parser twins only ``_sse_event`` and ``_exceptions``. Outside
``concurrency/`` no module imports ``socket``, ``ssl`` (``_config`` may), ``asyncio``,
``trio``, ``selectors``, ``threading``, ``concurrent`` or ``uvloop``. Imports
under ``if TYPE_CHECKING:`` are not executed and are not checked. Every module is parsed
with ``ast`` (``.pyx`` files by their import lines), so new modules are covered as they
appear; a failure names the module, the line and the offending import.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import fasthttpx

PACKAGE = "fasthttpx"
PKG_DIR = Path(fasthttpx.__file__).resolve().parent  # the checkout or an installed wheel

IO_MODULES = {"socket", "ssl", "asyncio", "trio", "selectors", "threading", "concurrent",
              "uvloop"}
IO_EXCEPTIONS = {f"{PACKAGE}._config": {"ssl"}}
TWIN_ALLOWED = {
    f"{PACKAGE}._parser_py": {"_events", "_exceptions", "_chunked_py"},
    f"{PACKAGE}._chunked_py": {"_events", "_exceptions"},
    f"{PACKAGE}._parser": {"_events", "_exceptions", "_chunked"},
    f"{PACKAGE}._chunked": {"_events", "_exceptions"},
    f"{PACKAGE}._sse_py": {"_sse_event", "_exceptions"},
    f"{PACKAGE}._sse": {"_sse_event", "_exceptions"},
}
LOW_ALLOWED = {
    f"{PACKAGE}._exceptions": set(),
    f"{PACKAGE}._version": set(),
    f"{PACKAGE}._events": {"_exceptions"},
}
LAYER_NAMES = ["exceptions/events", "pure logic", "protocol cores", "backends (concurrency/)",
               "I/O shell (_async/_sync)", "public API"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return 5  # the package itself: fasthttpx/__init__.py
    if parts[1] == "concurrency":
        return 3
    if parts[1] in ("_async", "_sync", "_response"):
        return 4
    name = parts[1]
    if name in ("_exceptions", "_events", "_version"):
        return 0
    if name in ("_api", "_transports", "_cli", "_demo", "__main__", "adapters", "websockets"):
        return 5  # adapters: fasthttpx under httpx and httpx2, built on the transports
    if name.endswith("_state") or name == "_prepared":  # _prepared formats HTTP/1.1 heads
        return 2
    return 1


def modules() -> list[Path]:
    found = sorted(PKG_DIR.rglob("*.py")) + sorted(PKG_DIR.rglob("*.pyx"))
    return [p for p in found if "__pycache__" not in p.parts]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Import statements, skipping the bodies of ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for stmt in node.orelse:
                visit(stmt)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:]) if "." in module else Path()
    base = PKG_DIR / rel
    return (base.with_suffix(".py").exists() or base.with_suffix(".pyx").exists()
            or (base / "__init__.py").exists() or any(base.parent.glob(base.name + ".*.so")))


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every runtime import of ``path``."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    if path.suffix == ".pyx":
        pattern = re.compile(
            r"^\s*(?:from\s+(\.*[\w.]*)\s+c?import\s+([\w, ]+)|c?import\s+([\w.]+))",
            re.MULTILINE)
        text = path.read_text()
        for m in pattern.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            if m.group(3):
                out.append((line, m.group(3)))
            else:
                names = [n.strip() for n in m.group(2).split(",")]
                out += _resolve_from(package, m.group(1), names, line)
        return out
    tree = ast.parse(path.read_text(), str(path))
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = "." * node.level + (node.module or "")
            out += _resolve_from(package, source, [a.name for a in node.names], node.lineno)
    return out


def _resolve_from(package: str, source: str, names: list[str], line: int) -> list[tuple[int, str]]:
    level = len(source) - len(source.lstrip("."))
    if level == 0:
        return [(line, source)]
    base_parts = package.split(".")
    if level > 1:
        base_parts = base_parts[: len(base_parts) - (level - 1)]
    base = ".".join(base_parts)
    rest = source.lstrip(".")
    target = f"{base}.{rest}" if rest else base
    results = []
    for name in names:
        sub = f"{target}.{name}"
        # ``from . import x`` / ``from .pkg import mod``: the target is the submodule if it is one.
        results.append((line, sub if _exists(sub) else target))
    return results


def problems(path: Path) -> list[str]:
    me = module_name(path)
    my_layer = layer(me)
    issues = []
    in_concurrency = me.startswith(f"{PACKAGE}.concurrency")
    for line, target in imports_of(path):
        where = f"{path.relative_to(PKG_DIR.parent)}:{line} imports {target}"
        top = target.split(".")[0]
        if top != PACKAGE:
            if top in IO_MODULES and not in_concurrency and top not in IO_EXCEPTIONS.get(me, ()):
                issues.append(f"{where}: only fasthttpx/concurrency/ may import {top}")
            continue
        if target == me:
            continue
        short = target.split(".", 1)[1] if "." in target else ""
        if me in TWIN_ALLOWED and short not in TWIN_ALLOWED[me]:
            issues.append(f"{where}: a parser twin may import only {sorted(TWIN_ALLOWED[me])}")
        if me in LOW_ALLOWED and short not in LOW_ALLOWED[me]:
            issues.append(f"{where}: {me} may import only {sorted(LOW_ALLOWED[me]) or 'nothing'}")
        their_layer = layer(target)
        if their_layer > my_layer:
            issues.append(f"{where}: layer '{LAYER_NAMES[my_layer]}' must not import upwards "
                          f"from '{LAYER_NAMES[their_layer]}'")
        kinds = {me.split(".")[1] if "." in me else "", short.split(".")[0]}
        if kinds == {"_async", "_sync"}:
            issues.append(f"{where}: _async and _sync must not import each other")
    return issues


MODULES = modules()


def test_core_modules_present() -> None:
    names = {module_name(p) for p in MODULES}
    for required in ("_exceptions", "_events", "_implementation", "_parser_py", "_chunked_py"):
        assert f"{PACKAGE}.{required}" in names


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PKG_DIR)) for p in MODULES])
def test_imports_point_down(path: Path) -> None:
    issues = problems(path)
    assert not issues, "\n".join(issues)


def test_checker_catches_violations(tmp_path: Path) -> None:
    """The checker itself: a made-up upward import and a socket import are reported."""
    fake = PKG_DIR / "_urls.py"
    tree_text = "import socket\nfrom ._async import client\nfrom . import _events\n"
    bad = tmp_path / "x.py"
    bad.write_text(tree_text)
    # Reuse the resolution logic with the fake content placed as if it were fasthttpx/_urls.py.
    original = Path.read_text

    def fake_read(self: Path, *args: object, **kwargs: object) -> str:
        return tree_text if self == fake else original(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Path, "read_text", fake_read)
        issues = problems(fake)
    assert any("socket" in i for i in issues), issues
    assert any("upwards" in i and "_async" in i for i in issues), issues
    assert not any("_events" in i for i in issues), issues
