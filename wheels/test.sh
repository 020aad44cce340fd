#!/usr/bin/env bash
# Install the wheel `wheels/build.sh` wrote into a fresh virtualenv and run the test suite
# against it, away from the checkout.
#
# The point is to test what users install, not the source tree: the venv holds only the wheel
# and its `test` extra; tests/ and pyproject.toml (for pytest's config) are copied to a
# temporary directory and pytest runs there, so `import fasthttpx` can only find the installed
# package. Before the suite, it asserts that the compiled core is what loaded
# (`fasthttpx.__implementation__ == "cython"`, `fasthttpx._parser` from site-packages).
# Usage: wheels/test.sh [extra pytest arguments]   (WHEEL_VENV=/path to move the venv)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
VENV=${WHEEL_VENV:-/tmp/fasthttpx-wheel-venv}

shopt -s nullglob
wheels=("$ROOT"/wheels/fasthttpx-*.whl)
if [[ ${#wheels[@]} -ne 1 ]]; then
    echo "expected one wheel in wheels/ (run \`make wheel\` first), found ${#wheels[@]}" >&2
    exit 1
fi
wheel=${wheels[0]}

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
VPY=$VENV/bin/python
"$VPY" -m pip install -q --upgrade pip
"$VPY" -m pip install -q "${wheel}[test]"

work=$(mktemp -d "${TMPDIR:-/tmp}/fasthttpx-wheel-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$ROOT/tests" "$work/tests"
cp "$ROOT/pyproject.toml" "$work/pyproject.toml"
find "$work" -name __pycache__ -prune -exec rm -rf {} +
cd "$work"

# The compiled core must be the one loaded, from the venv's site-packages, never the checkout.
env -u FASTHTTPX_NO_EXTENSIONS FASTHTTPX_CHECKOUT="$ROOT" "$VPY" - <<'PY'
import os
import pathlib
import sysconfig

import fasthttpx
import fasthttpx._chunked
import fasthttpx._parser
import fasthttpx._sse
import fasthttpx._websocket

site = pathlib.Path(sysconfig.get_paths()["platlib"]).resolve()
checkout = pathlib.Path(os.environ["FASTHTTPX_CHECKOUT"]).resolve()
assert fasthttpx.__implementation__ == "cython", fasthttpx.__implementation__
for module in (fasthttpx, fasthttpx._parser, fasthttpx._chunked, fasthttpx._sse,
               fasthttpx._websocket):
    path = pathlib.Path(module.__file__ or "").resolve()
    assert site in path.parents, f"{module.__name__} loaded from {path}, not {site}"
    assert checkout not in path.parents, f"{module.__name__} loaded from the checkout: {path}"
print(f"fasthttpx {fasthttpx.__version__} ({fasthttpx.__implementation__}) from {site}")
print(f"  {pathlib.Path(fasthttpx._parser.__file__ or '').name}")
print(f"  {pathlib.Path(fasthttpx._chunked.__file__ or '').name}")
print(f"  {pathlib.Path(fasthttpx._sse.__file__ or '').name}")
print(f"  {pathlib.Path(fasthttpx._websocket.__file__ or '').name}")
PY

env -u FASTHTTPX_NO_EXTENSIONS "$VPY" -m pytest tests -m "not slow" -p no:cacheprovider "$@"
