"""``readable_check``: the kernel-side half of every backend's reuse check, with ``poll``
and with the ``select`` fallback of platforms without ``poll`` (Windows)."""

from __future__ import annotations

import select
import socket

import pytest

from fasthttpx.concurrency._poll import readable_check


@pytest.mark.parametrize("with_poll", [True, False], ids=["poll", "select"])
def test_readable_check(with_poll: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not with_poll:
        monkeypatch.delattr(select, "poll", raising=False)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        check = readable_check(ours.fileno())
        assert check() is False
        theirs.sendall(b"x")
        assert check() is True
        assert ours.recv(1) == b"x"
        assert check() is False
        theirs.close()  # EOF is readable too
        assert check() is True
