"""The journal of a bulk job: one SQLite file (the standard library's) holding every input row and its state.

A row is ``pending`` (never sent), ``sending`` (sent, its outcome not known: settled before anything is resent),
``done``, ``failed`` (never sent again; the reason is kept) or ``unknown`` (the outcome cannot be told; listed,
never resent). The journal runs in WAL mode with ``synchronous=NORMAL``: a committed transaction survives the
process being killed at any moment (a power cut may lose the last ones). Writes go into one open transaction that
:meth:`Journal.commit` ends; the job commits a row's ``sending`` state before its request goes out, and other
changes in batches (a lost outcome only means the row is settled again on the next run).

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
CREATE INDEX IF NOT EXISTS rows_by_state ON rows (state, idx);
CREATE INDEX IF NOT EXISTS rows_by_credential ON rows (credential_id) WHERE credential_id IS NOT NULL;
"""


@dataclass
class JournalRow:
    """A row still to do, as the job works on it."""

    idx: int
    line: int
    fields: Dict[str, Any]
    state: str
    attempts: int
    first_sent: Optional[float]
    credential_id: Optional[int]


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
        counted = dict.fromkeys(STATES, 0)
        counted.update(self._db.execute("SELECT state, COUNT(*) FROM rows GROUP BY state").fetchall())
        return counted

    def rows_to_do(self) -> Iterator[JournalRow]:
        """Every ``pending`` or ``sending`` row in input order, read a batch at a time."""
        after = -1
        while True:
            found = self._db.execute(
                "SELECT idx, line, fields, state, attempts, first_sent, credential_id FROM rows "
                "WHERE state IN (?, ?) AND idx > ? ORDER BY idx LIMIT ?",
                (PENDING, SENDING, after, _READ_BATCH),
            ).fetchall()
            if not found:
                return
            for idx, line, fields, state, attempts, first_sent, credential_id in found:
                yield JournalRow(idx, line, json.loads(fields), state, attempts, first_sent, credential_id)
            after = found[-1][0]

    def problems(self) -> Iterator[Problem]:
        """The failed and unknown rows, in input order, with their reasons."""
        for line, state, reason in self._db.execute(
            "SELECT line, state, reason FROM rows WHERE state IN (?, ?) ORDER BY idx", (FAILED, UNKNOWN)
        ):
            yield Problem(line, state, reason or "")

    def holder_of(self, credential_id: int, other_than: int) -> Optional[int]:
        """The line of another row that holds this credential, if any."""
        found = self._db.execute(
            "SELECT line FROM rows WHERE credential_id = ? AND idx != ? LIMIT 1", (credential_id, other_than)
        ).fetchone()
        return None if found is None else int(found[0])

    # --- writing (inside the open transaction; commit() makes it durable) -----------------------------

    def _write(self, sql: str, args: Tuple[Any, ...]) -> None:
        if not self._in_transaction:
            self._db.execute("BEGIN")
            self._in_transaction = True
        self._db.execute(sql, args)

    def mark_sending(self, row: JournalRow, server_now: Optional[float], credential_id: Optional[int] = None) -> None:
        """The row is about to be sent: commit this before the request goes out."""
        if row.first_sent is None:
            row.first_sent = server_now
        row.attempts += 1
        row.state = SENDING
        if credential_id is not None:
            row.credential_id = credential_id
        self._write(
            "UPDATE rows SET state = ?, attempts = ?, first_sent = ?, credential_id = ? WHERE idx = ?",
            (SENDING, row.attempts, row.first_sent, row.credential_id, row.idx),
        )

    def mark_not_sent(self, row: JournalRow) -> None:
        """The server refused the request without handling it (429, 401): nothing to settle."""
        row.state = PENDING
        self._write("UPDATE rows SET state = ? WHERE idx = ?", (PENDING, row.idx))

    def mark_done(self, row: JournalRow, credential_id: int, identifier: Optional[str]) -> None:
        row.state = DONE
        self._write(
            "UPDATE rows SET state = ?, credential_id = ?, identifier = ?, reason = NULL WHERE idx = ?",
            (DONE, credential_id, identifier, row.idx),
        )

    def mark_failed(self, row: JournalRow, reason: str) -> None:
        row.state = FAILED
        self._write(
            "UPDATE rows SET state = ?, reason = ? WHERE idx = ?", (FAILED, f"line {row.line}: {reason}", row.idx)
        )

    def mark_unknown(self, row: JournalRow, reason: str) -> None:
        row.state = UNKNOWN
        self._write(
            "UPDATE rows SET state = ?, reason = ? WHERE idx = ?", (UNKNOWN, f"line {row.line}: {reason}", row.idx)
        )

    def commit(self) -> None:
        if self._in_transaction:
            self._in_transaction = False
            self._db.execute("COMMIT")

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self._db.close()
