"""The sandbox's modules are layered: no module imports one that imports it back, counting every import
(under ``if TYPE_CHECKING:`` and inside functions too), because the layering is what matters, not only what runs."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

import sparkfly_client.sandbox

PACKAGE = "sparkfly_client.sandbox"
FOLDER = Path(sparkfly_client.sandbox.__file__).parent


def imported_modules(source: Path) -> Set[str]:
    """The modules of the sandbox package that ``source`` imports anywhere in it."""
    found: Set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{source.name} uses a relative import")
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found.update(name[len(PACKAGE) + 1 :].split(".")[0] for name in names if name.startswith(PACKAGE + "."))
    return found


def import_graph() -> Dict[str, Set[str]]:
    modules = {path.stem: path for path in FOLDER.glob("*.py")}
    return {name: imported_modules(path) & set(modules) for name, path in modules.items()}


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Every import circle, each as the path that closes it."""
    found: List[List[str]] = []

    def follow(path: List[str]) -> None:
        for following in sorted(graph[path[-1]]):
            if following in path:
                found.append(path[path.index(following) :] + [following])
            else:
                follow(path + [following])

    for start in sorted(graph):
        follow([start])
    return found


def test_no_module_of_the_sandbox_imports_one_that_imports_it_back() -> None:
    graph = import_graph()
    assert {"server", "handler", "routes", "exchange"} <= set(graph)
    assert cycles(graph) == []


def test_the_handler_and_the_routes_see_the_server_only_through_what_they_share() -> None:
    graph = import_graph()
    assert "server" not in graph["handler"] | graph["routes"]
    assert graph["exchange"].isdisjoint({"server", "handler", "routes"})


def test_the_check_finds_a_circle_hidden_under_type_checking(tmp_path: Path) -> None:
    source = tmp_path / "lower.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from sparkfly_client.sandbox.server import Sandbox\n"
        "def later():\n"
        "    import sparkfly_client.sandbox.routes\n"
    )
    assert imported_modules(source) == {"server", "routes"}
    assert cycles({"lower": {"server"}, "server": {"lower"}}) == [
        ["lower", "server", "lower"],
        ["server", "lower", "server"],
    ]
