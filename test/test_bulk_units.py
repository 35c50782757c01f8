"""The bulk tool's pure parts, with injected clocks: rows, digest, journal, settling, the server clock, pacing,
progress; and what the package may import."""

from __future__ import annotations

import ast
import asyncio
import io
import subprocess
import sys
from datetime import datetime, timezone
from email.utils import formatdate
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from sparkfly_client.bulk.journal import DONE, FAILED, PENDING, SENDING, Journal
from sparkfly_client.bulk.pacing import GroupCommit, KeyedLocks, PauseGate, backoff
from sparkfly_client.bulk.progress import BarProgress, LineProgress, NoProgress, make_progress
from sparkfly_client.bulk.rows import ISSUE, VOID, BulkInputError, InputDigest, read_csv, row_source
from sparkfly_client.bulk.settle import ISSUED, NOT_ISSUED, UNKNOWN_OUTCOME, ServerClock, search_for, settle_issue
from sparkfly_client.models import Credential

PACKAGE = Path(__file__).resolve().parent.parent / "sparkfly_client"


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- rows ----------------------------------------------------------------------------------------------


def test_a_row_becomes_request_fields_or_the_first_thing_wrong_with_it() -> None:
    good = ISSUE.parse(
        2, {"member_id": " 1000 ", "channel_id": 56, "offer_id": "", "reusable": "Yes", "identifier": " A1 "}
    )
    assert (good.fields, good.problem) == (
        {"member_id": 1000, "channel_id": 56, "reusable": True, "identifier": "A1"},
        None,
    )
    assert ISSUE.parse(3, {"member_id": "1000"}).problem == "line 3: channel_id is missing"
    assert (
        ISSUE.parse(4, {"member_id": True, "channel_id": 56}).problem
        == "line 4: member_id must be a whole number, got True"
    )
    assert ISSUE.parse(5, {"member_id": "-3", "channel_id": 56}).problem == (
        "line 5: member_id must be a positive whole number, got '-3'"
    )
    assert ISSUE.parse(6, {"member_id": 1, "channel_id": 1, "printable": "sometimes"}).problem == (
        "line 6: printable must be true or false, got 'sometimes'"
    )
    assert VOID.parse(7, {"id": "", "identifier": ""}).problem == "line 7: needs id or identifier"
    assert VOID.parse(8, {"identifier": "5600"}).fields == {"identifier": "5600"}


def test_the_header_is_checked_before_any_row() -> None:
    with pytest.raises(BulkInputError, match="unknown column 'offer'; issue takes member_id, channel_id"):
        ISSUE.check_header(["member_id", "channel_id", "offer"], "f.csv")
    with pytest.raises(BulkInputError, match="column member_id appears more than once"):
        ISSUE.check_header(["member_id", "channel_id", "member_id"], "f.csv")
    with pytest.raises(BulkInputError, match="needs a column id or identifier"):
        VOID.check_header(["code"][:0], "f.csv")


