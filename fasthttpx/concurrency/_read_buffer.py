"""Big reads through one reused buffer per thread (the sync and trio backends).

Why: ``socket.recv(n)`` and ``os.read(fd, n)`` allocate ``n`` bytes before the read and shrink
the result after it. WebSocket and HTTP/2 sessions read up to 256 KiB at a time, above glibc's
mmap threshold (128 KiB until the process frees a bigger block), and the shrunk block is then
too small to raise that threshold: every read cost ``mmap`` + ``mremap`` + ``munmap``, three
system calls and a page fault, even for a 34-byte message. Reading into a buffer that stays
and copying out what arrived costs a ``memcpy`` of the bytes that came instead; while reads
come back big (a bulk transfer, which keeps the threshold raised) they are read directly.

One buffer per thread: the sync backend reads different connections from different threads,
and what a thread reads is copied out before the thread reads again (a read re-entered on
the same thread meanwhile reads without it). Each thread that makes big reads keeps its
256 KiB until it ends.
"""

from __future__ import annotations

import os
import socket
import threading

__all__ = ["BIG_READ", "read_fd", "read_socket"]

#: Reads asking for more than this go through the thread's buffer; smaller ones are served
#: from the heap by the allocator and read directly.
BIG_READ = 64 * 1024
_SIZE = 256 * 1024


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.buffer: memoryview | None = memoryview(bytearray(_SIZE))
        #: The last big read filled more than ``BIG_READ``: a bulk transfer, whose reads are
        #: big enough to keep glibc's threshold up. They are read directly (no copy) until a
        #: small one comes again.
        self.bulk = False


_thread = _ThreadState()


def read_socket(sock: socket.socket, max_bytes: int) -> bytes:
    """``sock.recv(max_bytes)`` for ``max_bytes`` over ``BIG_READ``, without the allocator's
    system calls (errors as ``recv``'s)."""
    state = _thread
    buffer = state.buffer
    if state.bulk or buffer is None:
        data = sock.recv(max_bytes)
        state.bulk = len(data) > BIG_READ
        return data
    state.buffer = None  # in use: a read re-entered on this thread (a signal handler, a
    try:  # finalizer run by the collector) reads without it
        count = sock.recv_into(buffer if max_bytes >= _SIZE else buffer[:max_bytes])
        state.bulk = count > BIG_READ
        return buffer[:count].tobytes()
    finally:
        state.buffer = buffer


def read_fd(fd: int, max_bytes: int) -> bytes:
    """``os.read(fd, max_bytes)`` for ``max_bytes`` over ``BIG_READ``, as `read_socket`."""
    state = _thread
    buffer = state.buffer
    if state.bulk or buffer is None:
        data = os.read(fd, max_bytes)
        state.bulk = len(data) > BIG_READ
        return data
    state.buffer = None  # in use (see `read_socket`)
    try:
        count = os.readv(fd, [buffer if max_bytes >= _SIZE else buffer[:max_bytes]])
        state.bulk = count > BIG_READ
        return buffer[:count].tobytes()
    finally:
        state.buffer = buffer
