"""Every ```python example in docs/Configuration.md runs as written against a local server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest
from scripted_server import Recorded, Reply, ScriptedServer

DOC = Path(__file__).parent.parent / "docs" / "Configuration.md"
ISSUED = "tok-doc-SECRET"
ENV = {"API_KEY": "static-doc-token", "AUTH_IDENTITY": "acct-56", "AUTH_KEY": "key-56"}


def examples() -> List[str]:
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)


def sparkfly(seen: Recorded) -> Optional[Reply]:
    if seen.path == "/auth":
        if (seen.header("X-Auth-Identity"), seen.header("X-Auth-Key")) != (ENV["AUTH_IDENTITY"], ENV["AUTH_KEY"]):
            return Reply(401, {"error": "invalid credentials"})
        return Reply(204, None, headers={"X-Auth-Token": ISSUED})
    if seen.header("X-Auth-Token") not in (ENV["API_KEY"], ISSUED):
        return Reply(401, {"error": "invalid token"})
    return Reply(
        200,
        {"credential": {"id": 56, "identifier": "3345", "member_id": 56, "offer_id": 56}},
        headers={"X-Request-Id": "req-doc"},
    )


def test_the_document_has_examples() -> None:
    assert len(examples()) >= 6


@pytest.mark.parametrize("code", examples(), ids=lambda code: code.splitlines()[-1].strip()[:40])
def test_example_runs(code: str) -> None:
    with ScriptedServer() as server:
        server.responder = sparkfly
        env = {**os.environ, **ENV, "SPARKFLY_HOST": server.url}
        for name in ("SPARKFLY_PROXY", "SPARKFLY_CA_BUNDLE", "SPARKFLY_CLIENT_CERT", "SPARKFLY_CLIENT_KEY"):
            env.pop(name, None)
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Exception when calling" not in done.stdout and "No answer" not in done.stdout
    assert "56" in done.stdout
    assert server.requests and all(seen.path in ("/auth", "/v1.0/credentials/56") for seen in server.requests)
    assert ISSUED not in done.stdout + done.stderr and ENV["API_KEY"] not in done.stdout + done.stderr
