"""The customer credential docs: the seed's page format, model pages that match the models, and every
```python block run as written (against a local server where it calls the API)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

import pytest
from scripted_server import Reply, ScriptedServer

import sparkfly_client

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
API_DOC = DOCS / "CustomerCredentialsApi.md"
MODELS = [
    "CustomerCredential",
    "CustomerCredentialInput",
    "ResourceLink",
    "Problem",
    "ValidationProblem",
    "InvalidField",
]
SECRET_KEY = "sk_doc-example-key"
ANSWER = {
    "id": "cus_crd_0YV9Y706QGCB39FQD380G1ZHZH",
    "username": "jane.doe@example.com",
    "customerId": "cus_0YV9Y706QGCB39FQD380G1ZHZH",
    "expiredTime": None,
    "_links": [{"href": "/credentials/cus_crd_0YV9Y706QGCB39FQD380G1ZHZH", "rel": "self"}],
}


def python_blocks(text: str) -> List[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def readme_upsert_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Customer credentials (upsert)")
    end = readme.find("\n## ", start + 1)
    return readme[start:] if end < 0 else readme[start:end]


def run_block(code: str, name: str) -> None:
    exec(compile(code, name, "exec"), {"__name__": "__doc_example__"})


def test_api_page_has_the_seed_sections() -> None:
    text = API_DOC.read_text()
    for heading in [
        "# sparkfly_client.CustomerCredentialsApi",
        "# **upsert_credential**",
        "> CustomerCredential upsert_credential(id, customer_credential_input)",
        "### Example",
        "### Parameters",
        "### Return type",
        "### Authorization",
        "### HTTP request headers",
        "### HTTP response details",
    ]:
        assert heading in text
    for status in (200, 201, 401, 403, 404, 422, 429):
        assert re.search(rf"^\*\*{status}\*\* \| ", text, flags=re.M), status
    assert 'os.environ["SECRET_API_KEY"]' in text and "SECRET_API_KEY" in text.split("```python")[0]


@pytest.mark.parametrize("model_name", MODELS)
def test_model_page_lists_exactly_the_model_fields(model_name: str) -> None:
    text = (DOCS / f"{model_name}.md").read_text()
    listed = re.findall(r"^\*\*(\w+)\*\* \| ", text, flags=re.M)
    model = getattr(sparkfly_client, model_name)
    assert listed == list(model.model_fields)


@pytest.mark.parametrize("model_name", MODELS)
def test_model_page_example_runs(model_name: str, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = python_blocks((DOCS / f"{model_name}.md").read_text())
    assert blocks
    for index, code in enumerate(blocks):
        run_block(code, f"{model_name}.md[{index}]")
    printed = capsys.readouterr().out
    assert printed and "correct-horse-battery-staple" not in printed


@pytest.mark.parametrize("source", ["docs", "readme"])
def test_api_examples_run_against_a_server(
    source: str, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = python_blocks(API_DOC.read_text() if source == "docs" else readme_upsert_section())
    assert blocks
    monkeypatch.setenv("SPARKFLY_HOST", server.url)
    monkeypatch.setenv("SECRET_API_KEY", SECRET_KEY)
    for index, code in enumerate(blocks):
        server.push(Reply(201, ANSWER))
        run_block(code, f"{source}[{index}]")
    printed = capsys.readouterr().out
    assert "Exception when calling" not in printed
    assert "cus_crd_0YV9Y706QGCB39FQD380G1ZHZH" in printed
    assert len(server.requests) == len(blocks)
    for seen in server.requests:
        assert (seen.method, seen.path) == ("PUT", "/credentials/cus_crd_0YV9Y706QGCB39FQD380G1ZHZH")
        assert seen.header("REB-APIKEY") == SECRET_KEY
        assert seen.json()["customerId"] == "cus_0YV9Y706QGCB39FQD380G1ZHZH"


def test_api_example_prints_the_problem_of_a_refusal(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPARKFLY_HOST", server.url)
    monkeypatch.setenv("SECRET_API_KEY", SECRET_KEY)
    server.push(
        Reply(
            422,
            {
                "title": "Invalid data",
                "status": 422,
                "invalidFields": [{"field": "username", "message": "username is taken"}],
            },
            headers={"Content-Type": "application/problem+json"},
        )
    )
    run_block(python_blocks(API_DOC.read_text())[1], "docs[1]")
    printed = capsys.readouterr().out
    assert "Problem: Invalid data" in printed and "username is taken" in printed
    assert "Exception when calling CustomerCredentialsApi->upsert_credential_with_http_info" in printed
