"""The journal of a bulk job: one SQLite file (the standard library's) holding every input row and its state.

A row is ``pending`` (never sent), ``sending`` (sent, its outcome not known: settled before anything is resent),
``done``, ``failed`` (never sent again; the reason is kept) or ``unknown`` (the outcome cannot be told; listed,
never resent). The journal runs in WAL mode with ``synchronous=NORMAL``: a committed transaction survives the
process being killed at any moment (a power cut may lose the last ones). Changed rows are written together, in
one open transaction that :meth:`Journal.commit` ends; the job commits a row's ``sending`` state before its
request goes out (handing rows to its workers a batch at a time, each batch one commit), and outcomes with the
next commit (a lost outcome only means the row is settled again on the next run).

The journal also keeps the input's digest (:class:`~sparkfly_client.bulk.rows.InputDigest`): a rerun with other
input is refused before anything is sent.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from sparkfly_client.bulk.rows import BulkInputError, InputDigest, RowSchema, RowSource

__all__ = ["Journal", "JournalRow", "Problem", "PENDING", "SENDING", "DONE", "FAILED", "UNKNOWN"]

PENDING, SENDING, DONE, FAILED, UNKNOWN = "pending", "sending", "done", "failed", "unknown"
STATES = (PENDING, SENDING, DONE, FAILED, UNKNOWN)
FORMAT = "sparkfly_client bulk journal 1"
_INGEST_BATCH = 1000
_READ_BATCH = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    idx INTEGER PRIMARY KEY,          -- position in the input, from 0
    line INTEGER NOT NULL,            -- line of the CSV file (or number of the row given from Python)
    fields TEXT,                      -- the request fields as JSON; NULL for a row that cannot be sent
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    first_sent REAL,                  -- the server's clock (epoch seconds) when the row was first sent
    credential_id INTEGER,
    identifier TEXT,
    reason TEXT
);
-- No index on state: rows are read in idx order (each once a run), and each change of state would cost one.
CREATE INDEX IF NOT EXISTS rows_by_credential ON rows (credential_id) WHERE credential_id IS NOT NULL;
"""


@dataclass
class JournalRow:
    """A row still to do, as the job works on it: what the journal holds, and what only this run knows."""

    idx: int
    line: int
    fields: Dict[str, Any]
    state: str
    attempts: int
    first_sent: Optional[float]
    credential_id: Optional[int]
    identifier: Optional[str] = None
    reason: Optional[str] = None
    #: it may have been sent before (by an earlier run, or a try whose answer was lost): settle it first
    needs_settling: bool = False
    #: committed as ``sending`` in a batch (see :meth:`Journal.claim`) and not sent yet
    claimed: bool = False


@dataclass(frozen=True)
class Problem:
    line: int
    state: str
    reason: str


