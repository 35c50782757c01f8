"""A cold start builds only the models its call decodes; the cold-start benchmark runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sparkfly_client.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent

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
]
print(json.dumps({model.__name__: model.__pydantic_complete__ for model in loaded}))
"""


def test_the_first_call_builds_only_the_model_it_decodes(sparkfly_sandbox: Sandbox) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CALL, sparkfly_sandbox.url, sparkfly_sandbox.token],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    complete = json.loads(done.stdout)
    assert len(complete) > 3  # the API module declares several models ...
    assert [name for name, built in complete.items() if built] == ["CredentialResponse"]  # ... one is built


def test_the_cold_start_benchmark_reports_both_sides() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "cold_start.py"), "--runs", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "| sparkfly_client | " in done.stdout and "| floor | " in done.stdout
    assert "Target: cold start wall / floor <= 1.05: " in done.stdout
