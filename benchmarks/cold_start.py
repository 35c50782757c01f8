"""Cold start: what a fresh interpreter pays to import, configure and make its first call.

    python benchmarks/cold_start.py [--runs 31] [--repeats 1]

A serverless worker pays this on every cold start. Both sides start in a fresh interpreter, import
what they need, make one real ``GET /v1.0/credentials/56`` to the canned server (benchmarks/server.py,
in a child process on loopback) and decode the answer into models:

- ``sparkfly_client``: ``Configuration`` -> ``ApiClient`` -> ``CredentialsApi.get_credential``;
- ``floor``: the least code a user would write for the same call with the same guarantees: urllib3 and
  pydantic, the two models the answer decodes into (benchmarks/floor_credential.py, nothing more), a
  ``PoolManager`` with time limits (5 s to connect, 30 s to read, the SDK's defaults) and no retries
  (so nothing unsafe is ever resent), the status checked, the body validated into the model.

Each figure is the median over ``--runs`` fresh interpreters per side (the sides take turns; one
extra first round only writes bytecode caches), timed inside the interpreter from the first import
to the decoded answer: wall (``time.perf_counter``) and CPU (``time.process_time``). Interpreter
start-up itself is the same for both and left out. The spread is the interquartile range of the runs; "same
round" is the median over the rounds of the SDK's wall over the floor's in that round (the two ran back to back).
``--repeats N`` measures N such sets one after the other and reports the median of their medians, with
the range of the sets' figures: on a shared machine the load moves between sets.

``--instructions`` counts instead the machine instructions of each side's cold start (valgrind's cachegrind,
one run each, less those of an interpreter that only starts its clock): a figure that does not move with the
machine's load, for telling a change of a few tenths of a millisecond from noise. Instructions are not time
(a cold start also waits on memory), but the two ratios have agreed to within a hundredth.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import ANSWERED_ID, CREDENTIAL_ID, FLOOR, SDK, TOKEN  # noqa: E402
from server import canned_server  # noqa: E402

TARGET = 1.05

# Each snippet reads the server's URL from argv[1] and prints "<wall seconds> <cpu seconds>".
_CLOCK_START = "import sys, time\nwall, cpu = time.perf_counter(), time.process_time()\n"
_CLOCK_STOP = "print(time.perf_counter() - wall, time.process_time() - cpu)\n"
SNIPPETS = {
    SDK: _CLOCK_START
    + f"""import sparkfly_client
configuration = sparkfly_client.Configuration(host=sys.argv[1])
configuration.api_key["X-Auth-Token"] = "{TOKEN}"
with sparkfly_client.ApiClient(configuration) as api_client:
    answer = sparkfly_client.CredentialsApi(api_client).get_credential({CREDENTIAL_ID})
assert answer.credential.id == {ANSWERED_ID}, answer
"""
    + _CLOCK_STOP,
    FLOOR: _CLOCK_START
    + f"""import urllib3
from floor_credential import FloorCredentialResponse
with urllib3.PoolManager(timeout=urllib3.Timeout(connect=5.0, read=30.0), retries=False) as pool:
    headers = {{"Accept": "application/json", "X-Auth-Token": "{TOKEN}"}}
    response = pool.request("GET", sys.argv[1] + "/v1.0/credentials/{CREDENTIAL_ID}", headers=headers)
if response.status != 200:
    raise SystemExit(f"GET /v1.0/credentials/{CREDENTIAL_ID} answered {{response.status}}")
answer = FloorCredentialResponse.model_validate_json(response.data)
assert answer.credential.id == {ANSWERED_ID}, answer
"""
    + _CLOCK_STOP,
}


#: the clocks alone: what both sides pay besides their work, taken off their instruction counts
NOTHING = _CLOCK_START + _CLOCK_STOP


@dataclass
class Side:
    """One side's figures over one set of runs, in seconds."""

    wall: float  # median
    cpu: float  # median
    wall_quartiles: Tuple[float, float]  # the spread: first and third quartile of the runs' wall
    #: the median over the rounds of this side's wall over the floor's in the same round (the two ran back to
    #: back, so a burst of load from other processes mostly falls on both)
    paired: float


def child_environment() -> Dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode cached
    return env


def samples(url: str, runs: int) -> Dict[str, List[Tuple[float, float]]]:
    """(wall, cpu) seconds of each side in each of ``runs`` fresh interpreters."""
    env = child_environment()
    measured: Dict[str, List[Tuple[float, float]]] = {side: [] for side in SNIPPETS}
    for round_number in range(runs + 1):
        order = list(SNIPPETS) if round_number % 2 else list(reversed(SNIPPETS))
        for side in order:
            done = subprocess.run(
                [sys.executable, "-c", SNIPPETS[side], url], env=env, capture_output=True, text=True, check=True
            )
            wall, cpu = map(float, done.stdout.split())
            if round_number:  # round 0 writes the bytecode caches
                measured[side].append((wall, cpu))
    return measured


