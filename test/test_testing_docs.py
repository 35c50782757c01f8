"""docs/Testing.md and docs/Tracing.md: each example runs as written against a fresh sandbox (none skipped where the
test extra is installed) and shows what its section says: mocks that refuse a wrong keyword, the fixtures' tests
passing, a retry that waited as the server asked, the sandbox's log, the span tree."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
from drivers import HAVE_AIOHTTP

from sparkfly_client.sandbox import Sandbox
from sparkfly_client.sandbox.examples import Example, find_examples, run_example

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = find_examples(ROOT)


def examples_of(document: str) -> Dict[str, Example]:
    return {example.title: example for example in EXAMPLES if example.source == document}


def printed(example: Example) -> List[str]:
    with Sandbox() as sandbox:
        result = run_example(example, sandbox)
    assert result.skipped is None, result.skipped
    assert result.ok, result.stdout + result.stderr
    return result.stdout.splitlines()


TESTING = examples_of("docs/Testing.md")
TRACING = examples_of("docs/Tracing.md")


def test_both_documents_are_linked_from_the_readme_and_have_their_examples() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/Testing.md)" in readme and "(docs/Tracing.md)" in readme
    assert set(TESTING) == {
        "Mocks with autospec",
        "The async classes",
        "The sandbox in your tests",
        "Fault injection",
        "What the sandbox served",
    }
    assert set(TRACING) == {"A lookup by code", "Async calls made together"}


def test_the_sync_mock_runs_the_code_under_test_and_refuses_a_wrong_keyword() -> None:
    assert printed(TESTING["Mocks with autospec"]) == [
        "redeemed",
        "locked, try again",
        "unknown code",
        "refused: got an unexpected keyword argument '_retry'",
    ]


def test_the_async_mocks_are_awaited_and_iterated() -> None:
    assert printed(TESTING["The async classes"]) == [
        "['redeemed', 'voided', 'open']",
        "['redeemed', 'voided', 'missing']",
    ]


@pytest.mark.skipif(not HAVE_AIOHTTP, reason='needs the "async" extra')
def test_the_fixtures_example_passes_its_three_tests() -> None:
    lines = printed(TESTING["The sandbox in your tests"])
    assert lines[-1] == "pytest exit code: 0"
    assert any(line.startswith("3 passed") for line in lines), lines


def test_the_fault_example_waits_as_asked_without_sleeping_and_meets_the_lock() -> None:
    assert printed(TESTING["Fault injection"]) == [
        "status: open after 2 retries; the first waited 7.0 s, as the server asked",
        "locked: This credential is currently locked for processing. Please try again later.",
    ]


def test_the_log_example_shows_each_request_served() -> None:
    assert printed(TESTING["What the sandbox served"]) == [
        "GET /v1.0/credentials {'page': '1', 'per_page': '50', 'identifier': '5600'} 200",
        "PUT /v1.0/credentials/56/redeem {} 201",
    ]


def test_the_tracing_example_prints_the_span_tree_without_the_code() -> None:
    lines = printed(TRACING["A lookup by code"])
    assert lines[0] == "active credential: 56"
    assert [line.split(" {")[0] for line in lines[1:]] == [
        "CredentialsApi.get_credentials",
        "  authenticate",
        "    GET",
        "  GET",
    ]
    assert "5600" not in "\n".join(lines[1:])


@pytest.mark.skipif(not HAVE_AIOHTTP, reason='needs the "async" extra')
def test_the_async_tracing_example_nests_each_call_under_the_applications_span() -> None:
    assert sorted(printed(TRACING["Async calls made together"])) == [
        "CredentialsApi.get_credential (CLIENT) under checkout",
        "CredentialsApi.get_offer_eligibility_for_member (CLIENT) under checkout",
        "GET (CLIENT) under CredentialsApi.get_credential",
        "GET (CLIENT) under CredentialsApi.get_offer_eligibility_for_member",
        "checkout (INTERNAL) under (root)",
    ]
