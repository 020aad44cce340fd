"""Retry policy: which failed tries to send again, and how long to wait first.

Why: users of requests know urllib3's ``Retry``; HTTPX and aiohttp have nothing like it, so
every team writes its own loop, usually retrying POSTs or hammering a server that asked it to
wait. ``Retry`` takes urllib3's names and meanings; ``RetryState`` is the bookkeeping of one
request's tries. Both are sans-I/O: the client asks ``RetryState`` what to do after each try
and does the sleeping (on its own backend) and the sending.

Meaning, as urllib3:

* ``total`` caps all retries; ``connect``, ``read`` and ``status`` cap each kind (None: only
  ``total`` limits it). A retry is allowed while no counter that applies has gone below zero.
* connect errors (``ConnectError``, ``ConnectTimeout``, ``ProxyError``: the request never
  reached the server) are retried whatever the method; read errors (``ReadError``,
  ``ReadTimeout``, ``WriteError``, ``WriteTimeout``, ``RemoteProtocolError``: the server may
  have acted on it) only for ``allowed_methods`` (by default the idempotent ones, RFC 9110
  §9.2.2; None: every method).
* a response is retried when its method is allowed and its status is in ``status_forcelist``,
  or it is 413, 429 or 503 with a ``Retry-After`` header (when ``respect_retry_after_header``).
  When the tries run out on a status, that last response is returned, not an error.
* waiting before a retry: the response's ``Retry-After`` (seconds, or an HTTP-date) when
  respected, else ``backoff_factor * 2 ** (n - 1)`` for the n-th consecutive failure (none
  before the first retry, as urllib3), plus ``random() * backoff_jitter``; either capped at
  ``backoff_max``.

A request whose body is a one-shot stream is never retried (it cannot be sent again).
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

from ._exceptions import (
    ConnectError,
    ConnectTimeout,
    ProxyError,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    WriteError,
    WriteTimeout,
)

__all__ = ["Retry", "RetryState", "RetryTypes", "parse_retry_after", "retry_for"]

#: RFC 9110 §9.2.2: sending these twice has the effect of sending them once.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
#: Statuses whose ``Retry-After`` asks the client to come back later.
RETRY_AFTER_STATUS_CODES = frozenset({413, 429, 503})

CONNECT_ERRORS: tuple[type[Exception], ...] = (ConnectError, ConnectTimeout, ProxyError)
READ_ERRORS: tuple[type[Exception], ...] = (
    ReadError, ReadTimeout, WriteError, WriteTimeout, RemoteProtocolError,
)


class Retry:
    """How a client retries failed tries. ``Client(retry=Retry(total=3, backoff_factor=0.5,
    status_forcelist={502, 503, 504}))``, or per request ``client.get(url, retry=...)``;
    ``retry=3`` is ``Retry(total=3)``. Immutable: one policy serves every request."""

    DEFAULT_ALLOWED_METHODS = IDEMPOTENT_METHODS
    RETRY_AFTER_STATUS_CODES = RETRY_AFTER_STATUS_CODES
    DEFAULT_BACKOFF_MAX = 120.0

    __slots__ = (
        "total", "connect", "read", "status", "backoff_factor", "backoff_max",
        "backoff_jitter", "status_forcelist", "allowed_methods", "respect_retry_after_header",
    )

    def __init__(
        self,
        total: int | None = 10,
        *,
        connect: int | None = None,
        read: int | None = None,
        status: int | None = None,
        backoff_factor: float = 0.0,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
        backoff_jitter: float = 0.0,
        status_forcelist: Collection[int] | None = None,
        allowed_methods: Collection[str] | None = DEFAULT_ALLOWED_METHODS,
        respect_retry_after_header: bool = True,
    ) -> None:
        for name, count in (("total", total), ("connect", connect), ("read", read),
                            ("status", status)):
            if count is not None and (type(count) is not int or count < 0):
                raise ValueError(f"Retry({name}=...) must be an int >= 0 or None, not {count!r}")
        for name, seconds in (("backoff_factor", backoff_factor), ("backoff_max", backoff_max),
                              ("backoff_jitter", backoff_jitter)):
            if seconds < 0:
                raise ValueError(f"Retry({name}=...) must be >= 0, not {seconds!r}")
        self.total = total
        self.connect = connect
        self.read = read
        self.status = status
        self.backoff_factor = float(backoff_factor)
        self.backoff_max = float(backoff_max)
        self.backoff_jitter = float(backoff_jitter)
        self.status_forcelist = frozenset(status_forcelist or ())
        self.allowed_methods = (
            None if allowed_methods is None else frozenset(m.upper() for m in allowed_methods)
        )
        self.respect_retry_after_header = respect_retry_after_header

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, name):
            raise AttributeError(f"Retry is immutable: make a new one instead of setting {name}")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return (f"Retry(total={self.total!r}, connect={self.connect!r}, read={self.read!r}, "
                f"status={self.status!r}, backoff_factor={self.backoff_factor!r})")

    def method_allowed(self, method: str) -> bool:
        return self.allowed_methods is None or method in self.allowed_methods

    def start(
        self, method: str, *, rng: Callable[[], float] = random.random,
        now: Callable[[], float] = time.time,
    ) -> RetryState:
        """The bookkeeping for one request (``rng`` and ``now`` are there for tests)."""
        return RetryState(self, method, rng, now)


RetryTypes = Retry | int | None


def as_retry(value: RetryTypes) -> Retry | None:
    """``Retry``, ``None`` (no retries) or an int (``Retry(total=n)``)."""
    if value is None or isinstance(value, Retry):
        return value
    if type(value) is int:
        return Retry(total=value)
    raise TypeError(f"retry must be a fasthttpx.Retry, an int or None, not {value!r}")


def retry_for(client_retry: Retry | None, extensions: Mapping[str, Any]) -> Retry | None:
    """The client's policy, or the request's own ``retry`` extension (None: no retries)."""
    if "retry" in extensions:
        return as_retry(extensions["retry"])
    return client_retry


class RetryState:
    """One request's tries: after each failure, whether to try again and after how long."""

    __slots__ = ("policy", "method", "retries", "_left", "_rng", "_now", "failures")

    def __init__(self, policy: Retry, method: str, rng: Callable[[], float],
                 now: Callable[[], float]) -> None:
        self.policy = policy
        self.method = method
        #: Retries made so far (tries - 1).
        self.retries = 0
        self._left = {"total": policy.total, "connect": policy.connect, "read": policy.read,
                      "status": policy.status}
        self._rng = rng
        self._now = now
        #: The errors of the failed tries, oldest first (chained onto the last one raised).
        self.failures: list[BaseException] = []

    def after_error(self, exc: BaseException) -> float | None:
        """Seconds to wait before trying again after ``exc``, or None: raise it."""
        if isinstance(exc, CONNECT_ERRORS):
            kind = "connect"
        elif isinstance(exc, READ_ERRORS) and self.policy.method_allowed(self.method):
            kind = "read"
        else:
            return None
        if not self._take(kind):
            return None
        self.failures.append(exc)
        return self._backoff()

    def after_status(self, status_code: int, retry_after: str | None) -> float | None:
        """Seconds to wait before trying again after a response with this status, or None:
        return that response."""
        policy = self.policy
        if not policy.method_allowed(self.method):
            return None
        if status_code not in policy.status_forcelist and not (
            policy.respect_retry_after_header
            and retry_after is not None
            and status_code in RETRY_AFTER_STATUS_CODES
        ):
            return None
        if not self._take("status"):
            return None
        if policy.respect_retry_after_header and retry_after is not None:
            seconds = parse_retry_after(retry_after, self._now())
            if seconds is not None:
                return min(seconds, policy.backoff_max)
        return self._backoff()

    def _take(self, kind: str) -> bool:
        """Count one retry of ``kind`` against its own counter and ``total``."""
        left = self._left
        for name in ("total", kind):
            count = left[name]
            if count is not None and count <= 0:
                return False
        for name in ("total", kind):
            count = left[name]
            if count is not None:
                left[name] = count - 1
        self.retries += 1
        return True

    def _backoff(self) -> float:
        """urllib3's: nothing before the first retry, then factor * 2 ** (n - 1)."""
        policy = self.policy
        failures = self.retries
        if failures <= 1:
            delay = 0.0
        else:
            delay = policy.backoff_factor * (2 ** (failures - 1))
        if policy.backoff_jitter:
            delay += self._rng() * policy.backoff_jitter
        return max(0.0, min(policy.backoff_max, delay))

    def chain_failures(self, last: BaseException) -> None:
        """Hang the earlier tries' errors under ``last`` (at the end of its context chain,
        oldest deepest), and note how many tries were made."""
        seen: set[int] = set()
        tail = _end_of_chain(last, seen)
        for earlier in reversed(self.failures):
            if id(earlier) in seen:
                continue
            tail.__context__ = earlier
            tail = _end_of_chain(earlier, seen)
        add_note = getattr(last, "add_note", None)  # Python 3.11+
        if add_note is not None:
            add_note(f"fasthttpx: gave up after {self.retries + 1} tries "
                     f"({self.retries} retries, {self.policy!r})")


def _end_of_chain(exc: BaseException, seen: set[int]) -> BaseException:
    """The last exception of ``exc``'s cause/context chain, recording each one in ``seen``
    (which also stops a cycle)."""
    seen.add(id(exc))
    while True:
        nxt = exc.__cause__ or exc.__context__
        if nxt is None or id(nxt) in seen:
            return exc
        seen.add(id(nxt))
        exc = nxt


def parse_retry_after(value: str, now: float) -> float | None:
    """``Retry-After`` (RFC 9110 §10.2.3) as seconds from ``now``: delay-seconds or an
    HTTP-date (a past date: 0). None when it is neither."""
    value = value.strip()
    if value.isdigit() and value.isascii():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT
        return None
    return max(0.0, when.timestamp() - now)
