"""The package is layered: no module imports one that imports it back, counting every import (under
``if TYPE_CHECKING:`` and inside functions too), because the layering is what matters, not only what runs.
What several modules share lives below them."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

import sparkfly_client

ROOT = Path(sparkfly_client.__file__).parent.parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> Dict[str, Path]:
    return {module_name(path): path for path in (ROOT / "sparkfly_client").rglob("*.py")}


def imported(source: Path, known: Set[str]) -> Set[str]:
    """The package's modules that ``source`` imports anywhere in it (``from a import b``: ``a.b`` when that is a
    module, else ``a``)."""
    found: Set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert not node.level, f"{source} uses a relative import"
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return found & known


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Every import circle, each as the path that closes it."""
    found: List[List[str]] = []
    done: Set[str] = set()

    def follow(path: List[str]) -> None:
        for following in sorted(graph[path[-1]]):
            if following in path:
                found.append(path[path.index(following) :] + [following])
            elif following not in done:
                follow(path + [following])

    for start in sorted(graph):
        follow([start])
        done.add(start)
    return found


def test_no_module_of_the_package_imports_one_that_imports_it_back() -> None:
    modules = package_modules()
    known = set(modules)
    graph = {name: imported(path, known) - {name} for name, path in modules.items()}
    assert {"sparkfly_client._plan", "sparkfly_client._steps", "sparkfly_client.bulk.jobs"} <= known
    assert cycles(graph) == []


def test_the_core_never_imports_the_bulk_tool_the_sandbox_or_tracing_s_library() -> None:
    modules = package_modules()
    known = set(modules)
    for name, path in modules.items():
        if name.startswith(("sparkfly_client.bulk", "sparkfly_client.sandbox")) or name == "sparkfly_client.__main__":
            continue
        reached = imported(path, known)
        assert not any(m.startswith(("sparkfly_client.bulk", "sparkfly_client.sandbox")) for m in reached), name


def test_the_bulk_tool_uses_the_public_api_only() -> None:
    modules = package_modules()
    known = set(modules)
    for name, path in modules.items():
        if name.startswith("sparkfly_client.bulk"):
            private = [m for m in imported(path, known) if m.count(".") and m.split(".")[1].startswith("_")]
            assert private == [], name
