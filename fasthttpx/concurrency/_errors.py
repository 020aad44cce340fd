"""Map native network errors to fasthttpx exceptions, once, where they arise."""

from __future__ import annotations

import os
import socket
import ssl

from .._exceptions import ConnectError, NetworkError

__all__ = ["connect_error"]


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
