"""The rows of a bulk job: reading a CSV file or taking dicts, checking each row's fields, the input's digest.

A row arrives as a dict of column name to value (text from a CSV file; text, ``int`` or ``bool`` from Python).
:class:`RowSchema` turns it into the request fields the job sends, or into the reason it cannot be sent.
Nothing here talks to the server.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, Mapping, Optional, Sequence, Tuple, Union

from sparkfly_client.exceptions import ApiValueError

__all__ = [
    "BulkInputError",
    "Column",
    "CsvRows",
    "ISSUE",
    "InputDigest",
    "ParsedRow",
    "RowSchema",
    "RowSource",
    "VOID",
    "read_csv",
    "row_source",
]


class BulkInputError(ApiValueError):
    """The input cannot be used as given (an unreadable file, an unknown column, a journal written for other
    input, a bad setting); raised before anything is sent."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "int" (a positive whole number), "str" or "bool"
    required: bool = False


@dataclass(frozen=True)
class ParsedRow:
    """One input row: where it was, its request fields (``None`` when it cannot be sent) and why not."""

    line: int
    fields: Optional[Dict[str, Any]]
    problem: Optional[str] = None


_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


class RowSchema:
    """The columns a job takes. ``one_of`` names columns of which each row must fill at least one."""

    def __init__(self, action: str, columns: Sequence[Column], one_of: Sequence[str] = ()) -> None:
        self.action = action
        self.columns = {column.name: column for column in columns}
        self.one_of = tuple(one_of)

    def check_columns(self, names: Iterable[Optional[str]], where: str) -> None:
        """Refuse a header (or a dict's keys) with a column this job does not know, or without a required one."""
        given = list(names)
        unknown = [name for name in given if name not in self.columns]
        if unknown:
            shown = ", ".join(repr(name) for name in unknown)
            raise BulkInputError(f"{where}: unknown column {shown}; {self.action} takes {', '.join(self.columns)}")
        if len(set(given)) != len(given):
            twice = sorted({name for name in given if given.count(name) > 1 and name is not None})
            raise BulkInputError(f"{where}: column {', '.join(twice)} appears more than once")

    def check_header(self, names: Sequence[str], where: str) -> None:
        self.check_columns(names, where)
        missing = [column.name for column in self.columns.values() if column.required and column.name not in names]
        if missing:
            raise BulkInputError(f"{where}: the header has no column {', '.join(missing)}, which every row needs")
        if self.one_of and not set(self.one_of) & set(names):
            raise BulkInputError(f"{where}: the header needs a column {' or '.join(self.one_of)}")

    def parse(self, line: int, raw: Mapping[str, Any]) -> ParsedRow:
        """The row's request fields, or the first thing wrong with it (naming its line)."""
        extra = raw.get(None)  # type: ignore[call-overload]
        if extra is not None:
            return ParsedRow(line, None, f"line {line}: {len(extra)} more cells than the header has columns")
        fields: Dict[str, Any] = {}
        for column in self.columns.values():
            value = raw.get(column.name)
            try:
                parsed = _parse_value(column.kind, value)
            except ValueError as exc:
                return ParsedRow(line, None, f"line {line}: {column.name} {exc}, got {_shown(value)}")
            if parsed is None:
                if column.required:
                    return ParsedRow(line, None, f"line {line}: {column.name} is missing")
                continue
            fields[column.name] = parsed
        if self.one_of and not any(name in fields for name in self.one_of):
            return ParsedRow(line, None, f"line {line}: needs {' or '.join(self.one_of)}")
        return ParsedRow(line, fields)


