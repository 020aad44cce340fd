"""Proves the fd counting behind ``no_fd_leak`` sees a leaked socket and its release."""

from __future__ import annotations

import socket

import pytest

from tests.kit.fds import assert_fds_settle, describe_fds, open_fds


@pytest.mark.skipif(open_fds() < 0, reason="no /proc/self/fd on this system")
def test_leak_is_detected_and_release_is_seen() -> None:
    before, before_list = open_fds(), describe_fds()
    sock = socket.socket()
    try:
        assert open_fds() == before + 1
        with pytest.raises(AssertionError, match=r"fd leak: .*socket:\["):
            assert_fds_settle(before, before_list, timeout=0.1)
    finally:
        sock.close()
    assert_fds_settle(before, before_list, timeout=0.1)


def test_no_fd_leak_fixture_passes_when_clean(no_fd_leak: None) -> None:
    with socket.socket() as sock:
        assert sock.fileno() >= 0
