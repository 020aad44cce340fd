"""Ask the kernel, without waiting, whether a socket has bytes (or an EOF) to read.

The pool's reuse check on an idle keep-alive connection ends here on every backend that
owns a socket: bytes the kernel holds but nobody has read yet would otherwise be taken for
the next request's response. ``poll`` where the platform has it (one registered poller per
connection, one system call per check), ``select`` elsewhere (Windows)."""

from __future__ import annotations

import select
from collections.abc import Callable

__all__ = ["readable_check"]


def readable_check(fd: int) -> Callable[[], bool]:
    """A function that returns True while ``fd`` has something to read."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)
        return lambda: bool(poller.poll(0))
    return lambda: bool(select.select([fd], [], [], 0)[0])
