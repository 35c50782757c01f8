"""The async API pages: one section per operation of the async class, each with an example that awaits it,
and the same parameters, return type, authorization, headers and answers as the sync page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client._operations import declared_operations
from sparkfly_client.sandbox.examples import find_examples

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [
    ("AsyncCredentialsApi", "CredentialsApi"),
    ("AsyncCustomerCredentialsApi", "CustomerCredentialsApi"),
]
EXAMPLES = find_examples(ROOT)


#: The methods built on the operations (paging and the point-of-sale lookup), documented like them.
COMPOSITES = ("find_active_credential", "iter_credentials")


def operations(api_class: type) -> List[str]:
    return sorted([*declared_operations(api_class), *(name for name in COMPOSITES if hasattr(api_class, name))])


def sections(page: str) -> List[str]:
    return re.findall(r"^# \*\*(\w+)\*\*$", (DOCS / f"{page}.md").read_text(), flags=re.M)


def reference_part(page: str, name: str) -> str:
    """An operation's section from "### Parameters" to its links back: what sync and async share."""
    text = (DOCS / f"{page}.md").read_text()
    start = text.index("### Parameters", text.index(f"# **{name}**\n"))
    return text[start : text.index("[[Back to top]]", start)]


@pytest.mark.parametrize(("page", "sync_page"), PAGES)
def test_every_operation_of_the_async_class_has_a_section(page: str, sync_page: str) -> None:
    assert sorted(sections(page)) == operations(getattr(sparkfly_client, page))
    assert operations(getattr(sparkfly_client, page)) == operations(getattr(sparkfly_client, sync_page))


@pytest.mark.parametrize(("page", "sync_page"), PAGES)
def test_each_section_awaits_its_operation_on_an_async_client(page: str, sync_page: str) -> None:
    for name in sections(page):
        examples = [e for e in EXAMPLES if e.source == f"docs/{page}.md" and e.title == name]
        assert examples, name
        for example in examples:
            assert f"sparkfly_client.{page}(api_client)" in example.code
            assert "async with sparkfly_client.AsyncApiClient(configuration) as api_client:" in example.code
            awaited = rf"(= await|async for item in) api_instance\.{name}(_with_http_info)?\("
            assert re.search(awaited, example.code), name
            assert example.code.rstrip().endswith("asyncio.run(main())")


@pytest.mark.parametrize(("page", "sync_page"), PAGES)
def test_reference_parts_match_the_sync_page(page: str, sync_page: str) -> None:
    for name in sections(page):
        assert reference_part(page, name) == reference_part(sync_page, name), name
        text = (DOCS / f"{page}.md").read_text()
        signature = re.search(rf"^> .* {name}\(.*\)$", (DOCS / f"{sync_page}.md").read_text(), flags=re.M)
        assert signature is not None and signature.group() in text.splitlines()


def test_readme_links_both_async_pages() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Async client") :]
    section = section[: section.index("\n## ", 1)]
    for page, _ in PAGES:
        assert f"(docs/{page}.md)" in section
    assert 'pip install "sparkfly_client[async]"' in section


def test_the_async_refusal_example_prints_the_problem(tmp_path: Path) -> None:
    pytest.importorskip("aiohttp")
    (example,) = [
        e
        for e in EXAMPLES
        if e.source == "docs/AsyncCustomerCredentialsApi.md" and "upsert_credential_with_http_info" in e.code
    ]
    problem = {
        "title": "Invalid data",
        "status": 422,
        "invalidFields": [{"field": "username", "message": "username is taken"}],
    }
    with ScriptedServer() as server:
        server.push(Reply(422, problem, headers={"Content-Type": "application/problem+json"}))
        env = {**os.environ, "SPARKFLY_HOST": server.url, "SECRET_API_KEY": "sk_doc-example-key"}
        script = tmp_path / "example.py"
        script.write_text(example.code)
        done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Problem: Invalid data" in done.stdout and "username is taken" in done.stdout
    assert "AsyncCustomerCredentialsApi->upsert_credential_with_http_info" in done.stdout
    assert "correct-horse-battery-staple" not in done.stdout + done.stderr
    (seen,) = server.requests
    assert (seen.method, seen.path) == ("PUT", "/credentials/cus_crd_0YV9Y706QGCB39FQD380G1ZHZH")
    assert seen.header("REB-APIKEY") == "sk_doc-example-key"
