"""The async benchmarks run, and report every client or layer against the floor of its own turns."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import List

import pytest

pytest.importorskip("aiohttp")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import FLOOR, SDK, Timing, floor_pairs, paired_rows  # noqa: E402

QUICK = ["--batches", "5", "--scale", "0.01", "--concurrency", "2"]


def run(script: str) -> List[List[str]]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *QUICK],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    table_rows = (line for line in done.stdout.splitlines() if line.startswith("| "))
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
