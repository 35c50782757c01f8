"""Measure what a sparkfly_client call costs against the floor: urllib3 plus pydantic doing the same work.

    python -m pip install -e ".[bench]" && python benchmarks/run.py

Against a canned-response server in a child process (benchmarks/server.py), each client makes
the same three calls: ``get_credential`` (small body), ``create_credential`` (a body to encode)
and ``get_credentials`` answering 1,000 credentials with every published field (about 750 KB). Clients:

- ``sparkfly_client``: this SDK, default settings.
- ``urllib3+json``: ``PoolManager.request`` and ``json.loads`` (no models; below the floor).
- ``floor``: ``PoolManager.request`` and ``model_validate_json`` into plain pydantic models of the
  same shape (benchmarks/floor_models.py).
- ``openapi-generator``: the client openapi-generator-cli generates for the same spec, into a
  temporary folder, when the tool and Java are installed (else the column is skipped, with a note).

CPU is this process's CPU time (``time.process_time``), wall is ``time.perf_counter``; each figure
is the median over batches run after a warm-up. Each client takes turns with the floor alone, call by
call, so that load from other processes falls on both alike and neither keeps its code in the CPU's caches
by sharing it with the other clients. Also measured: ``import`` time in fresh
interpreters, peak traced memory of one list call, and calls per second of 8 threads sharing one
ApiClient. The output is a markdown report, ready for docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import urllib3  # noqa: E402
from cold_start import cold_starts, wall_ratio  # noqa: E402
from cold_start import report as cold_start_report  # noqa: E402
from common import (  # noqa: E402
    CREDENTIAL_ID,
    FLOOR,
    FLOOR_KEEPING,
    SDK,
    TOKEN,
    Timing,
    check_answers,
    floor_pairs,
    floor_request_body,
    load_average,
    paired_rows,
    rotated,
    sdk_calls,
    us,
)
from floor_models import (  # noqa: E402
    FloorCredentialList,
    FloorCredentialResponse,
    KeepingCredentialList,
    KeepingCredentialResponse,
)
from server import ServerProcess, canned_server  # noqa: E402

import sparkfly_client  # noqa: E402

OPERATIONS = ("get_credential", "create_credential", "get_credentials")
GENERATED = "openapi-generator"
GENERATED_PACKAGE = "sparkfly_generated"


@dataclass
class Client:
    """One way of making the three calls; each callable makes one complete call and returns its result."""

    name: str
    calls: Dict[str, Callable[[], Any]]
    close: Callable[[], None] = lambda: None


# --- the clients ------------------------------------------------------------------------------


def sdk_client(url: str) -> Client:
    configuration = sparkfly_client.Configuration(host=url)
    configuration.api_key["X-Auth-Token"] = TOKEN
    api_client = sparkfly_client.ApiClient(configuration)
    return Client(SDK, sdk_calls(sparkfly_client.CredentialsApi(api_client)), api_client.close)


def _urllib3_calls(
    url: str, decode_one: Callable[[bytes], Any], decode_list: Callable[[bytes], Any], encode_input: Callable[[], bytes]
) -> Tuple[Dict[str, Callable[[], Any]], urllib3.PoolManager]:
    pool = urllib3.PoolManager()
    headers = {"Accept": "application/json", "User-Agent": "bench", "X-Auth-Token": TOKEN}
    post_headers = {**headers, "Content-Type": "application/json"}
    one_url = f"{url}/v1.0/credentials/{CREDENTIAL_ID}"
    list_url = f"{url}/v1.0/credentials?member_id=56"
    create_url = f"{url}/v1.0/credentials"
    return {
        "get_credential": lambda: decode_one(pool.request("GET", one_url, headers=headers).data),
        "create_credential": lambda: decode_one(
            pool.request("POST", create_url, body=encode_input(), headers=post_headers).data
        ),
        "get_credentials": lambda: decode_list(pool.request("GET", list_url, headers=headers).data),
    }, pool


def json_client(url: str) -> Client:
    def encode() -> bytes:
        return json.dumps({"credential": {"member_id": 56, "offer_id": 56, "channel_id": 56}}).encode()

    calls, pool = _urllib3_calls(url, json.loads, json.loads, encode)
    return Client("urllib3+json", calls, pool.clear)


def floor_client(url: str, keep_unknown_fields: bool = False) -> Client:
    """The floor; with ``keep_unknown_fields`` its response models keep unknown fields, as the SDK's do."""
    one, many = (
        (KeepingCredentialResponse, KeepingCredentialList)
        if keep_unknown_fields
        else (FloorCredentialResponse, FloorCredentialList)
    )
    calls, pool = _urllib3_calls(url, one.model_validate_json, many.model_validate_json, floor_request_body)
    return Client(FLOOR_KEEPING if keep_unknown_fields else FLOOR, calls, pool.clear)