def test_a_csv_file_and_the_same_rows_as_dicts_have_one_digest(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("\ufeffmember_id, channel_id\n1000,56\n1001,57\n", encoding="utf-8")  # a BOM, a space
    from_file, from_dicts = InputDigest(), InputDigest()
    lines = []
    for line, row in read_csv(source).numbered(ISSUE):
        from_file.add(row)
        lines.append(line)
    for _, row in row_source([{"member_id": 1000, "channel_id": 56}, {"member_id": 1001, "channel_id": 57}]).numbered(
        ISSUE
    ):
        from_dicts.add(row)
    assert lines == [2, 3]
    assert from_file.hexdigest() == from_dicts.hexdigest()
    changed = InputDigest()
    changed.add({"member_id": 1000, "channel_id": 56})
    changed.add({"member_id": 1001, "channel_id": 56})
    assert changed.hexdigest() != from_file.hexdigest()


def test_a_quoted_cell_over_two_lines_gives_the_next_row_its_own_line(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text('member_id,channel_id,campaign_id\n1000,56,"spring\nsale"\n1001,56,x\n', encoding="utf-8")
    assert [line for line, _ in read_csv(source).numbered(ISSUE)] == [2, 4]


# --- the journal ---------------------------------------------------------------------------------------


def test_the_journal_takes_the_input_once_and_refuses_other_input(tmp_path: Path) -> None:
    rows = [{"member_id": 1000, "channel_id": 56}, {"member_id": "x", "channel_id": 56}]
    journal = Journal(tmp_path / "run.db", "issue")
    journal.prepare(row_source(rows), ISSUE)
    assert journal.counts() == {PENDING: 1, SENDING: 0, DONE: 0, FAILED: 1, "unknown": 0}
    (todo,) = list(journal.rows_to_do())
    journal.mark_sending(todo, 1234.5)
    journal.commit()
    journal.close()

    reopened = Journal(tmp_path / "run.db", "issue")
    reopened.prepare(row_source(rows), ISSUE)  # the same rows: accepted, nothing stored again
    (again,) = list(reopened.rows_to_do())
    assert (again.state, again.first_sent, again.attempts) == (SENDING, 1234.5, 1)
    with pytest.raises(BulkInputError, match="was written for other input"):
        reopened.prepare(row_source(rows[:1]), ISSUE)
    reopened.close()
    with pytest.raises(BulkInputError, match="is the journal of a bulk issue, not of a bulk void"):
        Journal(tmp_path / "run.db", "void")


def test_a_first_run_stopped_while_storing_the_input_begins_again(tmp_path: Path) -> None:
    def rows_then_failure() -> Any:
        yield {"member_id": 1000, "channel_id": 56}
        raise KeyboardInterrupt

    journal = Journal(tmp_path / "run.db", "issue")
    with pytest.raises(KeyboardInterrupt):
        journal.prepare(row_source(rows_then_failure()), ISSUE)
    journal.prepare(row_source([{"member_id": 1001, "channel_id": 56}]), ISSUE)  # other input: nothing was sent
    assert [row.fields["member_id"] for row in journal.rows_to_do()] == [1001]
    journal.close()


def test_a_file_that_is_not_a_journal_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("not sqlite at all, " * 100)
    with pytest.raises(BulkInputError, match="cannot use .* as a journal"):
        Journal(tmp_path / "notes.db", "issue")
    with pytest.raises(BulkInputError, match="no journal at"):
        Journal.open_existing(tmp_path / "missing.db")


# --- settling ------------------------------------------------------------------------------------------

SENT = datetime(2024, 5, 1, 12, 0, 30, tzinfo=timezone.utc).timestamp() + 0.7  # first sent at 12:00:30.7


def credential(id: int, created: str = "2024-05-01T12:00:31Z", **fields: Any) -> Credential:
    values: Dict[str, Any] = {"member_id": 1000, "channel_id": 56, "offer_ids": [56], "created_at": created, **fields}
    return Credential(id=id, **values)


ROW = {"member_id": 1000, "channel_id": 56, "offer_id": 56}


def nobody(credential_id: int) -> Optional[int]:
    return None


def test_one_new_credential_of_the_member_is_the_rows_own() -> None:
    settled = settle_issue(ROW, [credential(7)], nobody, SENT)
    assert settled.verdict == ISSUED and settled.credential is not None and settled.credential.id == 7


def test_created_in_the_same_second_as_the_send_counts_and_earlier_ones_do_not() -> None:
    # created_at and Date are whole seconds: 12:00:30 may be after 12:00:30.7 on the server; 12:00:28 is not.
    assert settle_issue(ROW, [credential(7, "2024-05-01T12:00:30Z")], nobody, SENT).verdict == ISSUED
    assert settle_issue(ROW, [credential(7, "2024-05-01T12:00:28Z")], nobody, SENT).verdict == NOT_ISSUED


def test_credentials_another_row_holds_or_of_another_offer_or_channel_are_not_the_rows() -> None:
    found = [credential(7), credential(8, offer_ids=[57]), credential(9, channel_id=57)]
    assert settle_issue(ROW, found, lambda i: 12 if i == 7 else None, SENT).verdict == NOT_ISSUED


def test_without_the_servers_time_every_credential_of_the_member_for_the_offer_counts() -> None:
    assert settle_issue(ROW, [credential(7, "2020-01-01T00:00:00Z")], nobody, None).verdict == ISSUED


def test_more_than_one_candidate_is_unknown_naming_them() -> None:
    settled = settle_issue(ROW, [credential(7), credential(8)], nobody, SENT)
    assert settled.verdict == UNKNOWN_OUTCOME
    assert "2 credentials created since the row was first sent (ids 7, 8)" in settled.reason


def test_a_row_with_a_code_is_settled_by_its_active_credential_whenever_made() -> None:
    row = {**ROW, "identifier": "A1"}
    assert search_for(row) == {"identifier": "A1"}
    assert search_for(ROW) == {"member_id": 1000, "channel_id": 56, "offer_id": 56}
    voided = credential(6, "2020-01-01T00:00:00Z", identifier="A1", voided_at="2020-01-02T00:00:00Z")
    other_member = credential(5, identifier="A1", member_id=1001)
    assert settle_issue(row, [voided, other_member], nobody, SENT).verdict == NOT_ISSUED
    old = credential(7, "2020-01-01T00:00:00Z", identifier="A1")
    assert settle_issue(row, [voided, old], nobody, SENT).credential == old


def test_the_server_clock_follows_the_date_header_and_elapsed_local_time() -> None:
    monotonic = Clock(500.0)
    clock = ServerClock(monotonic)
    assert not clock.known and clock.now() is None  # no Date yet: not known (the local clock may run ahead)
    clock.observe({"Date": formatdate(1_700_000_000, usegmt=True)})
    monotonic.now += 2.5
    assert clock.now() == 1_700_000_002.5
    clock.observe({"Date": formatdate(1_600_000_000, usegmt=True)})  # the server's clock was set back
    assert clock.now() == 1_600_000_000
    monotonic.now += 0.5
    clock.observe({"Date": formatdate(1_800_000_000, usegmt=True)})  # within a second of the last: not parsed
    assert clock.now() == 1_600_000_000.5
    clock.observe({"Date": "not a date"})
    assert clock.known


# --- pacing --------------------------------------------------------------------------------------------


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    assert [backoff(n, rng=lambda: 1.0) for n in (1, 2, 3, 8)] == [0.5, 1.0, 2.0, 30.0]
    assert backoff(3, rng=lambda: 0.0) == 1.0


@pytest.mark.asyncio
async def test_a_429_pauses_every_worker_for_the_wait_asked() -> None:
    gate = PauseGate()
    gate.pause(0.2)
    gate.pause(0.05)  # a shorter wait does not shorten the pause
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(gate.wait(), gate.wait())
    assert 0.19 <= loop.time() - started < 1.0 and gate.pauses == 2


@pytest.mark.asyncio
async def test_a_settle_waits_for_the_members_sends_and_later_sends_wait_for_it() -> None:
    locks = KeyedLocks()
    events: List[str] = []

    async def send(name: str, hold: float) -> None:
        async with locks.shared(1000):
            events.append(f"{name} starts")
            await asyncio.sleep(hold)
            events.append(f"{name} ends")

    async def settle() -> None:
        async with locks.exclusive(1000):
            events.append("settle starts")
            await asyncio.sleep(0.01)
            events.append("settle ends")

    first = asyncio.ensure_future(send("a", 0.02))
    await asyncio.sleep(0)
    waiting = asyncio.ensure_future(settle())
    await asyncio.sleep(0)
    later = asyncio.ensure_future(send("b", 0))
    other_member = locks.shared(2000)
    async with other_member:  # another member is not held up
        events.append("other member")
    await asyncio.gather(first, waiting, later)
    assert events == ["a starts", "other member", "a ends", "settle starts", "settle ends", "b starts", "b ends"]
    assert len(locks) == 0  # keys nobody holds are forgotten


@pytest.mark.asyncio
async def test_workers_asking_in_the_same_turn_share_one_commit() -> None:
    commits: List[int] = []
    group = GroupCommit(lambda: commits.append(len(commits)))
    await asyncio.gather(*(group.commit() for _ in range(5)))
    await group.commit()
    assert commits == [0, 1] and group.commits == 2


# --- progress ------------------------------------------------------------------------------------------


def test_plain_progress_is_a_line_at_most_every_interval_and_one_at_the_end() -> None:
    clock, out = Clock(0.0), io.StringIO()
    progress = LineProgress(out, interval=5.0, clock=clock)
    progress.start("issue", 1000, done=100)
    clock.now = 1.0
    progress.advance(100)  # one second since the start: no line yet
    clock.now = 5.0
    progress.advance(400)  # 500 rows in 5 s
    progress.advance()
    clock.now = 5.5
    progress.close()
    assert out.getvalue().splitlines() == [
        "issue: 600 of 1,000 rows (60 %), 100 rows/s, about 4 s left",
        "issue: 601 of 1,000 rows (60 %), 91 rows/s, about 4 s left",
    ]


def test_plain_progress_says_long_waits_in_minutes_and_hours_and_counts_without_a_total() -> None:
    clock, out = Clock(0.0), io.StringIO()
    progress = LineProgress(out, interval=5.0, clock=clock)
    progress.start("issue", 100_000)
    clock.now = 10.0
    progress.advance(10)  # 1 row a second: 99,990 s left
    progress.start("issue", 1_000)
    clock.now = 20.0
    progress.advance(10)  # 990 s left
    progress.start("export", None, unit="credentials")
    clock.now = 30.0
    progress.advance(50)
    assert out.getvalue().splitlines() == [
        "issue: 10 of 100,000 rows (0 %), 1 rows/s, about 27.8 h left",
        "issue: 10 of 1,000 rows (1 %), 1 rows/s, about 16 min left",
        "export: 50 credentials, 5 credentials/s",
    ]


def test_the_bar_shows_the_count_and_the_rate() -> None:
    tqdm = pytest.importorskip("tqdm")
    out = Terminal()
    bar = BarProgress(tqdm.tqdm, out)
    bar.start("issue", 10, done=4)
    bar.advance(6)
    bar.close()
    bar.advance()  # after close: nothing
    assert "issue: 100%" in out.getvalue() and "10/10" in out.getvalue() and "row/s" in out.getvalue()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_is_used_on_a_terminal_when_tqdm_is_there_and_lines_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    assert isinstance(make_progress(False), NoProgress)
    assert isinstance(make_progress(True, io.StringIO()), LineProgress)
    bar = make_progress(True, Terminal())
    assert isinstance(bar, BarProgress)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the cli extra is not installed
    assert isinstance(make_progress(True, Terminal()), LineProgress)


# --- what is imported ----------------------------------------------------------------------------------


def test_import_sparkfly_client_loads_no_bulk_and_bulk_loads_no_progress_bar_library() -> None:
    code = (
        "import sys, sparkfly_client; assert not [m for m in sys.modules if m.startswith('sparkfly_client.bulk')]; "
        "import sparkfly_client.bulk, sparkfly_client.bulk.cli; "
        "print(sorted({'tqdm', 'rich', 'aiohttp'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_the_bulk_package_uses_the_public_api_alone_and_the_core_never_imports_it() -> None:
    for path in sorted((PACKAGE / "bulk").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            private = [n for n in names if n.startswith("sparkfly_client._") or ".sandbox" in n]
            assert not private, f"{path.name} imports {private}"
    for path in [*PACKAGE.glob("*.py"), *(PACKAGE / "api").glob("*.py"), *(PACKAGE / "models").glob("*.py")]:
        if path.name != "__main__.py":
            assert "bulk" not in path.read_text(encoding="utf-8"), path
