"""``PoolState``: the pool's decisions, tested with fake connections (no sockets, no loop)."""

from __future__ import annotations

import pytest

from fasthttpx._pool_state import Checkout, Origin, PoolState

A: Origin = ("https", b"a.example", 443)
B: Origin = ("https", b"b.example", 443)
PLAIN: Origin = ("http", b"a.example", 80)
INF = float("inf")


class Conn:
    """An HTTP/1.1 connection as the pool sees it."""

    def __init__(self, origin: Origin = A, expires_at: float = INF) -> None:
        self.origin = origin
        self.expires_at = expires_at
        self.reusable = True
        self.stale = False  # closed, or bytes arrived while idle

    def is_reusable_now(self) -> bool:
        return not self.stale


class Shared:
    """An HTTP/2 connection as the pool sees it."""

    def __init__(self, origin: Origin = A, max_streams: int = 2) -> None:
        self.origin = origin
        self.expires_at = INF
        self.max_streams = max_streams
        self.accepting = True

    def accepts_new_streams(self) -> bool:
        return self.accepting


class Waiter:
    def __init__(self) -> None:
        self.is_set = False

    def set(self) -> None:
        self.is_set = True


State = PoolState[Conn, Shared, Waiter]


def pool(max_connections: int | None = 10, max_keepalive: int | None = 10,
         http2: bool = False, http1: bool = True) -> State:
    return PoolState(max_connections, max_keepalive, Waiter, http2=http2, http1=http1)


def is_open(action: Checkout[Conn, Shared, Waiter]) -> bool:
    return action.conn is None and action.waiter is None


def open_one(state: State, origin: Origin = A, now: float = 0.0) -> Conn:
    """A request that opens a new connection (even with idle ones there), which succeeds;
    the connection is in use."""
    action = state.checkout(origin, now, fresh=True)
    assert is_open(action)
    conn = Conn(origin)
    state.connected(origin, conn, action.opening)
    return conn


def idle_one(state: State, origin: Origin = A, expires_at: float = INF) -> Conn:
    conn = open_one(state, origin)
    conn.expires_at = expires_at
    assert state.checkin(conn)
    return conn


# -- HTTP/1.1 ------------------------------------------------------------------------------


def test_new_connections_within_the_limit_then_wait() -> None:
    state = pool(max_connections=2)
    open_one(state)
    open_one(state, B)
    assert state.total == 2
    action = state.checkout(A, 0.0)
    assert action.conn is None and isinstance(action.waiter, Waiter)
    assert list(state.waiters) == [action.waiter]
    assert state.total == 2


def test_no_limit() -> None:
    state = pool(max_connections=None)
    for _ in range(50):
        open_one(state)
    assert state.total == 50


def test_idle_reuse_is_most_recently_used_first() -> None:
    state = pool()
    first, second = open_one(state), open_one(state)
    assert state.checkin(first) and state.checkin(second)
    assert state.idle_count == 2
    assert state.checkout(A, 0.0).conn is second
    assert state.take_usable_idle(A, 0.0) is first
    assert state.idle_count == 0 and state.active == {first, second}
    assert state.total == 2


def test_idle_connections_are_per_origin() -> None:
    state = pool()
    idle_one(state, A)
    assert is_open(state.checkout(B, 0.0))
    assert state.idle_count == 1


def test_expired_and_stale_idle_connections_are_closed_not_reused() -> None:
    state = pool()
    good = idle_one(state)
    stale = idle_one(state)
    stale.stale = True
    expired = idle_one(state, expires_at=5.0)
    action = state.checkout(A, 10.0)
    assert action.conn is good
    assert action.close == [expired, stale]
    assert state.total == 1 and state.idle_count == 0


def test_take_usable_idle_leaves_unusable_ones_for_checkout() -> None:
    state = pool()
    idle_one(state, expires_at=5.0)
    assert state.take_usable_idle(A, 10.0) is None
    assert state.idle_count == 1 and state.total == 1  # nothing changed
    assert state.take_usable_idle(B, 0.0) is None


def test_fresh_checkout_skips_idle_connections() -> None:
    state = pool()
    idle = idle_one(state)
    action = state.checkout(A, 0.0, fresh=True)
    assert is_open(action) and action.close == []
    assert state.idle[A] == [idle] and state.total == 2


def test_another_origins_oldest_idle_connection_is_evicted_at_the_limit() -> None:
    state = pool(max_connections=2)
    old = idle_one(state, B, expires_at=100.0)
    idle_one(state, B, expires_at=200.0)
    action = state.checkout(A, 0.0)
    assert is_open(action) and action.close == [old]
    assert state.total == 2  # the evicted connection's slot went to the new one
    assert state.idle_count == 1


