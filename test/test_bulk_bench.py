"""benchmarks/bulk_bench.py runs, and its targets read the figures of its own tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("aiohttp")

ROOT = Path(__file__).resolve().parent.parent


def test_the_bulk_benchmark_reports_both_sides_and_its_targets_from_them() -> None:
    quick = ["--rows", "150", "--runs", "1", "--export-small", "30", "--export-large", "120"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bulk_bench.py"), *quick],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")] for line in done.stdout.splitlines() if line[:2] == "| "
    ]
    sides = {
        row[0]: row for row in rows if row[0] in ("asyncio.gather + semaphore over AsyncCredentialsApi", "bulk issue")
    }
    floor, bulk = (float(sides[name][1].replace(",", "")) for name in sides)
    assert all(float(row[3].replace(",", "")) > 0 for row in sides.values())  # CPU µs per row
    exports = {row[0]: float(row[3]) for row in rows if len(row) == 4 and row[0][:1].isdigit()}
    assert set(exports) == {"30", "120"}
    targets = {row[0]: row[1] for row in rows if len(row) == 3 and (">=" in row[0] or "within" in row[0])}
    assert float(targets["bulk issue rows/s / floor >= 0.85"]) == pytest.approx(bulk / floor, abs=0.01)
    growth = float(targets["export peak, 120 - 30 credentials, within 10 MB"].split()[0])
    assert growth == pytest.approx(exports["120"] - exports["30"], abs=0.02)
