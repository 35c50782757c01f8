"""The documented examples: find every ```python block in README.md and docs/*.md and run it.

Each example runs exactly as written, in its own interpreter, against its own fresh sandbox with
:data:`EXAMPLE_MEMBERS` numbered members (1000, 1001, ...), with the variables of :meth:`Sandbox.environ`
(``SPARKFLY_HOST``, ``API_KEY``, ``SPARKFLY_SANDBOX_MEMBERS``, ...) pointing at it. An example of the async client
is skipped, with the reason, when aiohttp (the ``async`` extra) is not installed, and one importing OpenTelemetry or
pytest when that is not.
"""

from __future__ import annotations

import importlib.util
import os
import re
import site
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence

from sparkfly_client.sandbox.server import Sandbox

__all__ = [
    "Example",
    "ExampleResult",
    "find_examples",
    "missing_requirement",
    "run_example",
    "run_examples",
    "default_root",
    "EXAMPLE_MEMBERS",
]

FAILURE_MARKER = "Exception when calling"
#: The numbered members (1000 to 1099) each example's sandbox has, unless the settings say otherwise.
EXAMPLE_MEMBERS = 100
_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
_ANY_FENCE = re.compile(r"^```.*?^```[ \t]*$", re.DOTALL | re.MULTILINE)
_HEADING = re.compile(r"^#+[ \t]+(.+?)[ \t]*$", re.MULTILINE)
_GENERIC_HEADINGS = frozenset({"Example", "Properties"})
# The async client, aiohttp itself, and the bulk tool (which runs on the async client)
_USES_AIOHTTP = re.compile(
    r"\bAsyncApiClient\b|\bsparkfly_client[.]bulk\b|\bpython -m sparkfly_client bulk\b"
    r"|^[ \t]*(?:import|from)[ \t]+aiohttp\b",
    re.MULTILINE,
)
#: modules of the ``test`` extra an example may import (tracing, running tests), by their full dotted names
_TEST_EXTRA_IMPORT = re.compile(r"^[ \t]*(?:import|from)[ \t]+((?:opentelemetry|pytest)\b[\w.]*)", re.MULTILINE)


@dataclass(frozen=True)
class Example:
    source: str  # the document, relative to the root
    line: int  # the line of the opening fence
    title: str  # the heading the example sits under
    code: str

    @property
    def label(self) -> str:
        return f"{self.source}:{self.line} {self.title}"


@dataclass(frozen=True)
class ExampleResult:
    example: Example
    returncode: int
    stdout: str
    stderr: str
    skipped: Optional[str] = None  # why the example was not run

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and bool(self.stdout.strip()) and FAILURE_MARKER not in self.stdout

    @property
    def failed(self) -> bool:
        return self.skipped is None and not self.ok

    def summary(self) -> str:
        """One line: verdict, example, and the first line it printed (or what went wrong)."""
        if self.skipped is not None:
            return f"skip  {self.example.label}: {self.skipped}"
        if self.ok:
            said = " ".join(line.strip() for line in self.stdout.splitlines() if line.strip())
        else:
            said = (
                next((line for line in self.stdout.splitlines() if FAILURE_MARKER in line), "")
                or (self.stderr.strip().splitlines() or [f"exit status {self.returncode}, printed nothing"])[-1]
            )
        said = said.strip()
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.example.label}: {said[:100]}"


#: Where a wheel carries README.md and docs/*.md (setup.py copies them in at build time).
PACKAGED_DOCUMENTS = Path(__file__).resolve().parent / "documents"


def default_root() -> Path:
    """Where README.md and docs/ are: the checkout this package runs from (an editable install),
    else the copy an installed wheel carries, else the current directory."""
    checkout = Path(__file__).resolve().parents[2]
    for root in (checkout, PACKAGED_DOCUMENTS):
        if (root / "README.md").is_file() and (root / "docs").is_dir():
            return root
    return Path.cwd()


def find_examples(root: Path) -> List[Example]:
    documents = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    return [example for document in documents if document.is_file() for example in _examples_in(document, root)]


def _examples_in(document: Path, root: Path) -> Iterator[Example]:
    text = document.read_text(encoding="utf-8")
    # Headings are looked for outside code blocks: a "# comment" in one is not a heading.
    prose = _ANY_FENCE.sub(lambda fence: re.sub(r"[^\n]", " ", fence.group()), text)
    for block in _FENCE.finditer(text):
        # The nearest heading that names something ("### Example" names nothing).
        headings = [h.strip("*` ") for h in _HEADING.findall(prose, 0, block.start()) if h not in _GENERIC_HEADINGS]
        title = headings[-1] if headings else document.stem
        yield Example(
            document.relative_to(root).as_posix(), text.count("\n", 0, block.start()) + 1, title, block.group(1)
        )


def missing_requirement(example: Example) -> Optional[str]:
    """Why ``example`` cannot run in this interpreter, or ``None`` when it can."""
    if _USES_AIOHTTP.search(example.code) and importlib.util.find_spec("aiohttp") is None:
        return 'needs aiohttp, which is not installed: pip install "sparkfly_client[async]"'
    for module in _TEST_EXTRA_IMPORT.findall(example.code):
        if not _importable(module):
            return f'needs {module}, which is not installed: pip install "sparkfly_client[test]"'
    return None


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a parent package is missing
        return False


def _this_package_importable() -> Dict[str, str]:
    """The environment that lets an example import the very package this demo runs from: a checkout run with
    ``python -m`` from its folder is importable here through the current directory, not from the example's own.
    A package installed in site-packages needs nothing (putting site-packages on PYTHONPATH would move it before
    the standard library)."""
    root = Path(__file__).resolve().parents[2]
    installed = [*site.getsitepackages(), site.getusersitepackages()]
    if any(Path(folder).resolve() == root for folder in installed):
        return {}
    earlier = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join([str(root), earlier]) if earlier else str(root)}


def run_example(example: Example, sandbox: Sandbox, timeout: float = 60.0) -> ExampleResult:
    """Run one example as written, saved as a file in an empty directory, in a fresh interpreter
    pointed at ``sandbox``; skip it when :func:`missing_requirement` says why."""
    reason = missing_requirement(example)
    if reason is not None:
        return ExampleResult(example, 0, "", "", skipped=reason)
    env = {**os.environ, **sandbox.environ(), "PYTHONUNBUFFERED": "1", **_this_package_importable()}
    with tempfile.TemporaryDirectory(prefix="sparkfly-example-") as directory:
        script = Path(directory) / "example.py"
        script.write_text(example.code, encoding="utf-8")
        try:
            done = subprocess.run(
                [sys.executable, str(script)],
                cwd=directory,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return ExampleResult(example, -1, "", f"did not finish within {timeout:.0f} s")
    return ExampleResult(example, done.returncode, done.stdout, done.stderr)


def run_examples(
    examples: Sequence[Example], workers: Optional[int] = None, sandbox_settings: Optional[Mapping[str, Any]] = None
) -> List[ExampleResult]:
    """Run each example against its own fresh sandbox (``Sandbox(**sandbox_settings)`` on a free port, with
    :data:`EXAMPLE_MEMBERS` members unless the settings give ``members``), a few at a time; results in the
    given order."""
    settings = {"members": EXAMPLE_MEMBERS, **(sandbox_settings or {})}

    def run_fresh(example: Example) -> ExampleResult:
        with Sandbox(**settings) as sandbox:
            return run_example(example, sandbox)

    with ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(run_fresh, examples))
