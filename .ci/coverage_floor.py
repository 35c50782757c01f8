"""Fail unless the share of lines covered (``coverage json`` totals) reaches the floor given, in percent."""

import json
import sys
from pathlib import Path

totals = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))["totals"]
floor = float(sys.argv[2])
lines = 100.0 * totals["covered_lines"] / totals["num_statements"]
branches = 100.0 * totals["covered_branches"] / max(totals["num_branches"], 1)
print(f"coverage: {lines:.2f} % of lines (floor {floor:g} %), {branches:.2f} % of branches")
sys.exit(0 if lines >= floor else 1)
