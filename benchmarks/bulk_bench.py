"""Measure what the bulk tool's journal and progress cost, and that an export's memory does not grow with its size.

    python -m pip install -e ".[cli]" && python benchmarks/bulk_bench.py

Against the sandbox in a child process (its rate limit off, a numbered member for each row):

- Issue: ``bulk issue``'s engine (``issue_credentials`` on an ``AsyncApiClient``, with its SQLite journal, each
  row's ``sending`` state committed before its request, and its progress on stderr: a bar on a terminal, else
  lines) issuing 5,000 rows (one member each) at concurrency 16, against the floor: a bare ``asyncio.gather``
  over the same ``AsyncCredentialsApi`` with a semaphore of 16, no journal. The two take turns, the sandbox
  reset before each run; each figure is the median. The client's CPU time per row is shown too: it is what the
  journal adds, where the rate also moves with the load of the machine.
- Export: the peak traced memory (``tracemalloc``) of ``export_credentials`` writing 2,000 and then 20,000
  credentials to a CSV file, page by page.

The output is a markdown report.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import urllib3  # noqa: E402
from run import load_average, machine_line  # noqa: E402
from server import ServerProcess  # noqa: E402

import sparkfly_client  # noqa: E402
from sparkfly_client.bulk import export_credentials, issue_credentials  # noqa: E402

TOKEN = "sandbox-token"
SANDBOX_SCRIPT = (
    "from sparkfly_client.sandbox import Sandbox; sandbox = Sandbox(rate_limit=10**9, members={members}); "
    "print('URL', sandbox.url, flush=True); sandbox.serve_forever()"
)


def configuration(url: str, connections: int) -> sparkfly_client.Configuration:
    config = sparkfly_client.Configuration(host=url, connection_pool_maxsize=connections)
    config.api_key["X-Auth-Token"] = TOKEN
    return config


def rows(count: int) -> List[Dict[str, Any]]:
    return [{"member_id": 1000 + n, "channel_id": 56 + n % 2, "offer_id": 56} for n in range(count)]


def reset(url: str) -> None:
    assert urllib3.request("POST", url + "/__sandbox/reset").status == 204


class Run:
    """Rows per second (wall time) and this process's CPU time per row of one run."""

    def __init__(self, count: int, wall: float, cpu: float) -> None:
        self.rate = count / wall
        self.cpu_per_row = cpu / count


async def floor(url: str, count: int, concurrency: int) -> Run:
    """A bare gather over the SDK's async client, a semaphore of ``concurrency``."""
    async with sparkfly_client.AsyncApiClient(configuration(url, concurrency)) as client:
        api = sparkfly_client.AsyncCredentialsApi(client)
        limit = asyncio.Semaphore(concurrency)

        async def one(row: Dict[str, Any]) -> None:
            async with limit:
                request = sparkfly_client.CredentialInputRequest(credential=sparkfly_client.CredentialInput(**row))
                await api.create_credential(request)

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(row) for row in rows(count)))
        return Run(count, time.perf_counter() - started, time.process_time() - cpu)


async def bulk(url: str, count: int, concurrency: int, workdir: Path) -> Run:
    """The bulk engine, its journal and its progress on stderr included."""
    journal = workdir / f"run-{time.monotonic_ns()}.db"
    async with sparkfly_client.AsyncApiClient(configuration(url, concurrency)) as client:
        started, cpu = time.perf_counter(), time.process_time()
        report = await issue_credentials(client, rows(count), journal=journal, concurrency=concurrency, progress=True)
        run = Run(count, time.perf_counter() - started, time.process_time() - cpu)
    if report.issued != count or not report.complete:
        raise SystemExit(f"the bulk run did not issue every row: {report.summary()}")
    return run


async def create_many(url: str, count: int, concurrency: int = 16) -> None:
    """``count`` credentials without an offer (the sandbox makes those fastest), on channel 57."""
    async with sparkfly_client.AsyncApiClient(configuration(url, concurrency)) as client:
        api = sparkfly_client.AsyncCredentialsApi(client)
        limit = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with limit:
                await api.create_credential({"credential": {"member_id": 1000 + n % 5000, "channel_id": 57}})

        await asyncio.gather(*(one(n) for n in range(count)))


