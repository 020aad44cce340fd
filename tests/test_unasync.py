"""The generated sync code matches its async source, and the generator's rules hold."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "unasync.py"


def _load() -> object:
    spec = importlib.util.spec_from_file_location("unasync", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_sync_code_is_up_to_date() -> None:
    if not SCRIPT.exists():  # an installed wheel's test run has no scripts/
        return
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rewrites_tokens_not_text() -> None:
    if not SCRIPT.exists():
        return
    unasync = _load()
    source = '''
async def fetch(client: AsyncClient) -> Awaitable[AsyncResponse]:
    """Use ``async with AsyncClient()`` and ``await client.aclose()``."""
    async with client.stream("GET", "/") as r:
        async for chunk in r.aiter_bytes():
            await r.aclose()
    note = "awaiting asyncio is just a word here"  # async comment stays
    aread = read
    return await client.get("/")
'''
    out = unasync.unasync_source(source)  # type: ignore[attr-defined]
    assert "def fetch(client: Client) -> Response:" in out
    assert "with Client()`` and ``client.close()``" in out
    assert "    with client.stream(" in out
    assert "for chunk in r.iter_bytes():" in out
    assert "r.close()" in out and "await" not in out.split("note")[0]
    assert '"awaiting asyncio is just a word here"' in out
    assert "# async comment stays" in out
    assert "read = read" not in out
    assert "return client.get(\"/\")" in out
