"""Sans-I/O bookkeeping of the connection pool: who is idle, how many are open, who waits.

The I/O shell (``_async/connection_pool.py``) holds the pool lock while it calls these
methods, and does the closing and connecting they ask for outside it. Invariants:

* ``total`` counts every connection that is open or being opened, idle or in use; it never
  exceeds ``limits.max_connections``.
* A connection is in ``idle`` only between a clean end of exchange and its next checkout,
  and at most ``limits.max_keepalive_connections`` sit there.
* Idle connections are reused most-recently-used first (the warmest is the least likely to
  have been closed by the server), and one that is expired, closed or has stray bytes waiting
  is never handed out.

Multiplexed (HTTP/2) connections are not "idle" or "in use" but shared: ``MultiplexState``
keeps them per origin with the number of streams the pool handed out on each
(``reserved``), and the origins where a connection that may turn out multiplexed is being
opened, with the requests waiting to see what it becomes (so that 100 concurrent first
requests open one HTTP/2 connection, not 100). Each shared connection counts once in
``PoolState.total`` for its whole life.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, Protocol, TypeVar

__all__ = ["PooledConnection", "PoolState", "Origin", "SharedConnection", "MultiplexState"]

Origin = tuple[str, bytes, int]


class PooledConnection(Protocol):
    origin: Origin
    expires_at: float

    def is_reusable_now(self) -> bool:
        """False if the connection is closed or something was received while it was idle."""


C = TypeVar("C", bound=PooledConnection)
W = TypeVar("W")


class PoolState(Generic[C, W]):
    """Counts and idle stacks; ``W`` is the backend's event type used for waiters."""

    def __init__(self, max_connections: int | None, max_keepalive: int | None) -> None:
        self.max_connections = max_connections
        self.max_keepalive = max_keepalive
        self.idle: dict[Origin, list[C]] = {}
        self.idle_count = 0
        self.total = 0
        self.waiters: deque[W] = deque()

    def take_idle(self, origin: Origin, now: float, discard: list[C]) -> C | None:
        """Pop the warmest usable idle connection of ``origin``; unusable ones go to
        ``discard`` (the caller closes them) and stop counting."""
        stack = self.idle.get(origin)
        while stack:
            conn = stack.pop()
            self.idle_count -= 1
            if conn.expires_at > now and conn.is_reusable_now():
                return conn
            self.total -= 1
            discard.append(conn)
        return None

    def take_usable_idle(self, origin: Origin, now: float) -> C | None:
        """Pop the warmest idle connection of ``origin`` only if it is usable; None when
        there is none or it must be discarded (left for ``take_idle``)."""
        stack = self.idle.get(origin)
        if stack:
            conn = stack[-1]
            if conn.expires_at > now and conn.is_reusable_now():
                stack.pop()
                self.idle_count -= 1
                return conn
        return None

    def reserve_new(self, now: float, discard: list[C]) -> bool:
        """Count a connection about to be opened, if the limit allows; to make room, an idle
        connection of another origin may be evicted into ``discard``."""
        if self.max_connections is None or self.total < self.max_connections:
            self.total += 1
            return True
        victim = self._oldest_idle()
        if victim is None:
            return False
        self.idle[victim.origin].remove(victim)
        self.idle_count -= 1
        discard.append(victim)  # its slot goes to the new connection: total unchanged
        return True

    def put_idle(self, conn: C) -> bool:
        """Keep ``conn`` for reuse; False if the keep-alive limit says to close it instead
        (then it no longer counts)."""
        if self.max_keepalive is not None and self.idle_count >= self.max_keepalive:
            self.total -= 1
            return False
        stack = self.idle.get(conn.origin)
        if stack is None:
            stack = self.idle[conn.origin] = []
        stack.append(conn)
        self.idle_count += 1
        return True

    def forget(self) -> None:
        """A connection that was open or being opened is gone (closed, failed, cancelled)."""
        self.total -= 1

    def take_all_idle(self) -> list[C]:
        """Empty the idle stacks (pool close)."""
        conns = [c for stack in self.idle.values() for c in stack]
        self.idle.clear()
        self.total -= len(conns)
        self.idle_count = 0
        return conns

    def _oldest_idle(self) -> C | None:
        oldest: C | None = None
        for stack in self.idle.values():
            if stack and (oldest is None or stack[0].expires_at < oldest.expires_at):
                oldest = stack[0]
        return oldest


class SharedConnection(Protocol):
    origin: Origin
    expires_at: float
    reserved: int

    def has_capacity(self) -> bool:
        """Open, taking new streams, and below its stream limit."""

    def accepts_new_streams(self) -> bool:
        """Open and taking new streams (no GOAWAY, no failure)."""


S = TypeVar("S", bound=SharedConnection)


class MultiplexState(Generic[S, W]):
    """Shared connections per origin, and origins with a possibly shared one being opened."""

    def __init__(self) -> None:
        self.conns: dict[Origin, list[S]] = {}
        #: Origins being connected to (maybe HTTP/2), with the requests waiting on the result.
        self.opening: dict[Origin, list[W]] = {}

    def take_stream(self, origin: Origin, now: float, discard: list[S]) -> S | None:
        """A connection of ``origin`` with a free stream, which is counted as handed out.
        Unused connections that are expired or take no new streams go to ``discard`` (the
        caller closes them and stops counting them)."""
        conns = self.conns.get(origin)
        if not conns:
            return None
        chosen = None
        for conn in list(conns):
            if conn.reserved == 0 and (conn.expires_at <= now or not conn.accepts_new_streams()):
                conns.remove(conn)
                discard.append(conn)
            elif chosen is None and conn.has_capacity():
                chosen = conn
        if not conns:
            del self.conns[origin]
        if chosen is not None:
            chosen.reserved += 1
            chosen.expires_at = float("inf")
        return chosen

    def add(self, conn: S) -> None:
        """A new shared connection, with the stream of the request that opened it."""
        conn.reserved = 1
        conn.expires_at = float("inf")
        self.conns.setdefault(conn.origin, []).append(conn)

    def release(self, conn: S, now: float, keepalive_expiry: float) -> bool:
        """One stream of ``conn`` is over. True when the connection must be closed now (it
        takes no new streams and none is left; the caller stops counting it)."""
        conn.reserved -= 1
        if conn.reserved > 0:
            return False
        if conn.accepts_new_streams():
            conn.expires_at = now + keepalive_expiry
            return False
        conns = self.conns.get(conn.origin)
        if conns is not None and conn in conns:
            conns.remove(conn)
            if not conns:
                del self.conns[conn.origin]
            return True
        return False  # already forgotten (the pool was closed)

    def take_all(self) -> list[S]:
        """Forget every shared connection (pool close)."""
        conns = [c for group in self.conns.values() for c in group]
        self.conns.clear()
        return conns
