"""The ``fasthttpx`` command line: send one request, show the response.

Why: a quick way to poke at a server with the same client code (and the same compiled parser)
an application uses, in the spirit of ``httpx URL`` / ``curl -i``.

How: ``click`` parses the options, a ``fasthttpx.Client`` sends the request with a streamed
response, and ``rich`` renders it. Output depends on where stdout goes:

- a terminal (or ``--pretty``): the response head (status line and headers, coloured), a blank
  line, then the body: JSON pretty-printed, HTML/XML/CSS/JavaScript syntax-highlighted by
  ``Content-Type``, other text as is, binary bodies summarised (use ``--download``);
- a pipe or file (or ``--no-pretty``): the body bytes only, exactly as decoded from their
  Content-Encoding, so ``fasthttpx URL | jq .`` and ``fasthttpx URL > file`` work. Heads asked
  for with ``--verbose`` then go to stderr, so they never mix with the body.

``--verbose`` adds each request head before its response head (every hop with ``--follow``).
``--download FILE`` streams the body to FILE with a progress bar on stderr (bytes, rate, time
left; the total comes from Content-Length).

Exit status: 0 when a response arrived, whatever its status code (a 404 is an answer, not a
failure of the command, as with httpx's and curl's defaults); 1 when no response could be had
(connection refused, timeout, TLS failure, bad URL, protocol error, unwritable download file),
with one ``error: ...`` line on stderr; 2 for usage errors (click's convention). ``click`` and
``rich`` come with the ``cli`` extra; without them :func:`main` says so and exits 1.
"""

from __future__ import annotations

import json as jsonlib
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from typing import IO, Any, NoReturn

import fasthttpx

try:
    import click
    from rich.console import Console
    from rich.json import JSON
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.syntax import Syntax
    from rich.text import Text
except ImportError as _exc:  # the `cli` extra is not installed
    _MISSING_EXTRA: ImportError | None = _exc
else:
    _MISSING_EXTRA = None

__all__ = ["build_command", "main"]

MISSING_EXTRA_MESSAGE = (
    "the fasthttpx command line needs the cli extra: pip install 'fasthttpx[cli]'"
)

#: Timeout (seconds) for connect, read, write and pool waits unless ``--timeout`` says otherwise.
DEFAULT_TIMEOUT = 5.0
#: Bodies are written to stdout / the download file in pieces of this many bytes at most.
CHUNK_SIZE = 64 * 1024
#: Syntax-highlighting lexer by media type (the part of Content-Type before ';').
LEXERS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/xml": "xml",
    "application/xml": "xml",
    "image/svg+xml": "xml",
    "text/css": "css",
    "text/javascript": "javascript",
    "application/javascript": "javascript",
}


# -- option parsing ----------------------------------------------------------------------------


def _split_pair(value: str, separators: str, what: str) -> tuple[str, str]:
    """Split ``"k=v"`` (or ``"k v"`` when a space is among the separators) at the first
    separator; a usage error if there is none."""
    for index, char in enumerate(value):
        if char in separators:
            return value[:index].strip(), value[index + 1:].strip()
    shown = " or ".join(f"NAME{s}VALUE" if s != " " else "'NAME VALUE'" for s in separators)
    raise click.BadParameter(f"{value!r} is not {shown}", param_hint=what)


def _parse_headers(values: Sequence[str]) -> list[tuple[str, str]]:
    headers = []
    for value in values:
        name, field_value = _split_pair(value, ":", "'-H' / '--header'")
        if not name:
            raise click.BadParameter(f"{value!r} has no header name", param_hint="'--header'")
        headers.append((name, field_value))
    return headers