def _parse_value(kind: str, value: Any) -> Any:
    """The value as the request sends it; ``None`` for an empty cell. ``ValueError`` says what it should be."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError("must be a whole number")
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise ValueError("must be a positive whole number")
        return int(text)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        word = value.strip().lower() if isinstance(value, str) else None
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueError("must be true or false")
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value.strip()


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


ISSUE = RowSchema(
    "issue",
    (
        Column("member_id", "int", required=True),
        Column("channel_id", "int", required=True),
        Column("offer_id", "int"),
        Column("store_id", "int"),
        Column("identifier", "str"),
        Column("member_identifier", "str"),
        Column("campaign_id", "str"),
        Column("reusable", "bool"),
        Column("printable", "bool"),
    ),
)
VOID = RowSchema("void", (Column("id", "int"), Column("identifier", "str")), one_of=("id", "identifier"))


# --- where rows come from ----------------------------------------------------------------------------


class RowSource:
    """Rows as ``(line, dict)`` pairs with a name for messages; :class:`CsvRows` reads a file, others wrap dicts."""

    name = "rows"

    def numbered(self, schema: RowSchema) -> Iterator[Tuple[int, Mapping[str, Any]]]:
        raise NotImplementedError


class CsvRows(RowSource):
    """A CSV file with a header line, read as it is iterated (one row in memory at a time).

    Iterating gives each row as a dict of column name to text; :func:`issue_credentials` and
    :func:`void_credentials` also learn each row's line number from it. ``read_csv(path)`` makes one.
    """

    def __init__(self, path: Union[str, os.PathLike[str]]) -> None:
        self.path = Path(path)
        self.name = str(path)

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        for _, row in self._read(None):
            yield row

    def numbered(self, schema: RowSchema) -> Iterator[Tuple[int, Mapping[str, Any]]]:
        return self._read(schema)

    def _read(self, schema: Optional[RowSchema]) -> Iterator[Tuple[int, Dict[str, Any]]]:
        try:
            with open(self.path, newline="", encoding="utf-8-sig") as file:
                reader = csv.DictReader(file)
                header = reader.fieldnames
                if not header:
                    raise BulkInputError(f"{self.name}: the file is empty; it needs a header line naming its columns")
                if schema is not None:
                    schema.check_header([name.strip() for name in header], self.name)
                reader.fieldnames = [name.strip() for name in header]
                start = reader.line_num + 1
                for row in reader:  # cells beyond the header's columns are under the key None: the row is refused
                    yield start, row
                    start = reader.line_num + 1
        except OSError as exc:
            raise BulkInputError(f"cannot read {self.name}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise BulkInputError(f"cannot read {self.name}: it is not UTF-8 text") from None
        except csv.Error as exc:
            raise BulkInputError(f"cannot read {self.name}: {exc}") from None


class _DictRows(RowSource):
    """Rows given from Python: any iterable of dicts, numbered from 1 (their "line" in messages)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self._rows = rows

    def numbered(self, schema: RowSchema) -> Iterator[Tuple[int, Mapping[str, Any]]]:
        checked: Tuple[Any, ...] = ()  # the columns of the last row: rows tend to share them
        for number, row in enumerate(self._rows, start=1):
            if type(row) is not dict and not isinstance(row, Mapping):
                raise BulkInputError(f"row {number} is a {type(row).__name__}, not a dict of column to value")
            columns = tuple(row)
            if columns != checked:
                schema.check_columns(columns, f"row {number}")
                checked = columns
            yield number, row


def read_csv(path: Union[str, os.PathLike[str]]) -> CsvRows:
    """The rows of a CSV file with a header line, read as they are needed (see :class:`CsvRows`)."""
    return CsvRows(path)


def row_source(rows: Any) -> RowSource:
    """A :class:`RowSource` for what a caller passed as ``rows``."""
    if isinstance(rows, RowSource):
        return rows
    if isinstance(rows, (str, bytes, os.PathLike)):
        raise BulkInputError("rows must be an iterable of dicts; for a CSV file pass read_csv(path)")
    if isinstance(rows, Mapping) or not isinstance(rows, Iterable):
        raise BulkInputError(f"rows must be an iterable of dicts, not a {type(rows).__name__}")
    return _DictRows(rows)


class InputDigest:
    """SHA-256 of the input's content, row by row: the column names and values of each row, in order.

    A copy of the file, or the file moved elsewhere, has the same digest; a changed value, an added, removed
    or reordered row does not. A journal keeps it and refuses input whose digest differs.
    """

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.rows = 0

    def add(self, row: Mapping[str, Any]) -> None:
        cells = {
            str(name): value.strip() if type(value) is str else _digest_value(value) for name, value in row.items()
        }
        self._hash.update(json.dumps(cells, sort_keys=True, separators=(",", ":")).encode())
        self._hash.update(b"\n")
        self.rows += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _digest_value(value: Any) -> Any:
    # The same cell read from a CSV file ("12") or given from Python (12) is the same input.
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, str)):
        return str(value).strip()
    if isinstance(value, list):
        return [_digest_value(item) for item in value]
    return repr(value)
