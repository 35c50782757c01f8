"""Every ```python block of README.md and docs/*.md runs as written against a fresh sandbox."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import List

import pytest

from sparkfly_client.sandbox import Sandbox
from sparkfly_client.sandbox.examples import FAILURE_MARKER, Example, find_examples, run_example

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = find_examples(ROOT)


def test_examples_are_found_in_every_document() -> None:
    sources = {example.source for example in EXAMPLES}
    assert {"README.md", "docs/CredentialsApi.md", "docs/AsyncCredentialsApi.md", "docs/Sandbox.md"} <= sources
    assert sources == {
        "README.md",
        *(
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / "docs").glob("*.md")
            if "```python" in p.read_text(encoding="utf-8")
        ),
    }
    assert sum(example.source == "docs/CredentialsApi.md" for example in EXAMPLES) >= 9
    assert sum(example.source == "docs/AsyncCredentialsApi.md" for example in EXAMPLES) >= 9
    assert sum(example.source == "docs/AsyncCustomerCredentialsApi.md" for example in EXAMPLES) >= 2


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.label for example in EXAMPLES])
def test_example_runs_against_a_fresh_sandbox(example: Example, sparkfly_sandbox: Sandbox) -> None:
    result = run_example(example, sparkfly_sandbox)
    if result.skipped is not None:
        pytest.skip(result.skipped)
    printed = result.stdout + result.stderr
    assert result.returncode == 0, printed
    assert result.stdout.strip(), "the example printed nothing"
    assert FAILURE_MARKER not in result.stdout, printed
    assert result.ok


RUNTIME_PACKAGES = {"sparkfly_client", "urllib3", "pydantic", "pydantic_core", "dateutil", "typing_extensions"}
ASYNC_EXTRA = {"aiohttp"}
#: what the examples of docs/Tracing.md and docs/Testing.md may import: the demo skips them, saying why, without it
SKIPPED_WITHOUT = {"opentelemetry", "pytest"}


def is_standard_library(module: str) -> bool:
    """Whether ``module`` (a top-level name) comes with Python: built in, or found in the standard library's
    folder outside site-packages. (``sys.stdlib_module_names`` would say it, but is new in 3.10.)"""
    if module in sys.builtin_module_names:
        return True
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return False
    if spec.origin == "frozen":
        return True
    origin = Path(spec.origin).resolve()
    standard = [Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib")]
    installed = [Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")]
    return any(origin.is_relative_to(folder) for folder in standard) and not any(
        origin.is_relative_to(folder) for folder in installed
    )


def test_standard_library_is_told_from_installed_packages() -> None:
    assert all(map(is_standard_library, ["os", "sys", "json", "logging", "concurrent", "datetime", "itertools"]))
    assert not any(map(is_standard_library, ["pytest", "urllib3", "sparkfly_client", "yaml", "no_such_module"]))


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.label for example in EXAMPLES])
def test_example_needs_only_the_runtime_dependencies(example: Example) -> None:
    """The README's main command installs the package alone: no example may need a test tool. An example
    of the async client may also use the ``async`` extra; one on tracing or testing OpenTelemetry or pytest, which
    the demo skips it without (see test_demo_skips_examples_whose_test_tools_are_missing)."""
    imported = set()
    for node in ast.walk(ast.parse(example.code)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    allowed = RUNTIME_PACKAGES | SKIPPED_WITHOUT | (ASYNC_EXTRA if "AsyncApiClient" in example.code else set())
    assert {name for name in imported - allowed if not is_standard_library(name)} == set()


def test_demo_reports_each_example_and_fails_when_one_fails(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(
        "# Demo\n\n```python\n# a comment, not a heading\nprint('fine')\n```\n\n## Broken\n\n```python\n"
        "print('Exception when calling CredentialsApi->get_credential: boom\\n')\n```\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "sparkfly_client.sandbox", "demo", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "ok    README.md:3 Demo: fine"
    assert lines[2].startswith("FAIL  README.md:10 Broken: Exception when calling CredentialsApi->get_credential")
    assert lines[-1] == "1 of 2 examples ran; 1 FAILED"


ASYNC_EXAMPLE = """import asyncio
import os
import sparkfly_client


async def main():
    configuration = sparkfly_client.Configuration(host=os.environ["SPARKFLY_HOST"])
    configuration.api_key["X-Auth-Token"] = os.environ["API_KEY"]
    async with sparkfly_client.AsyncApiClient(configuration) as api_client:
        print((await sparkfly_client.AsyncCredentialsApi(api_client).get_credential(56)).credential.id)