def export_peak(url: str, out: Path) -> Dict[str, float]:
    """Peak traced memory of one export of every credential on channel 57, and what it wrote."""
    with sparkfly_client.ApiClient(configuration(url, 1)) as api_client:
        export_credentials(api_client, out, channel_id=57, per_page=10)  # warm-up: models and code loaded
        tracemalloc.start()
        try:
            started = time.perf_counter()
            report = export_credentials(api_client, out, channel_id=57)
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return {"exported": report.exported, "peak": peak, "seconds": elapsed, "bytes": out.stat().st_size}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000, help="rows per issue run")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--runs", type=int, default=5, help="runs of each side, taking turns")
    parser.add_argument("--export-small", type=int, default=2000, help="credentials of the small export")
    parser.add_argument("--export-large", type=int, default=20000, help="credentials of the large export")
    args = parser.parse_args(argv)

    print("# sparkfly_client bulk benchmark\n")
    print(f"Machine: {machine_line()}.\n")
    script = SANDBOX_SCRIPT.format(members=max(args.rows, 5000))
    with (
        tempfile.TemporaryDirectory(prefix="sparkfly-bulk-") as workdir,
        ServerProcess([sys.executable, "-c", script]) as server,
    ):
        runs: Dict[str, List[Run]] = {"floor": [], "bulk": []}
        for run in range(args.runs):
            for side in ("floor", "bulk") if run % 2 == 0 else ("bulk", "floor"):
                reset(server.url)
                if side == "floor":
                    runs[side].append(asyncio.run(floor(server.url, args.rows, args.concurrency)))
                else:
                    runs[side].append(asyncio.run(bulk(server.url, args.rows, args.concurrency, Path(workdir))))
        print(f"## Issue: {args.rows:,} rows at concurrency {args.concurrency} ({args.runs} runs each, taking turns)\n")
        print("| client | rows/s (median) | runs | CPU µs/row (median, this process) |")
        print("|---|---:|---|---:|")
        for side, label in (("floor", "asyncio.gather + semaphore over AsyncCredentialsApi"), ("bulk", "bulk issue")):
            shown = ", ".join(f"{run.rate:,.0f}" for run in runs[side])
            rate, cpu = (
                statistics.median(getattr(run, name) for run in runs[side]) for name in ("rate", "cpu_per_row")
            )
            print(f"| {label} | {rate:,.0f} | {shown} | {cpu * 1e6:,.0f} |")
        ratio = statistics.median(r.rate for r in runs["bulk"]) / statistics.median(r.rate for r in runs["floor"])

        reset(server.url)
        out = Path(workdir) / "export.csv"
        asyncio.run(create_many(server.url, args.export_small))
        small = export_peak(server.url, out)
        asyncio.run(create_many(server.url, args.export_large - args.export_small))
        large = export_peak(server.url, out)
        print("\n## Export: peak traced memory (tracemalloc), 200 credentials a page\n")
        print("| credentials | file MB | seconds | peak MB |")
        print("|---:|---:|---:|---:|")
        for figures in (small, large):
            print(
                f"| {figures['exported']:,.0f} | {figures['bytes'] / 1e6:.1f} | {figures['seconds']:.1f} "
                f"| {figures['peak'] / 1e6:.2f} |"
            )
        growth = (large["peak"] - small["peak"]) / 1e6

    print("\n## Targets\n")
    print("| target | measured | met |")
    print("|---|---:|---|")
    print(f"| bulk issue rows/s / floor >= 0.85 | {ratio:.2f} | {'yes' if ratio >= 0.85 else 'no'} |")
    print(
        f"| export peak, {args.export_large:,} - {args.export_small:,} credentials, within 10 MB | "
        f"{growth:+.2f} MB | {'yes' if abs(growth) <= 10 else 'no'} |"
    )
    print(f"\nLoad average at end: {load_average():.2f}.")


if __name__ == "__main__":
    main()
