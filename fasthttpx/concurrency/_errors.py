"""Map native network errors to fasthttpx exceptions, once, where they arise."""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Sequence
from typing import Any

from .._exceptions import ConnectError, NetworkError
from .base import SocketOption

__all__ = ["apply_socket_options", "connect_error", "unix_connect_error"]


def connect_error(exc: BaseException, host: str, port: int) -> NetworkError:
    """Build the ConnectError for a failed connect or TLS handshake, naming the reason."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = exc.verify_message or str(exc)
        return ConnectError(f"TLS certificate verification failed for {host}:{port}: {reason}")
    if isinstance(exc, ssl.SSLError):
        return ConnectError(f"TLS handshake with {host}:{port} failed: {exc.reason or exc}")
    if isinstance(exc, ssl.CertificateError):
        return ConnectError(f"TLS certificate of {host}:{port} rejected: {exc}")
    if isinstance(exc, socket.gaierror):
        message = exc.strerror or str(exc)  # name resolution: errno is an EAI_* code
    elif isinstance(exc, OSError) and exc.errno and exc.errno > 0:
        message = os.strerror(exc.errno)  # asyncio's own strerror is "Connect call failed"
    elif isinstance(exc, OSError) and exc.strerror:
        message = exc.strerror
    else:
        message = str(exc)
    return ConnectError(f"cannot connect to {host}:{port}: {message or type(exc).__name__}")


def unix_connect_error(exc: BaseException, path: str) -> ConnectError:
    """The ConnectError for a Unix domain socket (``uds=``) that cannot be reached."""
    if isinstance(exc, OSError) and exc.errno and exc.errno > 0:
        message = os.strerror(exc.errno)
    else:
        message = str(exc) or type(exc).__name__
    return ConnectError(f"cannot connect to the Unix socket {path!r}: {message}")


def apply_socket_options(sock: Any, options: Sequence[SocketOption], where: str) -> None:
    """``setsockopt`` each option on ``sock`` (a socket, or anything with ``setsockopt``);
    an option the system refuses is a ConnectError naming it."""
    for option in options:
        try:
            sock.setsockopt(*option)
        except (OSError, TypeError) as exc:
            raise ConnectError(f"cannot set socket option {option!r} for {where}: {exc}") \
                from exc