def default_spec() -> Path:
    """The project's OpenAPI document, or the benchmark's own three-operation subset where the checkout has none."""
    spec = ROOT / "openapi" / "sparkfly-credentials.yaml"
    return spec if spec.exists() else HERE / "credentials-spec.yaml"


def generate_client(workdir: Path, spec: Path) -> Tuple[Optional[Path], str]:
    """Generate openapi-generator's Python client into ``workdir``; ``(None, why)`` when it cannot."""
    if shutil.which("java") is None:
        return None, "skipped: Java is not installed"
    tool = shutil.which("openapi-generator-cli") or str(Path(sys.executable).with_name("openapi-generator-cli"))
    if not Path(tool).exists():
        return None, 'skipped: openapi-generator-cli is not installed (pip install -e ".[bench]")'
    command = [
        tool,
        "generate",
        "-g",
        "python",
        "-i",
        str(spec),
        "-o",
        str(workdir),
        "--package-name",
        GENERATED_PACKAGE,
        "--global-property",
        "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false",
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return None, "skipped: generation failed: " + (done.stderr or done.stdout).strip()[-300:]
    version = subprocess.run([tool, "version"], capture_output=True, text=True).stdout.strip()
    shown = spec.relative_to(ROOT) if spec.is_relative_to(ROOT) else spec
    return workdir, f"openapi-generator {version}, python generator, spec {shown}"


def generated_client(url: str, package_dir: Path) -> Client:
    sys.path.insert(0, str(package_dir))
    gen = importlib.import_module(GENERATED_PACKAGE)
    configuration = gen.Configuration(host=url)
    configuration.api_key["X-Auth-Token"] = TOKEN
    api_client = gen.ApiClient(configuration)
    api_class = next(
        getattr(gen, name)
        for name in dir(gen)
        if name.endswith("Api") and hasattr(getattr(gen, name), "get_credential")
    )
    api = api_class(api_client)

    def create() -> Any:
        request = gen.CredentialInputRequest(credential=gen.CredentialInput(member_id=56, offer_id=56, channel_id=56))
        return api.create_credential(credential_input_request=request)

    def close() -> None:
        api_client.rest_client.pool_manager.clear()

    return Client(
        GENERATED,
        {
            "get_credential": lambda: api.get_credential(CREDENTIAL_ID),
            "create_credential": create,
            "get_credentials": lambda: api.get_credentials(member_id=56),
        },
        close,
    )


# --- measurements -----------------------------------------------------------------------------


def check_results(clients: List[Client]) -> None:
    """Every client must decode the same answers, or the comparison is meaningless."""
    for client in clients:
        calls = client.calls
        check_answers(client.name, calls["get_credential"](), calls["get_credentials"](), calls["create_credential"]())


def time_calls(clients: List[Client], operation: str, warmup: int, per_batch: int, batches: int) -> Dict[str, Timing]:
    """Per-call CPU and wall time of each client, one figure per batch.

    Within a batch the clients given (a pair: the floor and one other) take turns call by call, so a burst of
    load from other processes falls on both alike; the order of the turn rotates from batch to batch.
    """
    timings = {client.name: Timing() for client in clients}
    for client in clients:
        call = client.calls[operation]
        for _ in range(warmup):
            call()
    cpu_clock, wall_clock = time.process_time, time.perf_counter
    for batch in range(batches):
        turn = [(client.name, client.calls[operation]) for client in rotated(clients, batch)]
        cpu = dict.fromkeys(timings, 0.0)
        wall = dict.fromkeys(timings, 0.0)
        gc.collect()
        for _ in range(per_batch):
            for name, call in turn:
                cpu0, wall0 = cpu_clock(), wall_clock()
                call()
                cpu1, wall1 = cpu_clock(), wall_clock()
                cpu[name] += cpu1 - cpu0
                wall[name] += wall1 - wall0
        for name, timing in timings.items():
            timing.cpu.append(cpu[name] / per_batch)
            timing.wall.append(wall[name] / per_batch)
    return timings


def peak_memory(client: Client) -> int:
    """Peak bytes traced while one list call runs (its answer included), after a warm-up call."""
    call = client.calls["get_credentials"]
    call()
    gc.collect()
    tracemalloc.start()
    try:
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


BASE_IMPORT = "import urllib3, pydantic"
SDK_IMPORT = "import urllib3, pydantic, sparkfly_client"
SDK_READY = "sparkfly_client ready to call"
FLOOR_READY = "floor ready to call"
IMPORT_SNIPPETS = {
    BASE_IMPORT: "import urllib3, pydantic",
    "import sparkfly_client": "import sparkfly_client",
    SDK_IMPORT: "import urllib3, pydantic, sparkfly_client",
    # What the first call needs loaded: the floor must build its models too.
    SDK_READY: "import sparkfly_client as s; s.Configuration; s.ApiClient; s.CredentialsApi; s.CredentialInputRequest",
    FLOOR_READY: "import urllib3, floor_models",
    f"import {GENERATED_PACKAGE} (openapi-generator)": f"import {GENERATED_PACKAGE}",
}


def import_times(runs: int, generated_dir: Optional[Path]) -> Dict[str, float]:
    """Median seconds of each import in ``runs`` fresh interpreters."""
    paths = [str(HERE)] + ([str(generated_dir)] if generated_dir else [])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths + [os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    results: Dict[str, List[float]] = {}
    snippets = {k: v for k, v in IMPORT_SNIPPETS.items() if generated_dir or GENERATED_PACKAGE not in v}
    for _ in range(runs + 1):  # the first round only writes bytecode caches
        for label, snippet in snippets.items():
            code = f"import time; t = time.perf_counter(); {snippet}; print(time.perf_counter() - t)"
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            results.setdefault(label, []).append(float(out.stdout))
    return {label: statistics.median(values[1:]) for label, values in results.items()}


def throughput(url: str, token: str, threads: int, seconds: float) -> Tuple[int, int, float]:
    """Calls and errors of ``threads`` threads sharing one ApiClient for ``seconds``."""
    configuration = sparkfly_client.Configuration(host=url, connection_pool_maxsize=threads)
    configuration.api_key["X-Auth-Token"] = token
    calls = [0] * threads
    errors: List[str] = []
    stop = threading.Event()
    with sparkfly_client.ApiClient(configuration) as api_client:
        api = sparkfly_client.CredentialsApi(api_client)

        def work(index: int) -> None:
            while not stop.is_set():
                try:
                    result = api.get_credential(CREDENTIAL_ID)
                    if result.credential is None or result.credential.id is None:
                        errors.append("answer without a credential")
                except Exception as exc:  # counted, not raised: the figure is the error count
                    errors.append(f"{type(exc).__name__}: {exc}")
                calls[index] += 1

        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        time.sleep(seconds)
        stop.set()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
    if errors:
        print(f"<!-- first error: {errors[0]} -->")
    return sum(calls), len(errors), elapsed


# A sandbox in its own process (so it does not compete with the client threads for the GIL), without
# its rate limit: the figure is the client's throughput, not the limit's.
SANDBOX_SCRIPT = (
    "from sparkfly_client.sandbox import Sandbox; sandbox = Sandbox(rate_limit=10**9); "
    "print('URL', sandbox.url, flush=True); sandbox.serve_forever()"
)


def throughput_server() -> Tuple[str, str, Optional[ServerProcess]]:
    """Token, description and process of the sandbox when this checkout has one; else the canned
    server's token and no process."""
    try:
        sandbox = importlib.import_module("sparkfly_client.sandbox")
    except ImportError:
        return TOKEN, "canned server (sparkfly_client.sandbox is not in this checkout)", None
    token = str(sandbox.DEFAULTS["token"])
    return (
        token,
        "sparkfly_client.sandbox.Sandbox (own process, rate limit off)",
        ServerProcess([sys.executable, "-c", SANDBOX_SCRIPT]),
    )


# --- report -----------------------------------------------------------------------------------


def machine_line() -> str:
    import pydantic

    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} "
        f"{platform.python_version()}, urllib3 {urllib3.__version__}, pydantic {pydantic.VERSION}; "
        f"load average at start {load[0]:.2f}"
    )


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=9, help="timed batches per client and call (at least 5)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the calls per batch (0.2 for a quick run)")
    parser.add_argument("--import-runs", type=int, default=21, help="fresh interpreters per import measured")
    parser.add_argument("--cold-runs", type=int, default=31, help="fresh interpreters per side for the cold start")
    parser.add_argument("--threads", type=int, default=8, help="threads sharing one ApiClient")
    parser.add_argument("--thread-seconds", type=float, default=5.0, help="how long the threads run")
    parser.add_argument("--no-generated", action="store_true", help="skip the openapi-generator client")
    parser.add_argument("--no-async", action="store_true", help="skip the async client (benchmarks/async_bench.py)")
    parser.add_argument(
        "--spec",
        type=Path,
        default=default_spec(),
        help="OpenAPI document to generate the comparison client from (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.batches < 5:
        parser.error("--batches must be at least 5")

    plan = {  # operation: (warm-up calls, calls per batch)
        "get_credential": (200, max(1, int(1000 * args.scale))),
        "create_credential": (200, max(1, int(1000 * args.scale))),
        "get_credentials": (5, max(1, int(40 * args.scale))),
    }
    print("# sparkfly_client benchmark\n")
    print(f"Machine: {machine_line()}.  ")
    print(
        f"Each figure: median of {args.batches} batches after warm-up; calls per batch "
        + ", ".join(f"{op} {n}" for op, (_, n) in plan.items())
        + ".\n"
    )

    with tempfile.TemporaryDirectory(prefix="sparkfly-bench-") as workdir, canned_server() as server:
        generated_dir, generated_note = (
            (None, "skipped (--no-generated)")
            if args.no_generated
            else generate_client(Path(workdir), args.spec.resolve())
        )
        clients = [
            sdk_client(server.url),
            json_client(server.url),
            floor_client(server.url),
            floor_client(server.url, keep_unknown_fields=True),
        ]
        if generated_dir is not None:
            clients.append(generated_client(server.url, generated_dir))
        check_results(clients)

        print("## CPU and wall time per call\n")
        print(
            "Each client takes turns with the floor alone, call by call; the floor's figures are of its turns "
            "with the SDK.\n"
        )
        print("| call | client | CPU µs/call | wall µs/call | floor CPU µs/call, same turns | CPU / floor |")
        print("|---|---|---:|---:|---:|---:|")
        ratios: Dict[str, float] = {}
        pairs = floor_pairs(clients)
        for operation in OPERATIONS:
            warmup, per_batch = plan[operation]
            timed = {pair[1].name: time_calls(pair, operation, warmup, per_batch, args.batches) for pair in pairs}
            for name, timing, floor_timing in paired_rows(timed):
                cpu, wall = statistics.median(timing.cpu), statistics.median(timing.wall)
                floor_cpu = statistics.median(floor_timing.cpu)
                if name == SDK:
                    ratios[operation] = cpu / floor_cpu
                print(f"| {operation} | {name} | {us(cpu)} | {us(wall)} | {us(floor_cpu)} | {cpu / floor_cpu:.2f} |")
        print(f"\nopenapi-generator: {generated_note}.\n")

        print("## Peak memory of one get_credentials call (1,000 credentials)\n")
        print("| client | peak KiB (tracemalloc) | / floor |")
        print("|---|---:|---:|")
        peaks = {client.name: peak_memory(client) for client in clients}
        for client in clients:
            print(f"| {client.name} | {peaks[client.name] / 1024:,.0f} | {peaks[client.name] / peaks[FLOOR]:.2f} |")
        for client in clients:
            client.close()

        print(f"\n## Import time (median of {args.import_runs} fresh interpreters)\n")
        imports = import_times(args.import_runs, generated_dir)
        base = imports[BASE_IMPORT]
        print("| import | ms | over `import urllib3, pydantic` |")
        print("|---|---:|---:|")
        for label, seconds in imports.items():
            print(f"| `{label}` | {seconds * 1e3:.1f} | {(seconds - base) * 1e3:+.1f} ms |")

        print("\n## Cold start: import, configure, one call (benchmarks/cold_start.py)\n")
        cold = cold_starts(server.url, args.cold_runs)
        print(cold_start_report(cold, args.cold_runs))

        print(f"\n## {args.threads} threads sharing one ApiClient\n")
        print("| server | threads | seconds | calls | calls/s | errors |")
        print("|---|---:|---:|---:|---:|---:|")
        token, where, sandbox = throughput_server()
        if sandbox is None:
            calls, errors, elapsed = throughput(server.url, token, args.threads, args.thread_seconds)
        else:
            with sandbox:
                calls, errors, elapsed = throughput(sandbox.url, token, args.threads, args.thread_seconds)
        print(f"| {where} | {args.threads} | {elapsed:.1f} | {calls:,} | {calls / elapsed:,.0f} | {errors} |")

    print("\n## Targets\n")
    print("| target | measured | met |")
    print("|---|---:|---|")
    for operation, limit in (("get_credential", 1.05), ("create_credential", 1.05), ("get_credentials", 1.10)):
        print(
            f"| {operation} CPU / floor <= {limit:.2f} | {ratios[operation]:.2f} | "
            f"{'yes' if ratios[operation] <= limit else 'no'} |"
        )
    added = (imports[SDK_IMPORT] - base) * 1e3
    print(
        f"| `import sparkfly_client` adds <= 25 ms over `import urllib3, pydantic` | {added:+.1f} ms | "
        f"{'yes' if added <= 25 else 'no'} |"
    )
    ready = (imports[SDK_READY] - imports[FLOOR_READY]) * 1e3
    print(
        f"| ready to call: sparkfly_client over floor <= 25 ms | {ready:+.1f} ms | {'yes' if ready <= 25 else 'no'} |"
    )
    cold_ratio = wall_ratio(cold)
    print(f"| cold start wall / floor <= 1.05 | {cold_ratio:.3f} | {'yes' if cold_ratio <= 1.05 else 'no'} |")
    memory = peaks[SDK] / peaks[FLOOR]
    print(f"| list peak memory / floor <= 1.20 | {memory:.2f} | {'yes' if memory <= 1.2 else 'no'} |")
    if not args.no_async:
        run_async_section(args.batches, args.scale)
    print(f"\nLoad average at end: {load_average():.2f}.")


def run_async_section(batches: int, scale: float) -> None:
    """The async client's section (benchmarks/async_bench.py), when aiohttp is installed."""
    try:
        import async_bench
    except ImportError as exc:
        print(f'\n## Async client\n\nskipped: {exc} (pip install -e ".[async]").')
        return
    print()
    async_bench.report(batches, scale)


if __name__ == "__main__":
    main()