def test_keepalive_limit() -> None:
    state = pool(max_keepalive=1)
    first, second = open_one(state), open_one(state)
    assert state.checkin(first) is True
    assert state.checkin(second) is False  # the caller closes it
    assert state.total == 1 and state.idle_count == 1


def test_unreusable_connection_is_not_kept() -> None:
    state = pool()
    conn = open_one(state)
    conn.reusable = False
    assert state.checkin(conn) is False
    assert state.total == 0 and state.idle_count == 0


def test_waiter_is_woken_when_a_connection_is_checked_in() -> None:
    state = pool(max_connections=1)
    conn = open_one(state)
    waiting = state.checkout(A, 0.0).waiter
    assert waiting is not None and not waiting.is_set
    assert state.checkin(conn)
    assert waiting.is_set and not state.waiters
    assert state.checkout(A, 0.0).conn is conn  # what the woken request finds


def test_waiters_are_woken_in_order_one_per_release() -> None:
    state = pool(max_connections=1)
    conn = open_one(state)
    first = state.checkout(A, 0.0).waiter
    second = state.checkout(A, 0.0).waiter
    assert first is not None and second is not None
    conn.reusable = False
    assert state.checkin(conn) is False
    assert first.is_set and not second.is_set
    assert state.total == 0


def test_discard_frees_the_slot_once_and_wakes_a_waiter() -> None:
    state = pool(max_connections=1)
    conn = open_one(state)
    waiting = state.checkout(A, 0.0).waiter
    assert waiting is not None
    state.discard(conn)
    state.discard(conn)  # already forgotten: nothing more
    assert state.total == 0 and waiting.is_set


def test_a_waiter_that_gives_up_passes_on_its_wake_up() -> None:
    state = pool(max_connections=1)
    conn = open_one(state)
    first = state.checkout(A, 0.0).waiter
    second = state.checkout(A, 0.0).waiter
    assert first is not None and second is not None
    state.drop_waiter(A, second)  # timed out before anything happened
    assert list(state.waiters) == [first]
    state.checkin(conn)  # wakes first...
    state.drop_waiter(A, first)  # ...which was cancelled meanwhile: nobody else waits
    assert not state.waiters
    third = state.checkout(B, 0.0)
    assert is_open(third)  # the idle connection of A is evicted for it
    assert third.close == [conn]


def test_connect_failure_frees_the_slot_and_wakes_a_waiter() -> None:
    state = pool(max_connections=1)
    assert is_open(state.checkout(A, 0.0))
    waiting = state.checkout(A, 0.0).waiter
    assert waiting is not None
    state.connect_failed(A, False)
    assert state.total == 0 and waiting.is_set


def test_close_all() -> None:
    state = pool(max_connections=3)
    idle, busy = open_one(state), open_one(state)
    assert is_open(state.checkout(B, 0.0))  # being opened
    first, waiting = state.checkout(A, 0.0).waiter, state.checkout(A, 0.0).waiter
    assert first is not None and waiting is not None
    assert state.checkin(idle) and first.is_set and not waiting.is_set
    conns = state.close_all()
    assert set(conns) == {idle, busy}
    assert waiting.is_set
    assert state.total == 1  # the one being opened counts until it reports back
    state.connect_failed(B, False)
    assert state.total == 0
    assert state.checkin(busy) is False  # already forgotten


def test_close_later_is_closed_by_the_next_checkout() -> None:
    state = pool()
    conn = open_one(state)
    conn.reusable = False
    assert state.checkin(conn) is False
    state.close_later(conn)
    assert state.checkout(B, 0.0).close == [conn]
    assert state.checkout(B, 0.0).close == []


# -- HTTP/2 --------------------------------------------------------------------------------


def open_shared(state: State, origin: Origin = A, max_streams: int = 2) -> Shared:
    action = state.checkout(origin, 0.0)
    assert is_open(action) and action.opening
    conn = Shared(origin, max_streams)
    state.connected_shared(origin, conn, action.opening)
    return conn


def test_requests_wait_for_a_connection_being_opened_that_may_be_shared() -> None:
    state = pool(http2=True)
    opener = state.checkout(A, 0.0)
    assert is_open(opener) and opener.opening
    waiters = [state.checkout(A, 0.0).waiter for _ in range(3)]
    assert all(w is not None and not w.is_set for w in waiters)
    assert state.total == 1  # one connection for all of them
    conn = Shared(A, max_streams=10)
    state.connected_shared(A, conn, True)
    assert all(w is not None and w.is_set for w in waiters)
    assert A not in state.opening
    for _ in range(3):
        assert state.checkout(A, 0.0).conn is conn
    assert state.streams[conn] == 4 and state.total == 1


