"""Cold start: what a fresh interpreter pays to import, configure and make its first call.

    python benchmarks/cold_start.py [--runs 31]

A serverless worker pays this on every cold start. Both sides start in a fresh interpreter, import
what they need, make one real ``GET /v1.0/credentials/56`` to the canned server (benchmarks/server.py,
in a child process on loopback) and decode the answer into models:

- ``sparkfly_client``: ``Configuration`` -> ``ApiClient`` -> ``CredentialsApi.get_credential``;
- ``floor``: ``urllib3.PoolManager().request`` and ``model_validate_json`` into the plain pydantic
  models of benchmarks/floor_models.py.

Each figure is the median over ``--runs`` fresh interpreters per side (the sides take turns; one
extra first round only writes bytecode caches), timed inside the interpreter from the first import
to the decoded answer: wall (``time.perf_counter``) and CPU (``time.process_time``). Interpreter
start-up itself is the same for both and left out.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from server import canned_server  # noqa: E402

SDK = "sparkfly_client"
FLOOR = "floor"
TARGET = 1.05

# Each snippet reads the server's URL from argv[1] and prints "<wall seconds> <cpu seconds>".
_CLOCK_START = "import sys, time\nwall, cpu = time.perf_counter(), time.process_time()\n"
_CLOCK_STOP = "print(time.perf_counter() - wall, time.process_time() - cpu)\n"
SNIPPETS = {
    SDK: _CLOCK_START
    + """import sparkfly_client
configuration = sparkfly_client.Configuration(host=sys.argv[1])
configuration.api_key["X-Auth-Token"] = "bench-token"
with sparkfly_client.ApiClient(configuration) as api_client:
    answer = sparkfly_client.CredentialsApi(api_client).get_credential(56)
assert answer.credential.id == 1056, answer
"""
    + _CLOCK_STOP,
    FLOOR: _CLOCK_START
    + """import urllib3
from floor_models import FloorCredentialResponse
with urllib3.PoolManager() as pool:
    response = pool.request("GET", sys.argv[1] + "/v1.0/credentials/56", headers={"X-Auth-Token": "bench-token"})
    answer = FloorCredentialResponse.model_validate_json(response.data)
assert answer.credential.id == 1056, answer
"""
    + _CLOCK_STOP,
}


def cold_starts(url: str, runs: int) -> Dict[str, Tuple[float, float]]:
    """Median (wall, cpu) seconds of each side over ``runs`` fresh interpreters."""
    return {
        side: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
        for side, v in samples(url, runs).items()
    }


def samples(url: str, runs: int) -> Dict[str, List[Tuple[float, float]]]:
    """(wall, cpu) seconds of each side in each of ``runs`` fresh interpreters."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode cached
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


def report(results: Dict[str, Tuple[float, float]], runs: int) -> str:
    floor_wall, floor_cpu = results[FLOOR]
    lines = [
        f"Median of {runs} fresh interpreters per side, from the first import to the decoded answer:",
        "",
        "| side | wall ms | CPU ms | wall / floor | CPU / floor |",
        "|---|---:|---:|---:|---:|",
    ]
    for side, (wall, cpu) in results.items():
        lines.append(
            f"| {side} | {wall * 1e3:.1f} | {cpu * 1e3:.1f} | {wall / floor_wall:.3f} | {cpu / floor_cpu:.3f} |"
        )
    ratio = results[SDK][0] / floor_wall
    lines += [
        "",
        f"Target: cold start wall / floor <= {TARGET:.2f}: {ratio:.3f} ({'met' if ratio <= TARGET else 'NOT met'})",
    ]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=31, help="fresh interpreters per side (default 31)")
    args = parser.parse_args(argv)
    with canned_server() as server:
        print(report(cold_starts(server.url, args.runs), args.runs))


if __name__ == "__main__":
    main()
