"""Sans-I/O decisions of the connection pool: which connection a request gets, who waits.

The I/O shell (``_async/connection_pool.py``) holds the pool lock while it calls these
methods, and does the closing, connecting and waiting they ask for outside it: nothing here
awaits or touches a socket, so every rule below can be tested with fake connections.
Invariants:

* ``total`` counts every connection that is open or being opened, idle, in use or shared;
  it never exceeds ``max_connections``.
* An exclusive (HTTP/1.1) connection is in ``idle`` only between a clean end of exchange and
  its next checkout, and at most ``max_keepalive`` sit there. Idle connections are reused
  most-recently-used first (the warmest is the least likely to have been closed by the
  server); one that is expired, closed or has stray bytes waiting is never handed out.
* A shared (HTTP/2) connection carries up to its ``max_streams`` requests at once; the pool
  counts the streams it handed out on each (``streams``). While a connection that may turn
  out shared is being opened to an origin (``opening``), other requests to that origin wait
  to see what it becomes, so that 100 concurrent first requests open one connection, not 100.
* Connections record their own state (``reusable``, ``expires_at``); the pool only reads it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

__all__ = ["Origin", "ExclusiveConnection", "SharedConnection", "Waiter", "Checkout",
           "PoolState"]

Origin = tuple[str, bytes, int]


class ExclusiveConnection(Protocol):
    """One exchange at a time (HTTP/1.1)."""

    origin: Origin
    #: When it is too old to reuse (monotonic seconds), set by the connection as an exchange ends.
    expires_at: float
    #: The last exchange ended cleanly and allows another (false once closed).
    reusable: bool

    def is_reusable_now(self) -> bool:
        """False if the connection is closed or something was received while it was idle."""


class SharedConnection(Protocol):
    """Many exchanges at once, one stream each (HTTP/2)."""

    origin: Origin
    #: When it is too old to reuse, once no exchange is running on it.
    expires_at: float

    @property
    def max_streams(self) -> int:
        """How many streams the peer lets us run at once."""

    def accepts_new_streams(self) -> bool:
        """Open and taking new streams (no GOAWAY, no failure)."""


class Waiter(Protocol):
    """What a request waits on (the backend's event): the pool sets it when something that
    request may use became free."""

    def set(self) -> None: ...


C = TypeVar("C", bound=ExclusiveConnection)
S = TypeVar("S", bound=SharedConnection)
W = TypeVar("W", bound=Waiter)


class Checkout(Generic[C, S, W]):
    """What the shell does next for a request: first close ``close`` (connections no longer
    counted), then

    * ``conn`` set: send on it (it is counted as in use, or a stream on it as taken);
    * ``waiter`` set: wait for it, then ask again;
    * neither: open a new connection (its slot is already counted) and report how that went
      (``connected``, ``connected_shared`` or ``connect_failed``); ``opening``: requests to
      the same origin wait to see whether it will be shared.
    """

    __slots__ = ("conn", "waiter", "close", "opening")

    def __init__(
        self, conn: C | S | None, waiter: W | None, close: list[C | S], opening: bool = False
    ) -> None:
        self.conn = conn
        self.waiter = waiter
        self.close = close
        self.opening = opening


class PoolState(Generic[C, S, W]):
    """Every count, stack and queue of one pool.

    ``new_waiter`` makes the object a request waits on; ``http2``/``http1`` are the pool's
    protocols: with ``http2``, a new connection to an ``https`` origin (or to any origin when
    HTTP/1.1 is off: prior knowledge) may turn out shared."""

    def __init__(
        self,
        max_connections: int | None,
        max_keepalive: int | None,
        new_waiter: Callable[[], W],
        *,
        http2: bool = False,
        http1: bool = True,
    ) -> None:
        self.max_connections = max_connections
        self.max_keepalive = max_keepalive
        self._new_waiter = new_waiter
        self._http2 = http2
        self._http1 = http1
        self.total = 0
        self.idle: dict[Origin, list[C]] = {}
        self.idle_count = 0
        self.active: set[C] = set()
        self.waiters: deque[W] = deque()
        self.shared: dict[Origin, list[S]] = {}
        #: Streams handed out and not yet released, per shared connection.
        self.streams: dict[S, int] = {}
        #: Origins a possibly shared connection is being opened to, with who waits on it.
        self.opening: dict[Origin, list[W]] = {}
        #: Origins whose server picked HTTP/1.1 by ALPN: no need to wait for a shared one.
        self.http1_origins: set[Origin] = set()
        #: Connections given up without a chance to close them: closed by the next checkout.
        self.to_close: list[C | S] = []
        self.closed = False

    # -- checking out -------------------------------------------------------------------------

    def take_usable_idle(self, origin: Origin, now: float) -> C | None:
        """The request path's first try: the warmest idle connection of ``origin`` if it is
        usable as it stands (now in use), else None and nothing changes (``checkout`` then
        discards what must be discarded)."""
        stack = self.idle.get(origin)
        if stack:
            conn = stack[-1]
            if conn.expires_at > now and conn.is_reusable_now():
                stack.pop()
                self.idle_count -= 1
                self.active.add(conn)
                return conn
        return None

    def checkout(self, origin: Origin, now: float, fresh: bool = False) -> Checkout[C, S, W]:
        """Decide what a request to ``origin`` gets: a stream on a shared connection, else
        (unless one is being opened that may be shared: wait for it) an idle connection,
        else a new one if the limits allow, else a place in the queue. ``fresh`` (a retry
        after a stale connection): never an idle connection, which could be stale alike."""
        close: list[C | S] = []
        if self.to_close:
            close, self.to_close = self.to_close, close
        if self.shared:
            stream = self._take_stream(origin, now, close)
            if stream is not None:
                return Checkout(stream, None, close)
        waiting = self.opening.get(origin)
        if waiting is not None:
            waiter = self._new_waiter()
            waiting.append(waiter)
            return Checkout(None, waiter, close)
        if not fresh:
            conn = self._take_idle(origin, now, close)
            if conn is not None:
                self.active.add(conn)
                return Checkout(conn, None, close)
        if self._reserve_new(close):
            opening = self._http2 and origin not in self.http1_origins \
                and (origin[0] == "https" or not self._http1)
            if opening:
                self.opening[origin] = []
            return Checkout(None, None, close, opening)
        waiter = self._new_waiter()
        self.waiters.append(waiter)
        return Checkout(None, waiter, close)

    def _take_idle(self, origin: Origin, now: float, close: list[C | S]) -> C | None:
        stack = self.idle.get(origin)
        while stack:
            conn = stack.pop()
            self.idle_count -= 1
            if conn.expires_at > now and conn.is_reusable_now():
                return conn
            self.total -= 1
            close.append(conn)
        return None

    def _take_stream(self, origin: Origin, now: float, close: list[C | S]) -> S | None:
        """A shared connection of ``origin`` with a free stream (taken). Unused ones that
        are expired or take no new streams are dropped into ``close``."""
        conns = self.shared.get(origin)
        if not conns:
            return None
        streams = self.streams
        chosen = None
        for conn in list(conns):
            taken = streams[conn]
            if taken == 0 and (conn.expires_at <= now or not conn.accepts_new_streams()):
                self._drop_shared(conn)
                close.append(conn)
            elif chosen is None and taken < conn.max_streams and conn.accepts_new_streams():
                chosen = conn
        if chosen is not None:
            streams[chosen] += 1
        return chosen

    def _reserve_new(self, close: list[C | S]) -> bool:
        """Count a connection about to be opened, if the limit allows; to make room, the
        oldest idle connection (of any origin) may be evicted into ``close``: an idle
        exclusive one, or a shared one with no stream running."""
        if self.max_connections is None or self.total < self.max_connections:
            self.total += 1
            return True
        oldest: C | None = None
        for stack in self.idle.values():
            if stack and (oldest is None or stack[0].expires_at < oldest.expires_at):
                oldest = stack[0]
        unused: S | None = None
        for shared, taken in self.streams.items():
            if taken == 0 and (unused is None or shared.expires_at < unused.expires_at):
                unused = shared
        if unused is not None and (oldest is None or unused.expires_at <= oldest.expires_at):
            self._drop_shared(unused)  # it no longer counts...
            self.total += 1  # ...and the new connection does
            close.append(unused)
            return True
        if oldest is None:
            return False
        self.idle[oldest.origin].remove(oldest)
        self.idle_count -= 1
        close.append(oldest)  # its slot goes to the new connection: total unchanged
        return True

    def drop_waiter(self, origin: Origin, waiter: W) -> None:
        """A request stopped waiting (timeout, cancellation). If it had been woken already,
        the wake-up is passed on so that no free capacity goes unnoticed."""
        waiting = self.opening.get(origin)
        if waiting is not None and waiter in waiting:
            waiting.remove(waiter)
            return
        try:
            self.waiters.remove(waiter)
        except ValueError:
            self._wake_one()

    # -- opening ------------------------------------------------------------------------------

    def connected(self, origin: Origin, conn: C, opening: bool) -> None:
        """A new exclusive connection is open, in use by the request that opened it."""
        self.active.add(conn)
        if opening:
            self._opened(origin)

    def connected_shared(self, origin: Origin, conn: S, opening: bool) -> None:
        """A new shared connection is open, with the stream of the request that opened it."""
        self.shared.setdefault(origin, []).append(conn)
        self.streams[conn] = 1
        if opening:
            self._opened(origin)

    def connect_failed(self, origin: Origin, opening: bool) -> None:
        """A connection attempt failed or was cancelled: its slot is free again."""
        self.total -= 1
        self._wake_one()
        if opening:
            self._opened(origin)

    def server_chose_http1(self, origin: Origin) -> None:
        """ALPN said HTTP/1.1 (RFC 7301): later requests to ``origin`` need not wait to see
        whether a new connection is shared."""
        self.http1_origins.add(origin)

    def _opened(self, origin: Origin) -> None:
        for waiter in self.opening.pop(origin, ()):
            waiter.set()

    # -- checking in --------------------------------------------------------------------------

    def checkin(self, conn: C) -> bool:
        """The exchange on ``conn`` is over. Returns True when the pool keeps it idle for
        reuse, False when it no longer counts and the caller must close it (not reusable,
        keep-alive limit reached, or the pool was closed meanwhile). Wakes one waiter."""
        try:
            self.active.remove(conn)
        except KeyError:  # the pool was closed meanwhile: it no longer counts
            return False
        max_keepalive = self.max_keepalive
        if conn.reusable and not self.closed and (
            max_keepalive is None or self.idle_count < max_keepalive
        ):
            stack = self.idle.get(conn.origin)
            if stack is None:
                stack = self.idle[conn.origin] = []
            stack.append(conn)
            self.idle_count += 1
            kept = True
        else:
            self.total -= 1
            kept = False
        if self.waiters:
            self.waiters.popleft().set()
        return kept

    def discard(self, conn: C) -> None:
        """A checked-out exclusive connection failed (the caller closes it): it no longer
        counts. Nothing happens if it was already forgotten."""
        if conn in self.active:
            self.active.discard(conn)
            self.total -= 1
            self._wake_one()

    def release_stream(self, conn: S) -> bool:
        """One stream on ``conn`` is over. Returns True when the pool keeps the connection,
        False when it no longer counts and the caller must close it (no stream is left and
        it takes no new ones, or the pool was closed meanwhile). Wakes one waiter."""
        taken = self.streams.get(conn)
        if taken is None:  # the pool was closed meanwhile
            return False
        if self.waiters:
            self.waiters.popleft().set()
        if taken > 1 or conn.accepts_new_streams():
            self.streams[conn] = taken - 1
            return True
        self._drop_shared(conn)
        return False

    def close_later(self, conn: C | S) -> None:
        """``conn`` must be closed but the caller cannot await: the next checkout closes it
        (it no longer counts)."""
        self.to_close.append(conn)

    def _drop_shared(self, conn: S) -> None:
        del self.streams[conn]
        conns = self.shared[conn.origin]
        conns.remove(conn)
        if not conns:
            del self.shared[conn.origin]
        self.total -= 1

    def _wake_one(self) -> None:
        if self.waiters:
            self.waiters.popleft().set()

    # -- closing ------------------------------------------------------------------------------

    def close_all(self) -> list[C | S]:
        """The pool is closing: forget every connection (returned for closing) and wake
        every waiter (they will find the pool closed)."""
        self.closed = True
        conns: list[C | S] = [c for stack in self.idle.values() for c in stack]
        conns += self.active
        conns += self.streams
        self.total -= len(conns)  # those being opened still count until they report back
        conns += self.to_close
        self.idle.clear()
        self.idle_count = 0
        self.active.clear()
        self.shared.clear()
        self.streams.clear()
        self.to_close = []
        while self.waiters:
            self.waiters.popleft().set()
        for waiting in self.opening.values():
            for waiter in waiting:
                waiter.set()
        return conns
