"""The ``fasthttpx`` command line against a real server on 127.0.0.1 (see ``conftest.py``).

Most tests drive the click command in-process with ``CliRunner`` (stdout is then not a
terminal, so the default output is the raw body; ``--pretty`` asks for the formatted view).
One test runs ``python -m fasthttpx`` in a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import fasthttpx
from fasthttpx._cli import MISSING_EXTRA_MESSAGE, build_command

from .conftest import (
    BINARY_BODY,
    HTML_BODY,
    JSON_DATA,
    LARGE_BODY,
    NOT_FOUND_BODY,
    TEXT_BODY,
    CliServer,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    # COLUMNS keeps rich's layout independent of the terminal the tests run in.
    full_env = {"COLUMNS": "100", "NO_COLOR": None, "FORCE_COLOR": None, "TERM": "xterm"}
    full_env.update(env or {})
    return CliRunner().invoke(build_command(), list(args), env=full_env, catch_exceptions=False)


def plain(text: str) -> str:
    return ANSI.sub("", text)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- what is printed ---------------------------------------------------------------------------


def test_get_pretty_prints_status_headers_and_body(server: CliServer) -> None:
    result = run("--pretty", server.url("/text"))
    assert result.exit_code == 0, result.output
    out = plain(result.stdout)
    head, _, body = out.partition("\n\n")
    assert head.splitlines()[0] == "HTTP/1.1 200 OK"
    assert "Content-Type: text/plain; charset=utf-8" in head.splitlines()
    assert body == TEXT_BODY.decode()
    assert result.stderr == ""


def test_pretty_output_is_coloured(server: CliServer) -> None:
    result = run("--pretty", server.url("/html"))
    assert result.exit_code == 0
    assert ANSI.search(result.stdout), "no colour in --pretty output"
    _, _, body = plain(result.stdout).partition("\n\n")
    # Syntax highlighting colours the HTML but keeps its text.
    assert [line.rstrip() for line in body.splitlines()] == HTML_BODY.decode().splitlines()
    assert ANSI.search(result.stdout.partition("Hello")[0].rpartition("\n\n")[2])


def test_no_color_is_honoured(server: CliServer) -> None:
    result = run("--pretty", server.url("/text"), env={"NO_COLOR": "1"})
    assert result.exit_code == 0
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", result.stdout), "colour despite NO_COLOR"


def test_json_is_pretty_printed(server: CliServer) -> None:
    result = run("--pretty", server.url("/json"))
    assert result.exit_code == 0
    head, _, body = plain(result.stdout).partition("\n\n")
    assert "Content-Type: application/json" in head
    assert json.loads(body) == JSON_DATA
    # The server sent one line; the CLI indents it.
    assert '\n  "hello": "world"' in body
    assert len(body.strip().splitlines()) > 5


def test_binary_body_is_summarised_not_dumped_on_a_terminal(server: CliServer) -> None:
    result = run("--pretty", server.url("/binary"))
    assert result.exit_code == 0
    body = plain(result.stdout).partition("\n\n")[2]
    assert f"{len(BINARY_BODY)} bytes of application/octet-stream not shown" in body


def test_verbose_shows_request_and_response_heads(server: CliServer) -> None:
    result = run("--pretty", "-v", "-H", "X-Test: yes", server.url("/text?a=1"))
    assert result.exit_code == 0
    blocks = plain(result.stdout).split("\n\n")
    request_lines = blocks[0].splitlines()
    assert request_lines[0] == "GET /text?a=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}" in request_lines
    assert "X-Test: yes" in request_lines
    assert any(line.startswith("User-Agent: python-fasthttpx/") for line in request_lines)
    response_lines = blocks[1].splitlines()
    assert response_lines[0] == "HTTP/1.1 200 OK"
    assert "Server: cli-test-server Python/" + sys.version.split()[0] in response_lines
    assert blocks[2] == TEXT_BODY.decode()


def test_verbose_when_piped_puts_heads_on_stderr(server: CliServer) -> None:
    result = run("-v", server.url("/binary"))
    assert result.exit_code == 0
    assert result.stdout_bytes == BINARY_BODY
    err = plain(result.stderr)
    assert err.startswith("GET /binary HTTP/1.1\n")
    assert "\nHTTP/1.1 200 OK\n" in err


def test_piped_output_is_the_raw_body(server: CliServer) -> None:
    for path, body in [("/binary", BINARY_BODY), ("/json", json.dumps(JSON_DATA).encode()),
                       ("/text", TEXT_BODY)]:
        result = run(server.url(path))
        assert result.exit_code == 0
        assert result.stdout_bytes == body
        assert result.stderr == ""


def test_http_error_status_is_shown_and_exits_zero(server: CliServer) -> None:
    result = run("--pretty", server.url("/missing"))
    assert result.exit_code == 0
    head, _, body = plain(result.stdout).partition("\n\n")
    assert head.splitlines()[0] == "HTTP/1.1 404 Not Found"
    assert body == NOT_FOUND_BODY.decode()


def test_head_request_has_no_body(server: CliServer) -> None:
    result = run("--pretty", "-m", "HEAD", server.url("/text"))
    assert result.exit_code == 0
    head, _, body = plain(result.stdout).partition("\n\n")
    assert head.splitlines()[0] == "HTTP/1.1 200 OK"
    assert f"Content-Length: {len(TEXT_BODY)}" in head
    assert body == ""


# -- download ----------------------------------------------------------------------------------


def test_download_writes_the_exact_file(server: CliServer, tmp_path: Path) -> None:
    target = tmp_path / "large.bin"
    result = run("-o", str(target), server.url("/large"))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == LARGE_BODY
    assert result.stdout_bytes == b""  # the body went to the file, not stdout


def test_download_progress_bar_shows_bytes_rate_and_total(
    server: CliServer, tmp_path: Path
) -> None:
    target = tmp_path / "large.bin"
    # FORCE_COLOR makes rich treat stderr as a terminal, so the progress bar is drawn.
    result = run("-o", str(target), server.url("/large"), env={"FORCE_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == LARGE_BODY
    err = plain(result.stderr)
    assert "large.bin" in err
    assert "3.1/3.1 MB" in err  # DownloadColumn: done/total from Content-Length
    assert re.search(r"[0-9.]+ [kMG]?B/s", err)  # TransferSpeedColumn


def test_download_to_unwritable_path_is_one_error_line(
    server: CliServer, tmp_path: Path
) -> None:
    result = run("-o", str(tmp_path / "no" / "such" / "dir"), server.url("/text"))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: cannot write ")


# -- redirects ---------------------------------------------------------------------------------


def test_redirect_is_shown_not_followed_by_default(server: CliServer) -> None:
    result = run("--pretty", server.url("/redirect"))
    assert result.exit_code == 0
    head = plain(result.stdout).partition("\n\n")[0].splitlines()
    assert head[0] == "HTTP/1.1 302 Found"
    assert "Location: /json" in head


def test_follow_reaches_the_target_and_verbose_shows_each_hop(server: CliServer) -> None:
    result = run("--follow", server.url("/redirect"))
    assert result.exit_code == 0
    assert json.loads(result.stdout_bytes) == JSON_DATA

    result = run("--pretty", "--follow", "-v", server.url("/redirect"))
    assert result.exit_code == 0
    out = plain(result.stdout)
    firsts = [block.splitlines()[0] for block in out.split("\n\n") if block.strip()]
    assert firsts[:4] == [
        "GET /redirect HTTP/1.1", "HTTP/1.1 302 Found", "GET /json HTTP/1.1", "HTTP/1.1 200 OK",
    ]


# -- request bodies, headers, params, auth -----------------------------------------------------


def echo(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout_bytes)
    return data


def test_form_data_is_posted_urlencoded(server: CliServer) -> None:
    got = echo(run("-d", "name=fast httpx", "-d", "n=1", "-d", "n=2", server.url("/echo")))
    assert got["method"] == "POST"  # a body without -m means POST
    headers = got["headers"]
    assert isinstance(headers, dict)
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert got["body"] == "name=fast+httpx&n=1&n=2"


def test_json_is_posted(server: CliServer) -> None:
    got = echo(run("-j", '{"a": [1, 2], "b": null}', server.url("/echo")))
    assert got["method"] == "POST"
    headers = got["headers"]
    assert isinstance(headers, dict)
    assert headers["content-type"] == "application/json"
    assert isinstance(got["body"], str)
    assert json.loads(got["body"]) == {"a": [1, 2], "b": None}


def test_files_are_posted_multipart(server: CliServer, tmp_path: Path) -> None:
    upload = tmp_path / "upload.txt"
    upload.write_bytes(b"file contents\x00\xff\n")
    got = echo(run("-f", f"document={upload}", "-d", "title=report", server.url("/echo")))
    assert got["method"] == "POST"
    headers = got["headers"]
    assert isinstance(headers, dict)
    content_type = headers["content-type"]
    assert isinstance(content_type, str)
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.partition("boundary=")[2]
    body = got["body"]
    assert isinstance(body, str)
    parts = body.split(f"--{boundary}")
    assert parts[-1] == "--\r\n"
    assert any('name="title"' in p and p.endswith("\r\n\r\nreport\r\n") for p in parts)
    file_part = next(p for p in parts if 'name="document"' in p)
    assert 'filename="upload.txt"' in file_part
    assert file_part.endswith("\r\n\r\n" + "file contents\x00\xff\n" + "\r\n")


def test_raw_content_method_headers_and_params(server: CliServer) -> None:
    got = echo(run(
        "-m", "put", "-c", "raw body", "-H", "Content-Type: text/x-raw", "-H", "X-One: 1",
        "-p", "q=fast", "-p", "page 2", server.url("/echo"),
    ))
    assert got["method"] == "PUT"
    assert got["body"] == "raw body"
    assert got["query"] == [["q", "fast"], ["page", "2"]]
    headers = got["headers"]
    assert isinstance(headers, dict)
    assert headers["content-type"] == "text/x-raw"
    assert headers["x-one"] == "1"
    assert headers["content-length"] == "8"


def test_basic_auth(server: CliServer) -> None:
    got = echo(run("--auth", "user:pa:ss", server.url("/echo")))
    headers = got["headers"]
    assert isinstance(headers, dict)
    assert headers["authorization"] == "Basic dXNlcjpwYTpzcw=="  # user:pa:ss


# -- errors ------------------------------------------------------------------------------------


def test_connection_refused_is_one_line_and_exit_1() -> None:
    port = closed_port()
    result = run(f"http://127.0.0.1:{port}/")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"error: cannot connect to 127.0.0.1:{port}: Connection refused\n"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("htp://example.com/", "unsupported scheme 'htp'"),
        ("http://", "invalid URL 'http://': no host"),
        ("http://[::1/", "invalid URL 'http://[::1/'"),
    ],
)
def test_bad_url_is_one_line_and_exit_1(url: str, expected: str) -> None:
    result = run(url)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert expected in result.stderr
    assert result.stderr.count("\n") == 1


def test_timeout_is_one_line_and_exit_1(server: CliServer) -> None:
    result = run("--timeout", "0.2", server.url("/slow"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: timed out waiting for 127.0.0.1:{server.port}")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["-H", "no colon here"],
        ["-d", "novalue"],
        ["-j", "{not json"],
        ["-c", "x", "-j", "{}"],
        ["-f", "name=/no/such/file"],
        ["--timeout", "0"],
        ["--no-such-option"],
    ],
)
def test_usage_errors_exit_2(server: CliServer, args: list[str]) -> None:
    result = run(*args, server.url("/echo"))
    assert result.exit_code == 2
    assert "Usage: fasthttpx" in result.stderr


# -- as a user runs it -------------------------------------------------------------------------


def _subprocess_env() -> dict[str, str]:
    """Run the same fasthttpx the tests import (installed wheel or checkout)."""
    env = dict(os.environ)
    package_parent = str(Path(fasthttpx.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    return env


def test_python_m_fasthttpx_in_a_subprocess(server: CliServer, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "fasthttpx", server.url("/binary")],
        capture_output=True, env=_subprocess_env(), cwd=tmp_path, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == BINARY_BODY  # piped: exactly the body
    assert proc.stderr == b""

    proc = subprocess.run(
        [sys.executable, "-m", "fasthttpx", f"http://127.0.0.1:{closed_port()}/"],
        capture_output=True, env=_subprocess_env(), cwd=tmp_path, timeout=60, check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.decode().endswith(": Connection refused\n")
    assert proc.stderr.count(b"\n") == 1


def test_missing_cli_extra_is_explained(tmp_path: Path) -> None:
    # A None entry in sys.modules makes `import click` fail as if it were not installed.
    code = "import sys; sys.modules['click'] = None; from fasthttpx._cli import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "http://127.0.0.1:1/"],
        capture_output=True, env=_subprocess_env(), cwd=tmp_path, timeout=60, check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.decode().strip() == MISSING_EXTRA_MESSAGE
