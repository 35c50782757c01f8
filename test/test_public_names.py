"""``dir()`` of the lazily loading modules lists their public names, so REPL completion finds them; the async API
classes are found where they used to live too."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import List

import pytest

# In a fresh interpreter, where nothing has been imported on first use yet.
SCRIPT = """
import importlib, json, rlcompleter, sys
module = importlib.import_module(sys.argv[1])
missing = sorted(set(module.__all__) - set(dir(module)))
completer = rlcompleter.Completer({"m": module})
completions = sorted({completer.complete("m." + sys.argv[2], i) for i in range(50)} - {None})
print(json.dumps([missing, completions]))
"""


@pytest.mark.parametrize(
    ("module", "prefix", "expected"),
    [
        ("sparkfly_client", "CredentialsA", ["m.CredentialsApi("]),
        ("sparkfly_client", "Configur", ["m.Configuration("]),
        ("sparkfly_client", "TooMany", ["m.TooManyRequestsException("]),
        ("sparkfly_client.models", "CredentialL", ["m.CredentialList("]),
        ("sparkfly_client.api", "Customer", ["m.CustomerCredentialsApi("]),
        ("sparkfly_client.sandbox", "Sand", ["m.Sandbox("]),
    ],
)
def test_every_public_name_is_listed_and_completes(module: str, prefix: str, expected: List[str]) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, module, prefix], capture_output=True, text=True, check=True)
    missing, completions = json.loads(done.stdout)
    assert missing == []
    assert completions == expected


def test_dir_imports_nothing() -> None:
    code = (
        "import sys, sparkfly_client, sparkfly_client.models; dir(sparkfly_client); dir(sparkfly_client.models); "
        "print(sorted(m for m in sys.modules if m.startswith('sparkfly_client.models.') or m.endswith('_api')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_the_async_api_classes_are_found_where_they_were_and_a_sync_program_does_not_make_them() -> None:
    code = (
        "import sys, sparkfly_client; sparkfly_client.CredentialsApi; sparkfly_client.CustomerCredentialsApi; "
        "print(sorted(m for m in sys.modules if m.startswith('sparkfly_client.api.async_'))); "
        "from sparkfly_client.api.credentials_api import AsyncCredentialsApi; "
        "from sparkfly_client.api.customer_credentials_api import AsyncCustomerCredentialsApi; "
        "print(AsyncCredentialsApi is sparkfly_client.api.AsyncCredentialsApi is sparkfly_client.AsyncCredentialsApi, "
        "AsyncCustomerCredentialsApi is sparkfly_client.AsyncCustomerCredentialsApi, AsyncCredentialsApi.__module__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[]", "True True sparkfly_client.api.async_credentials_api"]