def _parse_auth(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    if ":" in value:
        user, password = value.split(":", 1)
        return user, password
    # Only a user name: ask for the password without echoing it.
    password = click.prompt(f"password for {value}", hide_input=True, err=True)
    return value, password


def _open_files(values: Sequence[str], stack: ExitStack) -> list[tuple[str, tuple[str, IO[bytes]]]]:
    files: list[tuple[str, tuple[str, IO[bytes]]]] = []
    for value in values:
        name, path = _split_pair(value, "=", "'-f' / '--files'")
        try:
            handle = stack.enter_context(open(os.path.expanduser(path), "rb"))  # noqa: SIM115
        except OSError as exc:
            raise click.BadParameter(
                f"cannot read {path!r}: {exc.strerror or exc}", param_hint="'--files'"
            ) from exc
        files.append((name, (os.path.basename(path), handle)))
    return files


def _request_body(
    content: str | None, json_text: str | None, data: Sequence[str], files: Sequence[str],
    stack: ExitStack,
) -> dict[str, Any]:
    """The body keywords for ``client.stream``: at most one kind of body."""
    kinds = [
        name for name, given in (
            ("--content", content is not None),
            ("--json", json_text is not None),
            ("--data/--files", bool(data or files)),
        ) if given
    ]
    if len(kinds) > 1:
        raise click.UsageError(f"give one kind of request body, not {' and '.join(kinds)}")
    if content is not None:
        return {"content": content.encode("utf-8")}
    if json_text is not None:
        try:
            return {"json": jsonlib.loads(json_text)}
        except ValueError as exc:
            raise click.BadParameter(f"not valid JSON: {exc}", param_hint="'--json'") from exc
    body: dict[str, Any] = {}
    if data:
        form: list[tuple[str, str]] = [_split_pair(v, "=", "'-d' / '--data'") for v in data]
        body["data"] = _multi_dict(form)
    if files:
        body["files"] = _open_files(files, stack)
    return body


def _multi_dict(pairs: Sequence[tuple[str, str]]) -> dict[str, str | list[str]]:
    """``[("a", "1"), ("a", "2")]`` -> ``{"a": ["1", "2"]}``: a repeated form field."""
    result: dict[str, str | list[str]] = {}
    for name, value in pairs:
        if name not in result:
            result[name] = value
        else:
            previous = result[name]
            result[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
    return result


# -- rendering ---------------------------------------------------------------------------------


def _status_style(status_code: int) -> str:
    if status_code < 200:
        return "bold blue"
    if status_code < 300:
        return "bold green"
    if status_code < 400:
        return "bold yellow"
    return "bold red"


def _head_lines(first: Text, headers: list[tuple[bytes, bytes]]) -> Text:
    text = Text()
    text.append_text(first)
    for name, value in headers:
        text.append("\n")
        text.append(name.decode("latin-1"), style="cyan")
        text.append(": ")
        text.append(value.decode("latin-1"))
    return text


def _request_head(request: fasthttpx.Request, response_version: str) -> Text:
    target = request.url.raw_path.decode("ascii", "replace")
    # The request went out as HTTP/1.1 unless HTTP/2 was negotiated (an HTTP/1.0 server still
    # received an HTTP/1.1 request).
    http_version = "HTTP/2" if response_version.startswith("HTTP/2") else "HTTP/1.1"
    first = Text.assemble(
        (request.method, "bold magenta"), " ", (target, "underline"), " ",
        (http_version, "dim"),
    )
    return _head_lines(first, request.headers.raw)


def _response_head(response: fasthttpx.Response) -> Text:
    first = Text.assemble(
        (response.http_version, "dim"), " ",
        (f"{response.status_code} {response.reason_phrase}", _status_style(response.status_code)),
    )
    return _head_lines(first, response.headers.raw)


def _media_type(response: fasthttpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower()


def _is_text(media_type: str) -> bool:
    return (
        media_type.startswith("text/")
        or media_type in LEXERS
        or media_type.endswith(("+json", "+xml", "/json"))
        or media_type in ("application/x-www-form-urlencoded", "application/x-ndjson")
    )


def _render_body(console: Console, response: fasthttpx.Response, content: bytes) -> None:
    """Print a body for a person: formatted when its type is known, summarised if binary."""
    if not content:
        return
    media_type = _media_type(response)
    if media_type and not _is_text(media_type):
        console.print(
            f"<{len(content)} bytes of {media_type} not shown: "
            "use --download FILE to save them>",
            style="dim", markup=False, highlight=False,
        )
        return
    try:
        text = content.decode(response.encoding or "utf-8")
    except (LookupError, UnicodeDecodeError):
        console.print(
            f"<{len(content)} bytes of undecodable data not shown: "
            "use --download FILE to save them>",
            style="dim", markup=False, highlight=False,
        )
        return
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            console.print(JSON(text))
            return
        except ValueError:
            pass  # not actually JSON: show it as text
    lexer = LEXERS.get(media_type) or ("xml" if media_type.endswith("+xml") else None)
    if lexer is not None:
        console.print(Syntax(text.rstrip("\n"), lexer, theme="ansi_dark", word_wrap=True,
                             background_color="default"))
        return
    console.print(text, markup=False, highlight=False, emoji=False, end="")
    if not text.endswith("\n"):
        console.print()


def _write_body(stdout: IO[str], chunks: Iterator[bytes]) -> None:
    """Write body bytes to stdout as they are; a text-only stdout (no ``.buffer``, e.g. a
    StringIO) gets them decoded as UTF-8 with replacement characters."""
    binary: IO[bytes] | None = getattr(stdout, "buffer", None)
    for chunk in chunks:
        if binary is not None:
            binary.write(chunk)
            binary.flush()
        else:
            stdout.write(chunk.decode("utf-8", "replace"))
            stdout.flush()


def _download(response: fasthttpx.Response, path: str, progress_console: Console) -> None:
    """Stream the decoded body to ``path`` with a progress bar (bytes, rate, time left)."""
    length = response.headers.get("content-length")
    total = int(length) if length is not None and length.isdigit() else None
    try:
        out = open(path, "wb")  # noqa: SIM115 - closed below, after the stream
    except OSError as exc:
        raise _Failure(f"cannot write {path}: {exc.strerror or exc}") from exc
    with out, Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=progress_console,
        transient=False,
        disable=not progress_console.is_terminal,
    ) as progress:
        task = progress.add_task(os.path.basename(path) or path, total=total)
        seen = response.num_bytes_downloaded
        for chunk in response.stream(CHUNK_SIZE):
            try:
                out.write(chunk)
            except OSError as exc:
                raise _Failure(f"cannot write {path}: {exc.strerror or exc}") from exc
            now = response.num_bytes_downloaded
            progress.update(task, advance=now - seen)
            seen = now


# -- errors ------------------------------------------------------------------------------------


class _Failure(Exception):
    """A failure the command reports as one ``error: ...`` line and exit status 1."""


def _origin(url: str) -> str:
    try:
        parsed = fasthttpx.URL(url)
    except fasthttpx.InvalidURL:
        return url
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return f"{parsed.host}:{port}"


def _describe(exc: fasthttpx.HTTPError | fasthttpx.InvalidURL, url: str) -> str:
    """One line saying what went wrong, naming the server where the library's message does
    not already do so."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, fasthttpx.InvalidURL):
        return f"invalid URL {url!r}: {message}"
    if isinstance(exc, (fasthttpx.ConnectError, fasthttpx.ConnectTimeout)):
        return message  # names host:port already
    if isinstance(exc, fasthttpx.ReadTimeout):
        return f"timed out waiting for {_origin(url)}: {message}"
    if isinstance(exc, fasthttpx.WriteTimeout):
        return f"timed out sending to {_origin(url)}: {message}"
    if isinstance(exc, fasthttpx.TimeoutException):
        return f"timed out: {message}"
    if isinstance(exc, fasthttpx.RemoteProtocolError):
        return f"invalid response from {_origin(url)}: {message}"
    if isinstance(exc, fasthttpx.NetworkError):
        return f"connection to {_origin(url)} failed: {message}"
    return message


def _check_url(url: str) -> None:
    """Reject a URL without a host before any connection is tried."""
    parsed = fasthttpx.URL(url)  # InvalidURL is reported by the caller
    if parsed.scheme in ("http", "https") and not parsed.host:
        raise fasthttpx.InvalidURL("no host")


# -- the command -------------------------------------------------------------------------------


def _run(
    url: str,
    method: str | None,
    headers: Sequence[str],
    params: Sequence[str],
    data: Sequence[str],
    content: str | None,
    json_text: str | None,
    files: Sequence[str],
    auth: str | None,
    http2: bool,
    follow: bool,
    timeout: float,
    verify: bool,
    verbose: bool,
    download: str | None,
    pretty: bool | None,
) -> None:
    # The current sys.stdout/sys.stderr (not ones captured at import), so that redirection
    # by the caller (click's CliRunner, contextlib.redirect_stdout) is honoured.
    stdout_text = sys.stdout
    if pretty is None:
        pretty = stdout_text.isatty()
    # Heads go with the body when formatting for a person; to stderr when stdout is a pipe.
    out = Console(file=stdout_text, force_terminal=True if pretty else None, highlight=False,
                  soft_wrap=True)
    err = Console(file=sys.stderr, highlight=False, soft_wrap=True)
    heads = out if pretty else err

    with ExitStack() as stack:
        body = _request_body(content, json_text, data, files, stack)
        query = [_split_pair(p, "= ", "'-p' / '--params'") for p in params]
        request_method = (method or ("POST" if body else "GET")).upper()
        try:
            _check_url(url)
            client = stack.enter_context(fasthttpx.Client(
                auth=_parse_auth(auth), http2=http2, verify=verify,
                timeout=fasthttpx.Timeout(timeout), follow_redirects=follow,
            ))
            with client.stream(
                request_method, url, headers=_parse_headers(headers),
                params=query or None, **body,
            ) as response:
                if verbose:
                    for hop in [*response.history, response]:
                        heads.print(_request_head(hop.request, hop.http_version))
                        heads.print()
                        heads.print(_response_head(hop))
                        heads.print()
                elif pretty:
                    heads.print(_response_head(response))
                    heads.print()
                if download is not None:
                    _download(response, download, err)
                elif pretty:
                    _render_body(out, response, response.read())
                else:
                    stdout_text.flush()
                    _write_body(stdout_text, response.stream(CHUNK_SIZE))
        except (fasthttpx.HTTPError, fasthttpx.InvalidURL) as exc:
            raise _Failure(_describe(exc, url)) from exc


def build_command() -> click.Command:
    """Build the click command (only once click is known to be importable)."""

    @click.command(
        name="fasthttpx",
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
        epilog=(
            "Exit status: 0 when a response arrived (any status code), 1 when none could be "
            "had (connection, timeout, TLS, bad URL), 2 for a usage error."
        ),
    )
    @click.argument("url")
    @click.option("-m", "--method", metavar="METHOD",
                  help="Request method [default: GET, or POST when a body is given].")
    @click.option("-H", "--header", "headers", multiple=True, metavar="'NAME: VALUE'",
                  help="Add a request header (repeatable).")
    @click.option("-p", "--params", multiple=True, metavar="NAME=VALUE",
                  help="Add a query parameter, 'NAME=VALUE' or 'NAME VALUE' (repeatable).")
    @click.option("-d", "--data", multiple=True, metavar="NAME=VALUE",
                  help="Add a form field (repeatable); urlencoded, or multipart with --files.")
    @click.option("-c", "--content", metavar="TEXT", help="Send TEXT as the raw request body.")
    @click.option("-j", "--json", "json_text", metavar="JSON",
                  help="Send JSON text as the body (Content-Type: application/json).")
    @click.option("-f", "--files", multiple=True, metavar="NAME=PATH",
                  help="Upload a file as a multipart field (repeatable).")
    @click.option("--auth", metavar="USER[:PASS]",
                  help="HTTP Basic authentication; the password is asked for if omitted.")
    @click.option("--http2", is_flag=True, help="Offer HTTP/2 (negotiated by ALPN over TLS).")
    @click.option("--follow", is_flag=True, help="Follow redirects.")
    @click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
                  default=DEFAULT_TIMEOUT, show_default=True, metavar="SECONDS",
                  help="Connect, read, write and pool timeout.")
    @click.option("--verify/--no-verify", default=True, show_default=True,
                  help="Verify the server's TLS certificate.")
    @click.option("-v", "--verbose", is_flag=True,
                  help="Show request and response heads (every hop with --follow).")
    @click.option("-o", "--download", metavar="FILE",
                  help="Save the body to FILE with a progress bar.")
    @click.option("--pretty/--no-pretty", default=None,
                  help="Format heads and body for reading [default: when stdout is a "
                       "terminal]; --no-pretty writes the body bytes only.")
    def command(**options: Any) -> None:
        """Send an HTTP request to URL and show the response."""
        try:
            _run(**options)
        except _Failure as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            sys.exit(130)

    return command


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the ``fasthttpx`` script and of ``python -m fasthttpx``."""
    if _MISSING_EXTRA is not None:
        print(MISSING_EXTRA_MESSAGE, file=sys.stderr)
        sys.exit(1)
    build_command().main(args=list(argv) if argv is not None else None, prog_name="fasthttpx")
    sys.exit(0)  # click's main() exits itself; this is for the type checker


if __name__ == "__main__":
    main()
