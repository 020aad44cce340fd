"""``Retry`` and ``RetryState`` without sockets: counters, backoff with an injected random
source, ``Retry-After`` with an injected clock (issue 17 item 1)."""

from __future__ import annotations

import email.utils

import pytest

import fasthttpx
from fasthttpx import Retry
from fasthttpx._retry import as_retry, parse_retry_after, retry_for

NOW = 1_800_000_000.0


def _state(policy: Retry, method: str = "GET", rng: float = 0.0) -> object:
    return policy.start(method, rng=lambda: rng, now=lambda: NOW)


def test_defaults_are_urllib3s() -> None:
    policy = Retry()
    assert policy.total == 10
    assert policy.backoff_max == 120.0
    assert policy.allowed_methods == frozenset(
        {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"}
    )
    assert policy.respect_retry_after_header is True
    assert Retry.RETRY_AFTER_STATUS_CODES == frozenset({413, 429, 503})


def test_backoff_schedule_and_cap() -> None:
    tries = Retry(total=None, connect=6, backoff_factor=0.5, backoff_max=5).start("GET")
    error = fasthttpx.ConnectError("refused")
    delays = [tries.after_error(error) for _ in range(7)]
    assert delays == [0.0, 1.0, 2.0, 4.0, 5.0, 5.0, None]


def test_jitter_comes_from_the_random_source() -> None:
    policy = Retry(total=3, backoff_factor=1.0, backoff_jitter=2.0)
    tries = policy.start("GET", rng=lambda: 0.25)
    error = fasthttpx.ReadTimeout("slow")
    assert tries.after_error(error) == 0.5
    assert tries.after_error(error) == 2.5


def test_counters_total_and_per_kind() -> None:
    tries = Retry(total=3, read=1).start("GET")
    assert tries.after_error(fasthttpx.ReadError("x")) == 0.0
    assert tries.after_error(fasthttpx.ReadError("x")) is None  # read used up
    assert tries.after_error(fasthttpx.ConnectError("x")) is not None  # total has 2 left
    assert tries.retries == 2
    tries = Retry(total=1, status=5, status_forcelist={500}).start("GET")
    assert tries.after_status(500, None) == 0.0
    assert tries.after_status(500, None) is None  # total used up


def test_zero_means_no_retry() -> None:
    assert Retry(total=0).start("GET").after_error(fasthttpx.ConnectError("x")) is None
    assert Retry(connect=0).start("GET").after_error(fasthttpx.ConnectError("x")) is None


def test_read_errors_only_for_allowed_methods_connect_errors_always() -> None:
    tries = Retry().start("POST")
    assert tries.after_error(fasthttpx.ReadError("x")) is None
    assert tries.after_error(fasthttpx.RemoteProtocolError("x")) is None
    assert tries.after_error(fasthttpx.ConnectTimeout("x")) == 0.0
    assert Retry(allowed_methods=None).start("POST").after_error(
        fasthttpx.WriteError("x")) == 0.0
    assert Retry(allowed_methods=["post"]).start("POST").after_error(
        fasthttpx.ReadError("x")) == 0.0


def test_errors_that_are_not_network_errors_are_never_retried() -> None:
    tries = Retry().start("GET")
    assert tries.after_error(fasthttpx.PoolTimeout("busy")) is None
    assert tries.after_error(fasthttpx.DecodingError("bad gzip")) is None
    assert tries.after_error(ValueError("bug")) is None


def test_status_rules() -> None:
    tries = Retry(status_forcelist={502}).start("GET", now=lambda: NOW)
    assert tries.after_status(200, None) is None
    assert tries.after_status(404, "5") is None  # Retry-After on a status not in the set
    assert tries.after_status(502, None) == 0.0
    assert tries.after_status(503, "4") == 4.0
    assert tries.after_status(413, "1") == 1.0
    assert Retry(respect_retry_after_header=False).start("GET").after_status(503, "4") is None
    assert Retry().start("POST").after_status(503, "4") is None


def test_retry_after_date_with_injected_clock() -> None:
    tries = Retry(backoff_max=100).start("GET", now=lambda: NOW)
    date = email.utils.formatdate(NOW + 42, usegmt=True)
    assert tries.after_status(503, date) == 42.0
    date = email.utils.formatdate(NOW + 4200, usegmt=True)
    assert tries.after_status(503, date) == 100.0


def test_unparsable_retry_after_falls_back_to_backoff() -> None:
    tries = Retry(backoff_factor=3).start("GET", now=lambda: NOW)
    assert tries.after_status(503, "soon") == 0.0
    assert tries.after_status(503, "whenever") == 6.0


@pytest.mark.parametrize(("value", "expected"), [
    ("0", 0.0), ("120", 120.0), (" 7 ", 7.0),
    (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
    (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),
    ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),
    ("-5", None), ("1.5", None), ("", None), ("soon", None), ("٣", None),
    ("Sun, 06 Nov 1994 08:49:37", None),  # no zone: not an HTTP-date
])
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_validation_and_immutability() -> None:
    with pytest.raises(ValueError):
        Retry(total=-1)
    with pytest.raises(ValueError):
        Retry(read=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Retry(backoff_factor=-1)
    policy = Retry(total=2)
    with pytest.raises(AttributeError):
        policy.total = 5
    assert "total=2" in repr(policy)


def test_as_retry_and_request_override() -> None:
    policy = Retry(total=4)
    assert as_retry(None) is None
    assert as_retry(policy) is policy
    three = as_retry(3)
    assert three is not None and three.total == 3
    with pytest.raises(TypeError):
        as_retry(True)  # type: ignore[arg-type]
    assert retry_for(policy, {"timeout": {}}) is policy
    assert retry_for(policy, {"retry": None}) is None
    override = retry_for(None, {"retry": 1})
    assert override is not None and override.total == 1
