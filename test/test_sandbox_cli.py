"""``python -m sparkfly_client.sandbox``: what a person sees at the command line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import urllib3
from sandbox_process import exported as export_line
from sandbox_process import sandbox_process

from sparkfly_client.sandbox.__main__ import main
from sparkfly_client.sandbox.examples import Example, default_root, find_examples, run_example
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
    (tmp_path / "README.md").write_text(
        "# Fine\n\n```python\nprint('all\\n good')\n```\n\n"
        "# Broken\n\n```python\nraise SystemExit('went wrong here')\n```\n"
    )
    assert main(["demo", "-v", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "ok    README.md:3 Fine: all good" in out
    assert "FAIL  README.md:9 Broken: went wrong here" in out
    assert "    went wrong here" in out


@pytest.fixture
def exported() -> Iterator[Dict[str, str]]:
    """The variables a running ``python -m sparkfly_client.sandbox`` prints on its ``export`` line."""
    with sandbox_process() as lines:
        yield export_line(lines)


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


def test_an_example_that_hangs_is_stopped_and_reported(sparkfly_sandbox: Sandbox) -> None:
    hanging = Example("README.md", 1, "Hangs", "import time\ntime.sleep(30)\n")
    result = run_example(hanging, sparkfly_sandbox, timeout=0.5)
    assert not result.ok
    assert result.summary() == "FAIL  README.md:1 Hangs: did not finish within 0 s"


def test_in_a_checkout_the_demo_reads_the_checkouts_documents() -> None:
    assert default_root() == ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.skipif(os.name == "nt", reason="Ctrl+C is sent as SIGINT")
def test_serve_answers_until_ctrl_c_then_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    answers: List[int] = []

    def use_then_interrupt() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not answers:
            try:
                answers.append(
                    urllib3.request(
                        "GET", f"http://127.0.0.1:{port}/v1.0/credentials/56", headers={"X-Auth-Token": "t-9"}
                    ).status
                )
            except urllib3.exceptions.HTTPError:
                time.sleep(0.05)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    helper = threading.Thread(target=use_then_interrupt)
    helper.start()
    try:
        assert main(["--port", str(port), "--token", "t-9"]) == 0
    finally:
        helper.join()
    assert answers == [200]
    out = capsys.readouterr().out
    assert out.startswith(f"Sparkfly sandbox listening on http://127.0.0.1:{port}  (Ctrl+C stops it)\n")
    assert "X-Auth-Token:   t-9" in out and f"export SPARKFLY_HOST=http://127.0.0.1:{port} API_KEY=t-9 " in out


def test_the_pytest_plugin_loads_nothing_heavy() -> None:
    """It loads in every pytest run of every project that installs the SDK."""
    code = (
        "import json, sys, pytest; before = set(sys.modules); import sparkfly_client.sandbox.pytest_plugin; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    heavy = {"pydantic", "pydantic_core", "urllib3", "http", "socketserver"}
    assert not heavy & {name.split(".")[0] for name in loaded}, loaded
    assert "sparkfly_client.sandbox.server" not in loaded and "sparkfly_client.configuration" not in loaded


def test_the_pytest_plugin_can_be_turned_off(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text("def test_fixture(sparkfly_sandbox):\n    pass\n")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:sparkfly_client", "."]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "fixture 'sparkfly_sandbox' not found" in done.stdout, done.stdout