def test_opening_that_turns_out_http11_wakes_the_waiters_and_is_remembered() -> None:
    state = pool(http2=True)
    opener = state.checkout(A, 0.0)
    waiting = state.checkout(A, 0.0).waiter
    assert waiting is not None
    state.server_chose_http1(A)
    conn = Conn(A)
    state.connected(A, conn, opener.opening)
    assert waiting.is_set
    second = state.checkout(A, 0.0)
    assert is_open(second) and not second.opening  # no need to wait any more


def test_failed_opening_wakes_the_waiters() -> None:
    state = pool(http2=True)
    opener = state.checkout(A, 0.0)
    waiting = state.checkout(A, 0.0).waiter
    assert waiting is not None
    state.connect_failed(A, opener.opening)
    assert waiting.is_set and state.total == 0 and not state.opening
    state.drop_waiter(A, waiting)  # gone from the opening list already: passes the wake on


def test_cleartext_is_shared_only_with_prior_knowledge() -> None:
    assert not pool(http2=True).checkout(PLAIN, 0.0).opening
    assert pool(http2=True, http1=False).checkout(PLAIN, 0.0).opening
    assert not pool(http2=False).checkout(A, 0.0).opening


def test_stream_capacity_then_another_connection_or_wait() -> None:
    state = pool(max_connections=2, http2=True)
    first = open_shared(state, max_streams=2)
    assert state.checkout(A, 0.0).conn is first
    second_action = state.checkout(A, 0.0)  # first is full: another connection
    assert is_open(second_action) and second_action.opening
    second = Shared(A, max_streams=1)
    state.connected_shared(A, second, True)
    waiting = state.checkout(A, 0.0).waiter  # both full, and no room for a third
    assert waiting is not None
    assert state.release_stream(first) is True
    assert waiting.is_set
    assert state.checkout(A, 0.0).conn is first


def test_a_peer_limit_below_what_was_taken_is_respected() -> None:
    state = pool(max_connections=1, http2=True)
    conn = open_shared(state, max_streams=3)
    assert state.checkout(A, 0.0).conn is conn
    conn.max_streams = 1  # SETTINGS lowered the limit
    assert state.checkout(A, 0.0).waiter is not None


def test_goaway_connection_is_closed_with_its_last_stream() -> None:
    state = pool(http2=True)
    conn = open_shared(state)
    assert state.checkout(A, 0.0).conn is conn
    conn.accepting = False  # GOAWAY
    assert state.release_stream(conn) is True  # one stream still runs
    assert is_open(state.checkout(A, 0.0))  # no new stream on it
    assert state.release_stream(conn) is False  # the last: the caller closes it
    assert conn not in state.streams and A not in state.shared
    assert state.total == 1  # only the new one


def test_unused_goaway_or_expired_shared_connections_are_dropped_at_checkout() -> None:
    state = pool(http2=True)
    gone = open_shared(state)
    assert state.release_stream(gone)
    gone.accepting = False
    old = open_shared(state, B)
    assert state.release_stream(old)
    old.expires_at = 5.0
    assert state.checkout(A, 10.0).close == [gone]
    assert state.checkout(B, 10.0).close == [old]
    assert state.total == 2  # the two new ones


def test_release_after_close_all_says_close() -> None:
    state = pool(http2=True)
    conn = open_shared(state)
    assert state.close_all() == [conn]
    assert state.release_stream(conn) is False
    assert state.total == 0


@pytest.mark.parametrize("http2", [False, True])
def test_total_never_exceeds_the_limit(http2: bool) -> None:
    state = pool(max_connections=3, max_keepalive=1, http2=http2)
    origins = [A, B, PLAIN]
    in_use: list[Conn] = []
    for step in range(60):
        origin = origins[step % 3]
        action = state.checkout(origin, float(step))
        if is_open(action):
            conn = Conn(origin)
            state.connected(origin, conn, action.opening)
            in_use.append(conn)
        elif isinstance(action.conn, Conn):
            in_use.append(action.conn)
        elif action.waiter is not None:
            state.drop_waiter(origin, action.waiter)
        if step % 2 and in_use:
            state.checkin(in_use.pop(0))
        assert state.total <= 3
        assert state.idle_count <= 1
        assert state.total >= state.idle_count + len(state.active)
