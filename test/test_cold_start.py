"""A cold start imports and builds only the models its call decodes; the cold-start benchmark's floor is the least
code with the same guarantees, and the benchmark runs."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sparkfly_client.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from cold_start import FLOOR, SDK, SNIPPETS  # noqa: E402
from server import canned_server  # noqa: E402

FIRST_CALL = """
import json, sys
import sparkfly_client
configuration = sparkfly_client.Configuration(host=sys.argv[1], api_key={"X-Auth-Token": sys.argv[2]})
with sparkfly_client.ApiClient(configuration) as api_client:
    assert sparkfly_client.CredentialsApi(api_client).get_credential(56).credential.identifier == "5600"
from sparkfly_client.models._base import SparkflyModel
loaded = [
    value for name, module in list(sys.modules.items()) if name.startswith("sparkfly_client.models.")
    for value in vars(module).values()
    if isinstance(value, type) and issubclass(value, SparkflyModel) and value.__module__ == name
    and value is not SparkflyModel
]
print(json.dumps({model.__name__: model.__pydantic_complete__ for model in loaded}))
print(json.dumps(sorted(name for name in sys.modules if name.startswith("sparkfly_client"))))
"""

#: What a first get_credential does not use, imported where it is first needed: the async driver's attempt limits,
#: the /auth token flow (a client given its token), the errors of a failed call, settling a lost answer, searching, a
#: _with_http_info call, tracing (once the application imports OpenTelemetry), the async API classes.
FIRST_USE_ONLY = [
    "sparkfly_client._attempt",
    "sparkfly_client._auth",
    "sparkfly_client._decode",
    "sparkfly_client._lookup",
    "sparkfly_client._settle",
    "sparkfly_client._tracing",
    "sparkfly_client.api.async_credentials_api",
    "sparkfly_client.api_response",
]


def test_the_first_call_imports_and_builds_only_what_it_uses(sparkfly_sandbox: Sandbox) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CALL, sparkfly_sandbox.url, sparkfly_sandbox.token],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    models, modules = map(json.loads, done.stdout.splitlines())
    # The endpoints name the models they use; only those the call decodes are imported, and one is built.
    assert sorted(models) == ["Credential", "CredentialResponse"]
    assert [name for name, built in models.items() if built] == ["CredentialResponse"]
    assert "sparkfly_client.api.credentials_api" in modules
    assert [name for name in FIRST_USE_ONLY if name in modules] == []
    assert all(importlib.util.find_spec(name) for name in FIRST_USE_ONLY)  # each still there to import


def test_the_cold_start_benchmark_reports_both_sides() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "cold_start.py"), "--runs", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "| sparkfly_client | " in done.stdout and "| floor | " in done.stdout
    assert "Target: cold start wall / floor <= 1.05: " in done.stdout


# Run after the floor's snippet: the models it defined, whether it loaded the other floor models, its pool's limits.
FLOOR_SEEN = """
import json, pydantic
def subclasses(cls):
    return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]
models = sorted(c.__name__ for c in subclasses(pydantic.BaseModel) if not c.__module__.startswith("pydantic"))
settings = pool.connection_pool_kw
retries = getattr(settings["retries"], "total", settings["retries"])  # recent urllib3 makes False a Retry(False)
print(json.dumps({"models": models, "floor_models": "floor_models" in sys.modules, "retries": retries,
                  "timeout": [settings["timeout"].connect_timeout, settings["timeout"].read_timeout]}))
"""


def run_snippet(side: str, url: str, epilogue: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BENCHMARKS), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-c", SNIPPETS[side] + epilogue, url]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_the_floor_defines_only_the_models_its_answer_decodes_with_limits_and_no_retries() -> None:
    with canned_server() as server:
        done = run_snippet(FLOOR, server.url, FLOOR_SEEN)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen == {
        "models": ["FloorCredential", "FloorCredentialResponse"],
        "floor_models": False,
        "retries": False,
        "timeout": [5.0, 30.0],
    }


def test_both_sides_of_the_cold_start_refuse_an_error_status() -> None:
    with canned_server() as server:
        elsewhere = server.url + "/elsewhere"  # the canned server answers 404 outside /v1.0/credentials
        floor, sdk = run_snippet(FLOOR, elsewhere), run_snippet(SDK, elsewhere)
    assert floor.returncode != 0 and "GET /v1.0/credentials/56 answered 404" in floor.stderr
    assert sdk.returncode != 0 and "NotFoundException" in sdk.stderr


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="counting instructions needs valgrind")
def test_the_cold_start_benchmark_counts_each_sides_instructions() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "cold_start.py"), "--instructions"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    counts = {
        row[0]: (float(row[1]), float(row[2]))
        for row in re.findall(r"^\| (\S+) \| ([\d.]+) \| ([\d.]+) \|$", done.stdout, re.M)
    }
    (sdk, ratio), (floor, one) = counts[SDK], counts[FLOOR]
    assert one == 1.0 and floor > 100  # millions: importing urllib3 and pydantic alone takes more
    assert abs(sdk / floor - ratio) < 0.001
    extra = float(re.search(r"The SDK's extra: (-?[\d.]+) million", done.stdout).group(1))  # type: ignore[union-attr]
    assert abs(extra - (sdk - floor)) < 0.02
