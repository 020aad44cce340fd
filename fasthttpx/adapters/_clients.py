"""The client half of an adapter: the hooks through which an httpx-family client makes its
transports (``_init_transport`` for its default one, ``_init_proxy_transport`` for each proxy
mount), pointed at our transport. httpx and httpx2 call both from ``__init__`` with the same
keywords, so one mixin serves the four client classes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

__all__ = ["ClientTransports"]


class ClientTransports:
    """Mixed in before the library's client class; ``transport_class`` is our transport
    for that library and kind (sync or async)."""

    transport_class: ClassVar[Callable[..., Any]]

    def _init_transport(
        self,
        verify: Any = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Any = None,
        transport: Any = None,
    ) -> Any:
        if transport is not None:
            return transport
        return self.transport_class(
            verify=verify, cert=cert, trust_env=trust_env, http1=http1, http2=http2,
            limits=limits,
        )

    def _init_proxy_transport(
        self,
        proxy: Any,
        verify: Any = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Any = None,
    ) -> Any:
        return self.transport_class(
            verify=verify, cert=cert, trust_env=trust_env, http1=http1, http2=http2,
            limits=limits, proxy=proxy,
        )