def summarise(measured: Dict[str, List[Tuple[float, float]]]) -> Dict[str, Side]:
    sides = {}
    floor_walls = [wall for wall, _ in measured[FLOOR]]
    for side, runs in measured.items():
        walls = [wall for wall, _ in runs]
        quartiles = statistics.quantiles(walls, n=4) if len(walls) > 1 else [walls[0]] * 3
        paired = statistics.median(wall / floor for wall, floor in zip(walls, floor_walls))
        sides[side] = Side(
            statistics.median(walls), statistics.median(c for _, c in runs), (quartiles[0], quartiles[2]), paired
        )
    return sides


def cold_starts(url: str, runs: int, repeats: int = 1) -> List[Dict[str, Side]]:
    """Each side's figures in each of ``repeats`` sets of ``runs`` fresh interpreters per side."""
    return [summarise(samples(url, runs)) for _ in range(repeats)]


def wall_ratio(sets: List[Dict[str, Side]]) -> float:
    """The SDK's median wall over the floor's: of one set, or the median of the sets' ratios."""
    return statistics.median(one[SDK].wall / one[FLOOR].wall for one in sets)


def instructions(url: str, snippet: str) -> int:
    """Machine instructions of one fresh interpreter running ``snippet`` (after a run that writes the bytecode
    caches), counted by cachegrind with one hash seed: a count repeats to within about 0.02 %."""
    env = {**child_environment(), "PYTHONHASHSEED": "0"}
    subprocess.run([sys.executable, "-c", snippet, url], env=env, capture_output=True, check=True)
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    done = subprocess.run([*command, sys.executable, "-c", snippet, url], env=env, capture_output=True, text=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"cachegrind failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def instruction_report(url: str) -> str:
    """Each side's cold-start instructions (less those of the clocks alone) and the SDK's over the floor's."""
    snippets = [NOTHING, SNIPPETS[FLOOR], SNIPPETS[SDK]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        nothing, floor, sdk = pool.map(lambda snippet: instructions(url, snippet), snippets)
    floor, sdk = floor - nothing, sdk - nothing
    return "\n".join(
        [
            "Instructions from the first import to the decoded answer (cachegrind, start-up left out):",
            "",
            "| side | million instructions | / floor |",
            "|---|---:|---:|",
            f"| {SDK} | {sdk / 1e6:.2f} | {sdk / floor:.3f} |",
            f"| {FLOOR} | {floor / 1e6:.2f} | 1.000 |",
            "",
            f"The SDK's extra: {(sdk - floor) / 1e6:.2f} million instructions.",
        ]
    )


def report(sets: List[Dict[str, Side]], runs: int) -> str:
    lines = [
        f"Median of {runs} fresh interpreters per side, from the first import to the decoded answer; spread: the "
        "runs' interquartile range of wall:",
        "",
        "| set | side | wall ms | spread ms | CPU ms | wall / floor | CPU / floor | wall / floor, same round |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for number, one in enumerate(sets, 1):
        floor = one[FLOOR]
        for name, side in one.items():
            low, high = side.wall_quartiles
            lines.append(
                f"| {number} | {name} | {side.wall * 1e3:.1f} | {low * 1e3:.1f} to {high * 1e3:.1f} | "
                f"{side.cpu * 1e3:.1f} | {side.wall / floor.wall:.3f} | {side.cpu / floor.cpu:.3f} | "
                f"{side.paired:.3f} |"
            )
    if len(sets) > 1:
        ratios = [one[SDK].wall / one[FLOOR].wall for one in sets]
        lines += ["", f"Over {len(sets)} sets (median of the sets' medians, and their range):", ""]
        lines += ["| side | wall ms | range ms | CPU ms |", "|---|---:|---:|---:|"]
        for name in sets[0]:
            walls, cpus = [one[name].wall for one in sets], [one[name].cpu for one in sets]
            lines.append(
                f"| {name} | {statistics.median(walls) * 1e3:.1f} | {min(walls) * 1e3:.1f} to "
                f"{max(walls) * 1e3:.1f} | {statistics.median(cpus) * 1e3:.1f} |"
            )
        paired = [one[SDK].paired for one in sets]
        lines += [
            "",
            f"wall / floor, each set's: {', '.join(f'{r:.3f}' for r in ratios)}; in the same round, each set's "
            f"median: {', '.join(f'{r:.3f}' for r in paired)} (median {statistics.median(paired):.3f}).",
        ]
    ratio = wall_ratio(sets)
    lines += [
        "",
        f"Target: cold start wall / floor <= {TARGET:.2f}: {ratio:.3f} ({'met' if ratio <= TARGET else 'NOT met'})",
    ]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=31, help="fresh interpreters per side and set (default 31)")
    parser.add_argument("--repeats", type=int, default=1, help="sets of runs, one after the other (default 1)")
    parser.add_argument("--instructions", action="store_true", help="count instructions (needs valgrind)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.repeats < 1:
        parser.error("--runs and --repeats must be at least 1")
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (cachegrind)")
    with canned_server() as server:
        if args.instructions:
            print(instruction_report(server.url))
        else:
            print(report(cold_starts(server.url, args.runs, args.repeats), args.runs))


if __name__ == "__main__":
    main()
