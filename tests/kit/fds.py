"""Count this process's open file descriptors, to catch leaked sockets in tests.

Linux exposes one entry per open descriptor in ``/proc/self/fd``; on other systems the count
is not available and :func:`open_fds` returns -1 (callers then skip the check).
"""

from __future__ import annotations

import gc
import os
import time

_FD_DIR = "/proc/self/fd"


def open_fds() -> int:
    """Number of open file descriptors of this process, or -1 if it cannot be counted."""
    try:
        # listdir itself opens one fd while it runs; it is closed before the count is taken.
        return len(os.listdir(_FD_DIR))
    except OSError:
        return -1


def describe_fds() -> list[str]:
    """``fd -> target`` lines for every open descriptor (for leak messages)."""
    lines: list[str] = []
    try:
        names = os.listdir(_FD_DIR)
    except OSError:
        return lines
    for name in sorted(names, key=int):
        try:
            target = os.readlink(os.path.join(_FD_DIR, name))
        except OSError:
            continue  # the fd listdir used, already closed
        lines.append(f"{name} -> {target}")
    return lines


def assert_fds_settle(before: int, before_list: list[str], timeout: float = 2.0) -> None:
    """Wait up to ``timeout`` s (collecting garbage) for the fd count to drop to ``before``;
    raise AssertionError naming the new descriptors if it does not."""
    if before < 0:
        return
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        after = open_fds()
        if after <= before:
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    new = sorted(set(describe_fds()) - set(before_list))
    raise AssertionError(f"fd leak: {after} open after the test, {before} before; new: {new}")
