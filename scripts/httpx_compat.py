"""``make httpx-compat``: run HTTPX 0.28.1's own test suite against fasthttpx.

Why: issue 13 wants ``import fasthttpx as httpx`` to run httpx programs, and the best oracle
for "behaves like HTTPX" is HTTPX's own tests. This script downloads the httpx sdist from the
package index into a temporary folder (``pip download --no-deps --no-binary :all:``), keeps
only its ``tests/`` folder (never its ``httpx/`` package), installs into this interpreter's
environment the few packages those tests import that are missing, writes a root
``conftest.py`` that binds ``sys.modules["httpx"]`` to fasthttpx before any test module
imports it, and runs pytest on the suite minus the excluded files (internals we do not
mirror, and the httpx command line). It prints the pass count, the percentage and a per-file
summary. Nothing is copied into this repository.

``--real-httpx`` is the baseline: the same suite, files and settings run against the genuine
httpx package unpacked from the same sdist (no binding), so that a count can be read against
what httpx itself passes on this machine (tests needing the internet fail for both).

Usage: ``python scripts/httpx_compat.py [--sdist PATH] [--real-httpx] [--keep] [--failures]
[-- PYTEST_ARGS]``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

HTTPX_VERSION = "0.28.1"
REPO = Path(__file__).resolve().parent.parent

# Test files the oracle leaves out: httpx internals (`httpx._utils`), the WHATWG URL-parsing
# corpus of httpx's own parser, and the `httpx` command line.
EXCLUDED = ("tests/test_utils.py", "tests/models/test_whatwg.py", "tests/test_main.py")

# What the httpx tests (and their conftest) import: import name -> requirement. chardet is
# pinned as httpx's own CI pins it: its autodetection tests expect chardet 5's guesses (7.x
# answers "iso8859-15" where 5.2 says "ISO-8859-1").
TEST_REQUIREMENTS = {
    "anyio": "anyio",
    "brotli": "brotli",
    "certifi": "certifi",
    "chardet": "chardet==5.2.0",
    "cryptography": "cryptography",
    "httpcore": "httpcore",
    "sniffio": "sniffio",
    "trio": "trio",
    "trustme": "trustme",
    "uvicorn": "uvicorn",
    "zstandard": "zstandard",
}

# What the genuine httpx package needs besides those (its install requirements), for the
# ``--real-httpx`` baseline.
REAL_HTTPX_REQUIREMENTS = {"h11": "h11", "idna": "idna", "socksio": "socksio", "h2": "h2"}


CONFTEST = '''\
"""Written by scripts/httpx_compat.py: the httpx tests import fasthttpx as `httpx`.

A finder keeps the binding when a test drops `httpx` from sys.modules and imports it again
(test_httpcore_lazy_loading does): the import gives fasthttpx back, never another httpx
installed in this environment."""
import importlib.abc
import importlib.util
import sys

import fasthttpx


class _FasthttpxAsHttpx(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        return importlib.util.spec_from_loader(name, self) if name == "httpx" else None

    def create_module(self, spec):
        self._own_spec = fasthttpx.__spec__
        return fasthttpx

    def exec_module(self, module):
        module.__spec__ = self._own_spec  # the import machinery set the "httpx" one


sys.meta_path.insert(0, _FasthttpxAsHttpx())
sys.modules["httpx"] = fasthttpx
'''

REAL_CONFTEST = '''\
"""Written by scripts/httpx_compat.py --real-httpx: the genuine httpx from the sdist."""
import pathlib

import httpx

assert pathlib.Path(httpx.__file__).parent.parent == pathlib.Path(__file__).parent, httpx.__file__
'''

# HTTPX's own pytest settings (from its pyproject.toml), plus a per-test timeout so a hang
# fails one test instead of the run.
PYTEST_INI = """\
[pytest]
addopts = -rN -p no:cacheprovider
timeout = 60
filterwarnings =
    error
    ignore: You seem to already have a custom sys.excepthook handler installed:RuntimeWarning
    ignore: trio.MultiError is deprecated since Trio 0.22.0:trio.TrioDeprecationWarning
markers =
    copied_from(source, changes=None): copied from somewhere else
    network: requires a network connection
