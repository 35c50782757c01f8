"""``python -m sparkfly_client bulk ...`` over real HTTP against a sandbox in its own process: each row issued
exactly once across SIGKILL, Ctrl+C, lost answers and reruns; bad rows; void; export; status."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest
from bulk_helpers import (
    SandboxProcess,
    bulk,
    issue_rows,
    journal_counts,
    one_credential_per_row,
    run_bulk,
    start_bulk,
    wait_until_done,
    write_csv,
)

pytest.importorskip("aiohttp")


def test_a_job_killed_part_way_and_rerun_while_answers_are_lost_issues_one_credential_per_row(
    bulk_server: SandboxProcess, tmp_path: Path
) -> None:
    rows = issue_rows(2000)  # every other row brings its own code
    source, journal = write_csv(tmp_path / "rows.csv", rows), tmp_path / "run.db"
    bulk_server.inject(lose_answer=True, method="POST", path="/v1.0/credentials", times=10)  # before the kill too
    job = start_bulk("issue", str(source), "--journal", str(journal), "--concurrency", "16", env=bulk_server.environ)
    wait_until_done(journal, 300, job)
    job.send_signal(signal.SIGKILL)
    job.communicate()
    stopped = journal_counts(journal)
    assert 300 <= stopped["done"] < 2000 and stopped["failed"] == stopped["unknown"] == 0
    bulk_server.inject(lose_answer=True, method="POST", path="/v1.0/credentials", times=25)

    # In this process, so that coverage sees the settling; the other runs use the real entry point.
    rerun = run_bulk("issue", str(source), "--journal", str(journal), "--concurrency", "16", env=bulk_server.environ)

    assert rerun.returncode == 0, rerun.stderr
    issued = 2000 - stopped["done"]
    assert rerun.stdout == f"issued {issued}, already done {stopped['done']}, failed 0, unknown 0 (journal {journal})\n"
    one_credential_per_row(bulk_server, rows)
    again = bulk("issue", str(source), "--journal", str(journal), env=bulk_server.environ)
    assert (again.returncode, again.stdout) == (
        0,
        f"issued 0, already done 2000, failed 0, unknown 0 (journal {journal})\n",
    )
    one_credential_per_row(bulk_server, rows)


def test_ctrl_c_stops_the_job_and_the_same_command_resumes_it(bulk_server: SandboxProcess, tmp_path: Path) -> None:
    rows = issue_rows(600, first_member=3000)
    source, journal = write_csv(tmp_path / "rows.csv", rows), tmp_path / "run.db"
    job = start_bulk("issue", str(source), "--journal", str(journal), env=bulk_server.environ)
    wait_until_done(journal, 100, job)
    job.send_signal(signal.SIGINT)
    out, err = job.communicate(timeout=30)
    assert job.returncode == 130, err
    assert f"interrupted: run the same command again to resume from {journal}" in err
    counts = journal_counts(journal)
    done = counts["done"]
    assert out.startswith("issued ") and f"already done 0, failed 0, unknown 0, not finished {600 - done}" in out
    assert counts["sending"] <= 8  # at most the requests in flight; rows handed out and not sent went back

    rerun = bulk("issue", str(source), "--journal", str(journal), env=bulk_server.environ)

    assert (rerun.returncode, rerun.stdout) == (
        0,
        f"issued {600 - done}, already done {done}, failed 0, unknown 0 (journal {journal})\n",
    )
    one_credential_per_row(bulk_server, rows)


def test_bad_rows_are_reported_by_line_and_never_sent_and_the_others_go_on(
    bulk_server: SandboxProcess, tmp_path: Path
) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(
        "member_id,channel_id,offer_id,reusable\n"
        "1000,56,56,true\n"  # line 2: fine
        ",56,56,\n"  # line 3: no member
        "1001,web,56,\n"  # line 4: a channel that is not a number
        "1002,56,58,\n"  # line 5: the server refuses it (offer 58 is no longer active)
        "1003,56,56,maybe\n"  # line 6: not a flag
        "1004,56,56,false,extra\n"  # line 7: a cell too many
        "1005,57,56,no\n",  # line 8: fine
        encoding="utf-8",
    )
    journal = tmp_path / "run.db"

    done = run_bulk("issue", str(source), "--journal", str(journal), env=bulk_server.environ)

    assert done.returncode == 1
    assert done.stdout == f"issued 2, already done 0, failed 5, unknown 0 (journal {journal})\n"
    expected = [
        "failed: line 3: member_id is missing",
        "failed: line 4: channel_id must be a positive whole number, got 'web'",
        "failed: line 5: the server refused it (HTTP 400): Offer with ID 58 is no longer active",
        "failed: line 6: reusable must be true or false, got 'maybe'",
        "failed: line 7: 1 more cells than the header has columns",
    ]
    assert done.stderr.splitlines()[-5:] == expected
    created = [c for c in bulk_server.credentials() if c["member_id"] >= 1000]
    assert sorted((c["member_id"], c["reusable"]) for c in created) == [(1000, True), (1005, False)]
    status = run_bulk("status", "--journal", str(journal), env=bulk_server.environ)
    assert status.returncode == 1
    assert status.stdout.splitlines() == [
        f"journal {journal}: bulk issue of {source}, 7 rows",
        "done 2, failed 5, unknown 0, not finished 0",
        *expected,
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("member_id,channel_id,colour\n1000,56,red\n", "unknown column 'colour'"),
        ("member_id,offer_id\n1000,56\n", "the header has no column channel_id"),
        ("", "the file is empty"),
        (b"member_id,channel_id\n\xff\xfe,56\n", "it is not UTF-8 text"),
    ],
)
def test_an_unusable_file_is_one_line_and_exit_2_with_nothing_sent(
    bulk_server: SandboxProcess, tmp_path: Path, content: object, message: str
) -> None:
    source = tmp_path / "rows.csv"
    if isinstance(content, bytes):
        source.write_bytes(content)
    else:
        source.write_text(str(content), encoding="utf-8")
    done = run_bulk("issue", str(source), "--journal", str(tmp_path / "run.db"), env=bulk_server.environ)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1 and message in done.stderr and done.stderr.startswith("error: ")
    assert [c["id"] for c in bulk_server.credentials()] == [56]


def test_a_missing_file_and_a_journal_written_for_another_file_are_refused(
    bulk_server: SandboxProcess, tmp_path: Path
) -> None:
    missing = run_bulk(
        "issue", str(tmp_path / "nowhere.csv"), "--journal", str(tmp_path / "a.db"), env=bulk_server.environ
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr and "No such file" in missing.stderr
    first = write_csv(tmp_path / "first.csv", issue_rows(3, first_member=1100))
    assert run_bulk("issue", str(first), "--journal", str(tmp_path / "run.db"), env=bulk_server.environ).returncode == 0
    other = write_csv(tmp_path / "other.csv", issue_rows(3, first_member=1200))

    refused = run_bulk("issue", str(other), "--journal", str(tmp_path / "run.db"), env=bulk_server.environ)

    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr.count("\n") == 1 and "was written for other input" in refused.stderr
    assert not [c for c in bulk_server.credentials() if c["member_id"] >= 1200]
    wrong_action = run_bulk("void", str(first), "--journal", str(tmp_path / "run.db"), env=bulk_server.environ)
    assert wrong_action.returncode == 2 and "is the journal of a bulk issue, not of a bulk void" in wrong_action.stderr


def test_credentials_come_from_the_identity_and_key_or_from_flags(bulk_server: SandboxProcess, tmp_path: Path) -> None:
    first, second = issue_rows(2, first_member=1250), issue_rows(2, first_member=1260)
    env = {**bulk_server.environ, "AUTH_IDENTITY": "sandbox-account", "AUTH_KEY": "sandbox-api-key"}
    del env["API_KEY"]  # GET /auth then gives the token
    by_identity = run_bulk("issue", str(write_csv(tmp_path / "a.csv", first)), "--journal", str(tmp_path / "a.db"),
                           "-q", env=env)  # fmt: skip
    assert (by_identity.returncode, by_identity.stderr) == (0, "")
    flags = ["--host", bulk_server.url, "--api-key", "sandbox-token"]
    by_flags = run_bulk("issue", str(write_csv(tmp_path / "b.csv", second)), "--journal", str(tmp_path / "b.db"),
                        *flags, env={"PATH": "/usr/bin"})  # fmt: skip
    assert by_flags.stdout == f"issued 2, already done 0, failed 0, unknown 0 (journal {tmp_path / 'b.db'})\n"
    one_credential_per_row(bulk_server, first + second)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["issue", "rows.csv", "--journal", "run.db", "--concurrency", "0"], "--concurrency must be from 1 to 256"),
        (["export", "--out", "out.csv", "--per-page", "5000"], "--per-page must be from 1 to 1000"),
        (["export", "--out", "out.csv", "--ids", "1,two"], "--ids must be whole numbers separated by commas"),
        (["issue", "rows.csv", "--journal", "run.db", "--host", "ftp://example.com"], "error: "),
        (["status", "--journal", "missing.db"], "no journal at missing.db"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(bulk_server: SandboxProcess, args: List[str], message: str) -> None:
    done = run_bulk(*args, env=bulk_server.environ)
    assert (done.returncode, done.stdout) == (2, "") and message in done.stderr and done.stderr.count("\n") == 1


def test_the_package_runs_the_bulk_tool_and_nothing_else() -> None:
    done = subprocess.run([sys.executable, "-m", "sparkfly_client"], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stderr.startswith("usage: python -m sparkfly_client bulk")


def test_no_credentials_is_bad_usage(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "rows.csv", issue_rows(1))
    done = run_bulk("issue", str(source), "--journal", str(tmp_path / "run.db"), env={"PATH": "/usr/bin"})
    assert done.returncode == 2 and done.stderr.startswith("error: no credentials: set API_KEY")


def test_void_by_id_and_by_code_voids_each_once_and_resumes(bulk_server: SandboxProcess, tmp_path: Path) -> None:
    made = [bulk_server.create(member_id=1300 + n, channel_id=56, offer_id=56) for n in range(40)]
    rows = [{"id": c["id"]} if n % 2 else {"identifier": c["identifier"]} for n, c in enumerate(made)]
    rows += [{"identifier": "NO-SUCH-CODE"}, {"id": 999999}]
    source = write_csv(tmp_path / "void.csv", rows, columns=["id", "identifier"])
    journal = tmp_path / "void.db"
    bulk_server.inject(lose_answer=True, method="PUT", path="/v1.0/credentials/*/void", times=5)

    done = run_bulk("void", str(source), "--journal", str(journal), env=bulk_server.environ)

    assert done.returncode == 1
    assert done.stdout == f"voided 40, already done 0, failed 2, unknown 0 (journal {journal})\n"
    assert "failed: line 42: no active credential has the identifier 'NO-SUCH-CODE'" in done.stderr
    assert (
        "failed: line 43: the server refused it (HTTP 404): Not Found: Credential with ID 999999 not found"
        in done.stderr
    )
    states = {c["id"]: c["status"] for c in bulk_server.credentials() if c["member_id"] >= 1300}
    assert states == {c["id"]: "voided" for c in made}
    again = run_bulk("void", str(source), "--journal", str(journal), env=bulk_server.environ)
    assert again.stdout == f"voided 0, already done 40, failed 2, unknown 0 (journal {journal})\n"


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_export_writes_every_matching_credential_page_by_page(
    bulk_server: SandboxProcess, tmp_path: Path, suffix: str
) -> None:
    made = [bulk_server.create(member_id=1400, channel_id=56, offer_id=56) for _ in range(23)]
    bulk_server.create(member_id=1401, channel_id=56, offer_id=56)
    out = tmp_path / f"out.{suffix}"

    done = run_bulk("export", "--out", str(out), "--member-id", "1400", "--per-page", "5", env=bulk_server.environ)

    assert (done.returncode, done.stdout) == (0, f"exported 23 credentials to {out}\n")
    if suffix == "csv":
        with open(out, newline="", encoding="utf-8") as file:
            exported = list(csv.DictReader(file))
        assert exported[0]["offer_ids"] == "[56]" and exported[0]["voided_at"] == ""
    else:
        exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [int(c["id"]) for c in exported] == [c["id"] for c in made]
    assert {c["identifier"] for c in exported} == {c["identifier"] for c in made}
    assert not list(tmp_path.glob("*.part"))


def test_export_refuses_a_file_name_it_cannot_tell_the_format_of(bulk_server: SandboxProcess, tmp_path: Path) -> None:
    done = run_bulk("export", "--out", str(tmp_path / "out.xlsx"), env=bulk_server.environ)
    assert done.returncode == 2 and "name it .csv or .jsonl" in done.stderr


def interrupted_export(bulk_server: SandboxProcess, out: Path, count: int) -> List[int]:
    """``count`` credentials of member 1450, and an export of them, one a page, stopped with Ctrl+C part-way."""
    made = [bulk_server.create(member_id=1450, channel_id=56)["id"] for _ in range(count)]
    job = start_bulk("export", "--out", str(out), "--member-id", "1450", "--per-page", "1", env=bulk_server.environ)
    state = out.with_name(out.name + ".part.state")
    deadline = time.monotonic() + 30
    while not (state.exists() and json.loads(state.read_text() or "{}").get("pages", 0) >= 10):
        assert job.poll() is None and time.monotonic() < deadline, "the export did not get that far"
        time.sleep(0.005)
    job.send_signal(signal.SIGINT)
    _, err = job.communicate(timeout=30)
    assert job.returncode == 130 and f"run the same command again to go on from {out}.part" in err
    assert not out.exists()
    return made


def test_an_interrupted_export_goes_on_from_its_last_page(bulk_server: SandboxProcess, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    made = interrupted_export(bulk_server, out, 500)
    written = json.loads(out.with_name("out.jsonl.part.state").read_text())["pages"]

    rerun = run_bulk("export", "--out", str(out), "--member-id", "1450", "--per-page", "1", env=bulk_server.environ)

    assert (rerun.returncode, rerun.stdout) == (0, f"exported 500 credentials to {out}\n")
    resumed_after = int(rerun.stderr.split("after its page ")[1].split()[0])
    assert written <= resumed_after < 500
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_an_interrupted_export_starts_over_when_the_data_moved_under_it(
    bulk_server: SandboxProcess, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    made = interrupted_export(bulk_server, out, 300)
    deleted = bulk_server.pool.request("DELETE", f"{bulk_server.url}/v1.0/credentials/{made[0]}")
    assert deleted.status == 200  # every page after it moves up by one

    rerun = run_bulk("export", "--out", str(out), "--member-id", "1450", "--per-page", "1", env=bulk_server.environ)

    assert (rerun.returncode, rerun.stdout) == (0, f"exported 299 credentials to {out}\n")
    assert "went on from" not in rerun.stderr
    with open(out, newline="", encoding="utf-8") as file:
        assert [int(row["id"]) for row in csv.DictReader(file)] == made[1:]


def test_refused_credentials_stop_the_job_with_exit_1_and_the_rows_left_for_the_next_run(
    bulk_server: SandboxProcess, tmp_path: Path
) -> None:
    source, journal = write_csv(tmp_path / "rows.csv", issue_rows(3, first_member=1270)), tmp_path / "run.db"
    env = {**bulk_server.environ, "API_KEY": "not-the-token"}
    stopped = run_bulk("issue", str(source), "--journal", str(journal), "-q", env=env)
    assert stopped.returncode == 1
    assert stopped.stderr.startswith("error: the server refused the credentials: HTTP 401")
    assert stopped.stdout == f"issued 0, already done 0, failed 0, unknown 0, not finished 3 (journal {journal})\n"
    resumed = run_bulk("issue", str(source), "--journal", str(journal), "-q", env=bulk_server.environ)
    assert resumed.stdout == f"issued 3, already done 0, failed 0, unknown 0 (journal {journal})\n"
