"""``ServerSentEvent``: one event of a ``text/event-stream``, shared by both parser twins.

Why one module: the compiled parser (``_sse.pyx``) and its twin (``_sse_py.py``) build the
same class, so the differential tests compare their output with ``==`` and users get one
type whichever core runs. As httpx2's (a frozen dataclass): ``event``, ``data``, ``id``,
``retry``, keyword or positional, immutable, hashable, with ``json()``. Written as a slotted
class rather than a dataclass because the compiled parser fills the slots directly (a
frozen dataclass's ``__init__`` costs four ``object.__setattr__`` calls per event).
"""

from __future__ import annotations

import json as jsonlib
from dataclasses import FrozenInstanceError
from typing import Any

__all__ = ["ServerSentEvent", "DEFAULT_MAX_EVENT_SIZE"]

#: Largest event (bytes of its field lines) a source accepts unless told otherwise: as httpx2.
DEFAULT_MAX_EVENT_SIZE = 1024 * 1024

_FIELDS = ("event", "data", "id", "retry")
_set = object.__setattr__


class ServerSentEvent:
    """One dispatched event: its type (``"message"`` unless the server named one), its data
    (``data`` lines joined with LF), the stream's last event ID when it was dispatched, and
    the ``retry`` (milliseconds) the server sent within this event, if any."""

    __slots__ = _FIELDS

    event: str
    data: str
    id: str
    retry: int | None

    def __init__(
        self, event: str = "message", data: str = "", id: str = "", retry: int | None = None
    ) -> None:
        _set(self, "event", event)
        _set(self, "data", data)
        _set(self, "id", id)
        _set(self, "retry", retry)

    def json(self) -> Any:
        """``data`` parsed as JSON (token streams of LLM APIs send one JSON object per event)."""
        return jsonlib.loads(self.data)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _astuple(self) -> tuple[str, str, str, int | None]:
        return (self.event, self.data, self.id, self.retry)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        return (
            f"ServerSentEvent(event={self.event!r}, data={self.data!r}, id={self.id!r}, "
            f"retry={self.retry!r})"
        )

    def __reduce__(self) -> tuple[type[ServerSentEvent], tuple[str, str, str, int | None]]:
        return (type(self), self._astuple())