class Journal:
    """A job's journal at ``path`` for ``action`` (``issue`` or ``void``); created when missing.

    Opening a journal written for another action raises :class:`BulkInputError`.
    """

    def __init__(self, path: Union[str, os.PathLike[str]], action: str) -> None:
        self.path = str(path)
        self.action = action
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            meta = self._meta()
        except sqlite3.DatabaseError as exc:
            raise BulkInputError(f"cannot use {self.path} as a journal: {exc}") from None
        if meta.get("format", FORMAT) != FORMAT:
            raise BulkInputError(f"{self.path} is not a journal of this tool ({meta.get('format')!r})")
        written_for = meta.get("action")
        if written_for is not None and written_for != action:
            raise BulkInputError(f"{self.path} is the journal of a bulk {written_for}, not of a bulk {action}")
        self._in_transaction = False
        self._dirty: Dict[int, JournalRow] = {}

    @classmethod
    def open_existing(cls, path: Union[str, os.PathLike[str]]) -> Journal:
        """An existing journal, whatever its action (for ``bulk status``)."""
        if not os.path.isfile(path):
            raise BulkInputError(f"no journal at {path}")
        try:
            db = sqlite3.connect(f"file:{os.fspath(path)}?mode=ro", uri=True)
            action = dict(db.execute("SELECT key, value FROM meta").fetchall()).get("action")
            db.close()
        except sqlite3.DatabaseError as exc:
            raise BulkInputError(f"cannot read {path} as a journal: {exc}") from None
        if action is None:
            raise BulkInputError(f"{path} is not the journal of a bulk job that has started")
        return cls(path, action)

    def _meta(self) -> Dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    @property
    def input_name(self) -> str:
        return self._meta().get("input", "?")

    # --- the input ------------------------------------------------------------------------------------

    def prepare(self, source: RowSource, schema: RowSchema) -> None:
        """Take the input in (first run), or check that it is the input the journal was written for (rerun).

        Either way the input is read once, a row at a time, before anything is sent: the first run stores every
        row (a bad one as ``failed``, with its reason), a rerun compares the input's digest with the stored one
        and raises :class:`BulkInputError` when they differ. A first run stopped while storing is begun again.
        """
        meta = self._meta()
        if meta.get("complete") == "yes":
            digest = InputDigest()
            for _, raw in source.numbered(schema):
                digest.add(raw)
            if digest.hexdigest() != meta["digest"]:
                raise BulkInputError(
                    f"{self.path} was written for other input ({meta.get('input')}, {meta.get('rows')} rows): "
                    f"{source.name} ({digest.rows} rows) differs; use a new journal for it"
                )
            return
        self._ingest(source, schema)

    def _ingest(self, source: RowSource, schema: RowSchema) -> None:
        digest = InputDigest()
        self._db.execute("BEGIN")
        try:
            self._db.execute("DELETE FROM rows")
            self._db.execute("DELETE FROM meta")
            batch: List[Tuple[Any, ...]] = []
            for line, raw in source.numbered(schema):
                digest.add(raw)
                parsed = schema.parse(line, raw)
                fields = None if parsed.fields is None else json.dumps(parsed.fields)
                state = PENDING if parsed.problem is None else FAILED
                batch.append((digest.rows - 1, line, fields, state, parsed.problem))
                if len(batch) >= _INGEST_BATCH:
                    self._insert(batch)
            self._insert(batch)
            facts = {
                "format": FORMAT,
                "action": self.action,
                "input": source.name,
                "digest": digest.hexdigest(),
                "rows": str(digest.rows),
                "complete": "yes",
            }
            self._db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", facts.items())
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _insert(self, batch: List[Tuple[Any, ...]]) -> None:
        self._db.executemany("INSERT INTO rows (idx, line, fields, state, reason) VALUES (?, ?, ?, ?, ?)", batch)
        batch.clear()

    # --- reading --------------------------------------------------------------------------------------

    def counts(self) -> Dict[str, int]:
        self.flush()
        counted = dict.fromkeys(STATES, 0)
        counted.update(self._db.execute("SELECT state, COUNT(*) FROM rows GROUP BY state").fetchall())
        return counted

    def rows_to_do(self) -> Iterator[JournalRow]:
        """Every ``pending`` or ``sending`` row in input order, read a batch at a time."""
        after = -1
        while True:
            self.flush()
            found = self._db.execute(
                "SELECT idx, line, fields, state, attempts, first_sent, credential_id FROM rows "
                "WHERE state IN (?, ?) AND idx > ? ORDER BY idx LIMIT ?",
                (PENDING, SENDING, after, _READ_BATCH),
            ).fetchall()
            if not found:
                return
            for idx, line, fields, state, attempts, first_sent, credential_id in found:
                row = JournalRow(idx, line, json.loads(fields), state, attempts, first_sent, credential_id)
                row.needs_settling = state == SENDING
                yield row
            after = found[-1][0]

    def problems(self) -> Iterator[Problem]:
        """The failed and unknown rows, in input order, with their reasons."""
        self.flush()
        for line, state, reason in self._db.execute(
            "SELECT line, state, reason FROM rows WHERE state IN (?, ?) ORDER BY idx", (FAILED, UNKNOWN)
        ):
            yield Problem(line, state, reason or "")

    def holder_of(self, credential_id: int, other_than: int) -> Optional[int]:
        """The line of another row that holds this credential, if any."""
        self.flush()
        found = self._db.execute(
            "SELECT line FROM rows WHERE credential_id = ? AND idx != ? LIMIT 1", (credential_id, other_than)
        ).fetchone()
        return None if found is None else int(found[0])

    # --- writing: rows changed are written together by flush(), inside the open transaction; commit() ------

    def _changed(self, row: JournalRow, state: str) -> None:
        row.state = state
        self._dirty[row.idx] = row

    def claim(self, rows: List[JournalRow], server_now: Optional[float]) -> None:
        """Mark rows about to be handed to the workers ``sending``, to commit before any of them is sent: one
        commit for many. A claimed row the job did not send after all goes back with :meth:`mark_not_sent`."""
        for row in rows:
            self.mark_sending(row, server_now)
            row.claimed = True

    def mark_sending(self, row: JournalRow, server_now: Optional[float], credential_id: Optional[int] = None) -> None:
        """The row is about to be sent: commit this before the request goes out."""
        if row.first_sent is None:
            row.first_sent = server_now
        row.attempts += 1
        if credential_id is not None:
            row.credential_id = credential_id
        self._changed(row, SENDING)

    def mark_not_sent(self, row: JournalRow) -> None:
        """The row was not sent, or the server refused it without handling it (429, 401): nothing to settle."""
        row.claimed = row.needs_settling = False
        self._changed(row, PENDING)

    def mark_done(self, row: JournalRow, credential_id: int, identifier: Optional[str]) -> None:
        row.credential_id, row.identifier, row.reason = credential_id, identifier, None
        self._changed(row, DONE)

    def mark_failed(self, row: JournalRow, reason: str) -> None:
        row.reason = f"line {row.line}: {reason}"
        self._changed(row, FAILED)

    def mark_unknown(self, row: JournalRow, reason: str) -> None:
        row.reason = f"line {row.line}: {reason}"
        self._changed(row, UNKNOWN)

    def flush(self) -> None:
        """Write the rows changed since the last flush (one statement for all of them), not yet committed."""
        if not self._dirty:
            return
        if not self._in_transaction:
            self._db.execute("BEGIN")
            self._in_transaction = True
        self._db.executemany(
            "UPDATE rows SET state = ?, attempts = ?, first_sent = ?, credential_id = ?, identifier = ?, reason = ? "
            "WHERE idx = ?",
            [(r.state, r.attempts, r.first_sent, r.credential_id, r.identifier, r.reason, r.idx)
             for r in self._dirty.values()],
        )  # fmt: skip
        self._dirty.clear()

    def commit(self) -> None:
        self.flush()
        if self._in_transaction:
            self._in_transaction = False
            self._db.execute("COMMIT")

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self._db.close()
