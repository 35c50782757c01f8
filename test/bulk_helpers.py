"""For the bulk tests: a sandbox in its own process, spoken to over HTTP only, and the bulk CLI as a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import urllib3

from sparkfly_client.bulk.cli import main

TOKEN = "sandbox-token"


class SandboxProcess:
    """``python -m sparkfly_client.sandbox --port 0 --members N [options]`` in a child process."""

    def __init__(self, members: int = 5000, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sparkfly_client.sandbox", "--port", "0", "--members", str(members), *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if "listening on " not in first:
            self.process.kill()
            raise RuntimeError(
                f"the sandbox did not start: {first}{self.process.stderr.read() if self.process.stderr else ''}"
            )
        self.url = first.split("listening on ", 1)[1].split()[0]
        self.pool = urllib3.PoolManager(headers={"X-Auth-Token": TOKEN}, retries=False)

    def close(self) -> None:
        self.pool.clear()
        self.process.terminate()
        self.process.communicate(timeout=10)

    @property
    def environ(self) -> Dict[str, str]:
        return {**os.environ, "SPARKFLY_HOST": self.url, "API_KEY": TOKEN}

    def reset(self) -> None:
        assert self.pool.request("POST", self.url + "/__sandbox/reset").status == 204

    def inject(self, **fault: Any) -> None:
        assert self.pool.request("POST", self.url + "/__sandbox/faults", body=json.dumps(fault)).status == 201

    def create(self, **credential: Any) -> Dict[str, Any]:
        answer = self.pool.request("POST", self.url + "/v1.0/credentials", body=json.dumps({"credential": credential}))
        assert answer.status == 201, answer.data
        return answer.json()["credential"]  # type: ignore[no-any-return]

    def credentials(self, **filters: Any) -> List[Dict[str, Any]]:
        """Every credential matching the filters, read page by page straight from the server."""
        found: List[Dict[str, Any]] = []
        page = 1
        while True:
            answer = self.pool.request(
                "GET", self.url + "/v1.0/credentials", fields={**filters, "page": page, "per_page": 1000}
            )
            if answer.status == 429:  # a sandbox with a rate limit: wait for the next window
                time.sleep(float(answer.headers.get("Retry-After", "1")))
                continue
            assert answer.status == 200, answer.data
            body = answer.json()
            found += [item["credential"] for item in body["credentials"]]
            if page >= body["total_pages"]:
                return found
            page += 1


def issue_rows(count: int, first_member: int = 1000, with_identifiers: str = "half") -> List[Dict[str, Any]]:
    """One row per member from ``first_member``: offer 56, channels 56 and 57 in turn; every other row (or all,
    or none) brings its own code."""
    rows = []
    for index in range(count):
        row: Dict[str, Any] = {"member_id": first_member + index, "channel_id": 56 + index % 2, "offer_id": 56}
        if with_identifiers == "all" or (with_identifiers == "half" and index % 2 == 0):
            row["identifier"] = f"B{first_member + index}"
        rows.append(row)
    return rows


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]], columns: Optional[Sequence[str]] = None) -> Path:
    names = list(columns or dict.fromkeys(name for row in rows for name in row))
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, names)
        writer.writeheader()
        writer.writerows(rows)
    return path


def bulk(*args: str, env: Mapping[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sparkfly_client", "bulk", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_bulk(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """The same command run in this process (so that coverage sees it), its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args), environ=dict(env))
        except SystemExit as exit:  # argparse's own refusals
            code = int(exit.code or 0)
    return subprocess.CompletedProcess(["bulk", *args], code, out.getvalue(), err.getvalue())


def start_bulk(*args: str, env: Mapping[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sparkfly_client", "bulk", *args],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def journal_counts(path: Path) -> Counter[str]:
    """The journal's rows by state, read by another process while the job writes it."""
    if not path.exists():
        return Counter()
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return Counter(dict(db.execute("SELECT state, COUNT(*) FROM rows GROUP BY state").fetchall()))
    except sqlite3.OperationalError:  # the tables are not made yet
        return Counter()


def wait_until_done(path: Path, rows: int, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while journal_counts(path)["done"] < rows:
        assert process.poll() is None, "the job ended before it was stopped"
        assert time.monotonic() < deadline, "the job did not get that far in time"
        time.sleep(0.02)


def one_credential_per_row(sandbox: SandboxProcess, rows: Iterable[Mapping[str, Any]]) -> None:
    """The server holds exactly one credential for each row (its member), with the row's code where it had one."""
    rows = list(rows)
    members = {row["member_id"] for row in rows}
    theirs = [c for c in sandbox.credentials() if c["member_id"] in members]
    per_member = Counter(c["member_id"] for c in theirs)
    assert sorted(per_member.values()) == [1] * len(rows), [m for m, n in per_member.items() if n != 1]
    codes = {c["member_id"]: c["identifier"] for c in theirs}
    for row in rows:
        if "identifier" in row:
            assert codes[row["member_id"]] == row["identifier"]
