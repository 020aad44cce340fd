"""Review of issue 12: ``PoolState`` findings, with the fake connections of
``test_pool_state``."""

from __future__ import annotations

from tests.models.test_pool_state import A, B, Shared, is_open, pool


def test_an_unused_shared_connection_makes_room_for_another_origin() -> None:
    """At ``max_connections``, an HTTP/2 connection with no stream running is evicted for a
    request to another origin, as an idle HTTP/1.1 one is (and as httpcore does); it sat
    there until its origin was asked for again, and the other request hit PoolTimeout."""
    state = pool(max_connections=1, http2=True)
    action = state.checkout(A, 0.0)
    assert is_open(action) and action.opening
    h2 = Shared(A)
    state.connected_shared(A, h2, action.opening)
    assert state.release_stream(h2)  # kept: it takes new streams
    h2.expires_at = 100.0  # set by the connection when its last exchange ended
    action = state.checkout(B, 1.0)
    assert is_open(action)
    assert action.close == [h2]
    assert state.total == 1
    assert state.shared == {} and state.streams == {}


def test_a_waiter_for_another_origin_gets_the_room_of_the_last_stream() -> None:
    state = pool(max_connections=1, http2=True)
    action = state.checkout(A, 0.0)
    h2 = Shared(A)
    state.connected_shared(A, h2, action.opening)
    waiting = state.checkout(B, 1.0)  # A's connection is busy: wait
    assert waiting.waiter is not None
    assert state.release_stream(h2)
    assert waiting.waiter.is_set
    h2.expires_at = 100.0
    again = state.checkout(B, 2.0)
    assert is_open(again) and again.close == [h2]
    assert state.total == 1


def test_a_busy_shared_connection_is_never_evicted() -> None:
    state = pool(max_connections=1, http2=True)
    action = state.checkout(A, 0.0)
    h2 = Shared(A)
    state.connected_shared(A, h2, action.opening)
    assert state.checkout(B, 1.0).waiter is not None
    assert state.streams == {h2: 1} and state.total == 1
