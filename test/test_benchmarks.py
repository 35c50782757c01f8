"""The benchmark scripts import one another in no circle; the async benchmarks run, and report every client or
layer against the floor of its own turns, or the SDK against the floor with the same guarantees each timed in
processes of its own."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Set

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from common import FLOOR, FLOOR_GUARANTEED, SDK, Timing, floor_pairs, paired_rows  # noqa: E402
from separate import Row, rows, time_rounds  # noqa: E402

QUICK = ["--batches", "5", "--scale", "0.01", "--concurrency", "2"]


def benchmark_imports() -> Dict[str, Set[str]]:
    """The benchmark modules each benchmark module imports, by module name: every import statement counts, at the
    top, inside a function or under ``TYPE_CHECKING``."""
    modules = {path.stem: path for path in BENCHMARKS.glob("*.py")}
    imported: Dict[str, Set[str]] = {}
    for name, path in modules.items():
        names: Set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        imported[name] = names & set(modules)
    return imported


def circles(imports: Dict[str, Set[str]]) -> List[List[str]]:
    """Every module from which an import path leads back to it, with that path."""
    found = []
    for start in sorted(imports):
        paths = [[start]]
        seen: Set[str] = set()
        while paths:
            path = paths.pop()
            for following in sorted(imports[path[-1]]):
                if following == start:
                    found.append([*path, start])
                elif following not in seen:
                    seen.add(following)
                    paths.append([*path, following])
    return found


def test_no_benchmark_module_imports_another_in_a_circle() -> None:
    imports = benchmark_imports()
    assert {"run", "async_bench", "async_layers", "instructions", "cold_start", "common", "separate"} <= set(imports)
    assert "async_bench" in imports["run"] and "async_layers" in imports["instructions"]  # imports in functions count
    assert circles(imports) == []
    assert circles({"low": {"high"}, "high": {"low"}, "other": set()}) == [
        ["high", "low", "high"],
        ["low", "high", "low"],
    ]


def run_output(script: str, *options: str) -> str:
    pytest.importorskip("aiohttp")
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *(options or QUICK)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout


def run(script: str) -> List[List[str]]:
    table_rows = (line for line in run_output(script).splitlines() if line.startswith("| "))
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table_rows]


def test_each_client_is_paired_with_the_floor_and_reported_against_the_floor_of_its_own_pair() -> None:
    names = ["raw", FLOOR, SDK, "other"]
    assert [[first.name, second.name] for first, second in floor_pairs([SimpleNamespace(name=n) for n in names])] == [
        [FLOOR, "raw"],
        [FLOOR, SDK],
        [FLOOR, "other"],
    ]
    # The floor ran at a different speed in each pair: each row must carry its own pair's floor.
    timed = {
        "raw": {FLOOR: Timing(cpu=[1.0]), "raw": Timing(cpu=[0.9])},
        SDK: {FLOOR: Timing(cpu=[2.0]), SDK: Timing(cpu=[2.2])},
        "other": {FLOOR: Timing(cpu=[3.0]), "other": Timing(cpu=[3.3])},
    }
    rows = [(name, timing.cpu[0], floor.cpu[0]) for name, timing, floor in paired_rows(timed)]
    assert rows == [(FLOOR, 2.0, 2.0), ("raw", 0.9, 1.0), (SDK, 2.2, 2.0), ("other", 3.3, 3.0)]


def test_the_layers_benchmark_times_each_layer_against_the_floor_of_its_own_turns() -> None:
    rows = [row for row in run("async_layers.py") if row[0] in ("get_credential", "create_credential")]
    layers = ["floor", "transport alone", "least pipeline", "sparkfly_client"]
    for operation in ("get_credential", "create_credential"):
        for tasks in ("1", "2"):
            case = [row for row in rows if row[:2] == [operation, tasks]]
            assert [row[2] for row in case] == layers
            floor, sdk = case[0], case[-1]
            assert floor[3] == floor[4] == sdk[4] and floor[5] == "1.00"  # the floor's row is its turns with the SDK
            for row in case:
                cpu, floor_cpu, ratio = (float(cell.replace(",", "")) for cell in row[3:6])
                # Each ratio is against the floor of the same turns, up to the rounding of the printed figures.
                assert abs(cpu / floor_cpu - ratio) <= 0.005 + ratio * (0.5 / cpu + 0.5 / floor_cpu) + 1e-6


def test_the_async_benchmark_reports_the_targets_from_the_sdks_turns_with_the_floor() -> None:
    rows = run("async_bench.py")
    sdk = {(row[0], row[1]): row for row in rows if len(row) == 7 and row[2] == "sparkfly_client"}
    assert set(sdk) == {("get_credential", "1"), ("create_credential", "1"), ("get_credential", "2"),
                        ("create_credential", "2"), ("get_credentials", "1")}  # fmt: skip
    targets = {row[0]: row for row in rows if len(row) == 3 and "CPU / floor <=" in row[0]}
    for (operation, tasks), row in sdk.items():
        label = next(text for text in targets if re.match(rf"{operation}, {tasks} tasks?:", text))
        assert targets[label][1] == row[6]  # the target reads the ratio of the SDK's row


def test_in_separate_processes_the_two_clients_take_turns_and_each_figure_is_the_median_over_rounds() -> None:
    # Each child is a process that prints (after a line of its own, as a real child may) as its CPU per call its
    # client's figure plus its place in the order the children started: the figures show which ran when.
    started: List[str] = []

    def child(name: str, tasks: int) -> List[str]:
        started.append(name)
        answer = json.dumps({"get_credential": (1.0 if name == FLOOR_GUARANTEED else 2.0) * tasks + len(started) / 100})
        return [sys.executable, "-c", f"print('warming up'); print({answer!r})"]

    figures = time_rounds(child, (FLOOR_GUARANTEED, SDK), 1, 3)
    assert started == [FLOOR_GUARANTEED, SDK, SDK, FLOOR_GUARANTEED, FLOOR_GUARANTEED, SDK]  # the first alternates
    assert figures == {
        FLOOR_GUARANTEED: {"get_credential": [1.01, 1.04, 1.05]},
        SDK: {"get_credential": [2.02, 2.03, 2.06]},
    }
    # Medians over rounds; the ratio of the medians; the range of the rounds' own ratios (an even count too).
    [row] = rows(figures, (FLOOR_GUARANTEED, SDK))
    assert row == Row("get_credential", 1.04, 2.03, 2.03 / 1.04, 2.03 / 1.04, 2.02 / 1.01)
    two = {FLOOR_GUARANTEED: {"create_credential": [1.0, 3.0]}, SDK: {"create_credential": [4.0, 2.0]}}
    assert rows(two, (FLOOR_GUARANTEED, SDK)) == [Row("create_credential", 2.0, 3.0, 1.5, 2.0 / 3.0, 4.0)]


def test_the_separate_mode_gives_a_table_per_concurrency_against_the_floor_with_the_same_guarantees() -> None:
    # Two rounds at 1 and 2 tasks: 8 processes of a second or less each.
    output = run_output("async_bench.py", "--separate", "--rounds", "2", "--concurrency", "2", "--scale", "0.01")
    assert f"against `{FLOOR_GUARANTEED}`" in output
    tables = {}
    for section in output.split("\n### ")[1:]:
        heading, _, body = section.partition("\n")
        tables[heading] = [
            [cell.strip() for cell in line.strip("|").split("|")] for line in body.splitlines() if line.startswith("| ")
        ]
    assert list(tables) == ["1 task at once", "2 tasks at once"]
    for table in tables.values():
        assert table[0] == [
            "call",
            f"{FLOOR_GUARANTEED}: CPU µs/call",
            f"{SDK}: CPU µs/call",
            "CPU / floor",
            "range over rounds",
        ]
        assert [row[0] for row in table[1:]] == ["get_credential", "create_credential", "get_credentials"]
        for _, floor_cell, sdk_cell, ratio_cell, range_cell in table[1:]:
            floor, sdk, ratio = (float(cell.replace(",", "")) for cell in (floor_cell, sdk_cell, ratio_cell))
            # The SDK's median over the floor's, up to the rounding of the printed figures.
            assert abs(sdk / floor - ratio) <= 0.005 + ratio * (0.5 / sdk + 0.5 / floor) + 1e-6
            lowest, highest = (float(bound) for bound in range_cell.split(" to "))
            assert lowest - 0.005 <= ratio <= highest + 0.005  # medians' ratio lies within the rounds' ratios
    assert re.search(r"Run time: \d+ s \(8 processes\)", output)