"""


def download_sdist(dest: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
         "-d", str(dest), f"httpx=={HTTPX_VERSION}"],
        check=True,
    )
    (sdist,) = dest.glob(f"httpx-{HTTPX_VERSION}.tar.gz")
    return sdist


def extract_tests(sdist: Path, dest: Path, *, with_package: bool = False) -> Path:
    """Unpack ``tests/`` of the sdist into ``dest/tests`` (and ``httpx/`` too, for the
    ``--real-httpx`` baseline)."""
    folders = ("tests/", "httpx/") if with_package else ("tests/",)
    prefixes = tuple(f"httpx-{HTTPX_VERSION}/{folder}" for folder in folders)
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefixes)]
        for member in members:
            member.name = member.name[len(f"httpx-{HTTPX_VERSION}/"):]
        tar.extractall(dest, members=members, filter="data")
    return dest / "tests"


def _satisfied(name: str, requirement: str) -> bool:
    if importlib.util.find_spec(name) is None:
        return False
    _, _, pinned = requirement.partition("==")
    if not pinned:
        return True
    try:
        return importlib.metadata.version(requirement.partition("==")[0]) == pinned
    except importlib.metadata.PackageNotFoundError:
        return False


def install_missing(requirements: dict[str, str]) -> None:
    missing = [req for name, req in requirements.items() if not _satisfied(name, req)]
    if missing:
        print(f"installing test requirements: {' '.join(missing)}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def summarise(junit: Path, subject: str) -> int:
    per_file: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    failures: list[str] = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        classname = case.get("classname", "")
        # "tests.models.test_url" or "tests.models.test_url.TestClass" -> a file path
        parts = classname.split(".")
        while parts and not parts[-1].startswith("test_") and len(parts) > 1:
            parts.pop()
        path = "/".join(parts) + ".py"
        if case.find("skipped") is not None:
            outcome = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
            failures.append(f"{path}::{case.get('name')}")
        else:
            outcome = "passed"
        per_file[path][outcome] += 1
    total = {k: sum(c[k] for c in per_file.values()) for k in ("passed", "failed", "skipped")}
    print(f"\n{'file':<44} {'pass':>5} {'fail':>5} {'skip':>5}")
    for path in sorted(per_file):
        c = per_file[path]
        print(f"{path:<44} {c['passed']:>5} {c['failed']:>5} {c['skipped']:>5}")
    run = total["passed"] + total["failed"]
    pct = 100.0 * total["passed"] / run if run else 0.0
    print(
        f"\nhttpx {HTTPX_VERSION} suite on {subject}: {total['passed']}/{run} passed "
        f"({pct:.1f}%), {total['skipped']} skipped"
    )
    return len(failures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdist", type=Path, help="use this httpx sdist instead of downloading")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--failures", action="store_true", help="list every failing test")
    parser.add_argument("--real-httpx", action="store_true",
                        help="baseline: run the suite against the sdist's own httpx package")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()

    install_missing(
        {**TEST_REQUIREMENTS, **REAL_HTTPX_REQUIREMENTS} if args.real_httpx else TEST_REQUIREMENTS
    )
    work = Path(tempfile.mkdtemp(prefix="httpx-compat-"))
    try:
        sdist = args.sdist if args.sdist else download_sdist(work / "dist")
        tests = extract_tests(sdist, work, with_package=args.real_httpx)
        (work / "conftest.py").write_text(REAL_CONFTEST if args.real_httpx else CONFTEST)
        (work / "pytest.ini").write_text(PYTEST_INI)
        junit = work / "junit.xml"
        ignores = [f"--ignore={work / path}" for path in EXCLUDED]
        cmd = [
            sys.executable, "-m", "pytest", str(tests), *ignores, "-q", "--tb=line",
            f"--junitxml={junit}", f"--rootdir={work}", "-c", str(work / "pytest.ini"),
            *args.pytest_args,
        ]
        # fasthttpx from this checkout, or (baseline) httpx unpacked in the work folder
        env_path = str(work) if args.real_httpx else str(REPO)
        result = subprocess.run(
            cmd, cwd=work, env={**os.environ, "PYTHONPATH": env_path},
            stdout=subprocess.PIPE if not args.failures else None, text=True,
        )
        if result.stdout is not None:
            # The short "FAILED ..." list is long; keep only pytest's closing line.
            tail = [line for line in result.stdout.splitlines() if line.strip()]
            print(tail[-1] if tail else "")
        if not junit.exists():
            print(result.stdout or "", file=sys.stderr)
            return 2
        summarise(junit, f"httpx {HTTPX_VERSION} itself" if args.real_httpx else "fasthttpx")
        tested = subprocess.run(
            [sys.executable, "-c", "import httpx; print(httpx.__file__)"
             if args.real_httpx else
             "import fasthttpx; print(fasthttpx.__file__, fasthttpx.__implementation__)"],
            cwd=work, env={**os.environ, "PYTHONPATH": env_path}, capture_output=True, text=True,
        )
        print(f"tested: {tested.stdout.strip() or tested.stderr.strip()}")
        if args.keep:
            print(f"kept {work}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