asyncio.run(main())
"""


def run_demo_without(root: Path, hidden: str) -> List[str]:
    """The lines the demo printed for the examples under ``root``, run with the module ``hidden`` (when named)
    hidden from the demo's own interpreter, which decides: what an install without it looks like."""
    hide = f"sys.modules[{hidden!r}] = None; " if hidden else ""
    program = f"import sys; {hide}from sparkfly_client.sandbox.__main__ import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", program, "demo", "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("aiohttp_installed", [False, True])
def test_demo_skips_async_examples_without_aiohttp(tmp_path: Path, aiohttp_installed: bool) -> None:
    if aiohttp_installed:
        pytest.importorskip("aiohttp")
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(
        f"# Demo\n\n```python\nprint('fine')\n```\n\n## Async\n\n```python\n{ASYNC_EXAMPLE}```\n",
        encoding="utf-8",
    )
    lines = run_demo_without(tmp_path, "" if aiohttp_installed else "aiohttp")
    assert lines[1] == "ok    README.md:3 Demo: fine"
    if aiohttp_installed:
        assert lines[2] == "ok    README.md:9 Async: 56"
        assert lines[-1] == "2 of 2 examples ran"
    else:
        assert lines[2] == (
            'skip  README.md:9 Async: needs aiohttp, which is not installed: pip install "sparkfly_client[async]"'
        )
        assert lines[-1] == "1 of 2 examples ran; 1 skipped"


TRACING_EXAMPLE = """from opentelemetry.sdk.trace import TracerProvider

print(TracerProvider().get_tracer("demo").start_span("demo").is_recording())
"""
TESTING_EXAMPLE = """import pytest

print(pytest.main(["--version"]))
"""


@pytest.mark.parametrize("hidden", ["", "opentelemetry", "opentelemetry.sdk", "pytest"])
def test_demo_skips_examples_whose_test_tools_are_missing(tmp_path: Path, hidden: str) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(
        f"# Demo\n\n## Tracing\n\n```python\n{TRACING_EXAMPLE}```\n\n## Testing\n\n```python\n{TESTING_EXAMPLE}```\n",
        encoding="utf-8",
    )
    tracing, testing = run_demo_without(tmp_path, hidden)[1:3]
    skip = 'skip  README.md:{}: needs {}, which is not installed: pip install "sparkfly_client[test]"'
    if hidden.startswith("opentelemetry"):
        assert tracing == skip.format("5 Tracing", "opentelemetry.sdk.trace")
    else:
        assert tracing == "ok    README.md:5 Tracing: True"
    if hidden == "pytest":
        assert testing == skip.format("13 Testing", "pytest")
    else:
        assert testing.startswith("ok    README.md:13 Testing: pytest "), testing


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.label for example in EXAMPLES])
def test_example_is_clean_code(example: Example) -> None:
    """No unused import or name (pyflakes' rules, through ruff), and no pointer to a source file for settings."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "F", "--output-format", "concise"]
        + ["--stdin-filename", "example.py", "-"],
        input=example.code,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "configuration.py" not in example.code  # settings are documented in docs/Configuration.md


def test_an_example_imports_the_package_the_demo_runs_from(tmp_path: Path) -> None:
    # An interpreter with the dependencies but without this package installed, run from the checkout (as
    # `python -m sparkfly_client.sandbox demo` can be): the demo imports the package through the current folder,
    # which an example, run in a folder of its own, does not have.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = subprocess.run([str(python), "-c", where], capture_output=True, text=True, check=True).stdout.strip()
    # This environment's folder, named by a path file: its own path files (an editable install's) are not read.
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    script = (
        "from sparkfly_client.sandbox import Sandbox\n"
        "from sparkfly_client.sandbox.examples import Example, run_example\n"
        "example = Example('test.md', 1, 'where', 'import sparkfly_client\\nprint(sparkfly_client.__file__)')\n"
        "with Sandbox() as sandbox:\n"
        "    result = run_example(example, sandbox)\n"
        "print(result.returncode, result.stdout.strip(), result.stderr.strip()[-300:])\n"
    )
    done = subprocess.run([str(python), "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(maxsplit=2)[:2] == ["0", str(ROOT / "sparkfly_client" / "__init__.py")], done.stdout
