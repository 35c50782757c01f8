"""``python -m sparkfly_client.sandbox``: what a person sees at the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator

import pytest

from sparkfly_client.sandbox.__main__ import main
from sparkfly_client.sandbox.examples import find_examples
from sparkfly_client.sandbox.server import Sandbox

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_busy_port_is_one_line_naming_the_way_out(taken_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", str(taken_port)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert f"port {taken_port} on 127.0.0.1 is already in use" in err and "--port" in err


def test_an_address_it_cannot_bind_is_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--host", "192.0.2.1", "--port", "0"]) == 1  # TEST-NET-1: never an address of this machine
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("error: cannot listen on 192.0.2.1:0: ")


def test_demo_without_documents_says_where_it_looked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--root", str(tmp_path)]) == 2
    assert f"no ```python examples found under {tmp_path}" in capsys.readouterr().err


def test_demo_verbose_shows_what_a_failing_example_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# Broken\n\n```python\nraise SystemExit('went wrong here')\n```\n")
    assert main(["demo", "-v", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  README.md:3 Broken: went wrong here" in out
    assert "    went wrong here" in out


@pytest.fixture
def exported() -> Iterator[Dict[str, str]]:
    """The variables a running ``python -m sparkfly_client.sandbox`` prints on its ``export`` line."""
    command = [sys.executable, "-m", "sparkfly_client.sandbox", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as sandbox:
        try:
            assert sandbox.stdout is not None
            line = ""
            while not line.startswith("  export "):
                line = sandbox.stdout.readline()
                assert line, "the sandbox exited before printing its export line"
            yield dict(item.split("=", 1) for item in line.split()[1:])
        finally:
            sandbox.terminate()


def test_the_export_line_names_every_variable_the_examples_get(exported: Dict[str, str]) -> None:
    with Sandbox() as sandbox:
        expected = sandbox.environ()
    assert set(exported) == set(expected) >= {"AUTH_IDENTITY", "AUTH_KEY", "API_KEY", "SPARKFLY_HOST"}
    assert exported["AUTH_IDENTITY"] == expected["AUTH_IDENTITY"] and exported["AUTH_KEY"] == expected["AUTH_KEY"]


def test_the_export_line_runs_the_auto_authentication_example_by_hand(exported: Dict[str, str], tmp_path: Path) -> None:
    (example,) = [
        e
        for e in find_examples(ROOT)
        if e.source == "docs/Configuration.md" and e.title == "Automatic token authentication"
    ]
    script = tmp_path / "example.py"
    script.write_text(example.code)
    environment = {**{k: v for k, v in os.environ.items() if k not in exported}, **exported}
    done = subprocess.run([sys.executable, str(script)], env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5600" in done.stdout and "Exception when calling" not in done.stdout, done.stdout
