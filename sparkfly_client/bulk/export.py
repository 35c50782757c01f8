"""``export``: every credential a search matches, page by page, to a CSV or JSON Lines file, in constant memory.

The file is written under a temporary name beside the target (``FILE.part``) and renamed when complete, so the
target never holds half an export; an interrupted export goes on from its last page on the next run.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Awaitable, Callable, Dict, List, Optional, Union

from sparkfly_client import (
    ApiException,
    ApiTransportError,
    ApiTypeError,
    ApiValueError,
    AsyncApiClient,
    AsyncCredentialsApi,
    Credential,
    TooManyRequestsException,
)
from sparkfly_client.bulk.jobs import MAX_TRIES, BulkJobStopped, another_try_may_pass
from sparkfly_client.bulk.pacing import PauseGate, backoff
from sparkfly_client.bulk.progress import NoProgress, Progress
from sparkfly_client.bulk.rows import BulkInputError

__all__ = ["ExportReport", "export_job", "FORMATS", "SEARCH_FILTERS", "DEFAULT_PER_PAGE"]

FORMATS = ("csv", "jsonl")
#: The filters of ``get_credentials`` an export takes, with their types.
SEARCH_FILTERS: Dict[str, type] = {
    "member_id": int,
    "offer_id": int,
    "store_id": int,
    "identifier": str,
    "channel_id": int,
    "ids": list,
    "redeemed": bool,
    "reusable": bool,
    "inactive_later_than": str,
    "eligible_channel_id": int,
    "credential_type": int,
}
DEFAULT_PER_PAGE = 200


@dataclass
class ExportReport:
    """``exported`` credentials are in ``path``, from ``pages`` pages; an export that went on from an earlier
    run's ``.part`` file took the first ``resumed_after`` pages from it."""

    exported: int
    path: str
    pages: int = 0
    resumed_after: int = 0

    @property
    def exit_code(self) -> int:
        return 0

    def summary(self) -> str:
        return f"exported {self.exported} credentials to {self.path}"


def output_format(path: Union[str, os.PathLike[str]], chosen: Optional[str] = None) -> str:
    """``csv`` or ``jsonl``: as ``chosen``, else from the file name's suffix."""
    kind = chosen or Path(path).suffix.lower().lstrip(".")
    if kind == "json":
        kind = "jsonl"
    if kind not in FORMATS:
        raise BulkInputError(f"cannot tell the format of {os.fspath(path)!r}: name it .csv or .jsonl")
    return kind


class _Writer:
    def __init__(self, file: IO[str], kind: str, header: bool = True) -> None:
        self._file = file
        self._columns: List[str] = list(Credential.model_fields)
        self._csv = csv.DictWriter(file, self._columns, extrasaction="ignore") if kind == "csv" else None
        if self._csv is not None and header:
            self._csv.writeheader()

    def write(self, credential: Credential) -> None:
        data = credential.to_dict()
        if self._csv is None:
            self._file.write(json.dumps(data, separators=(",", ":")) + "\n")
            return
        self._csv.writerow({name: _cell(data.get(name)) for name in self._columns})


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return value


async def export_job(
    client: AsyncApiClient,
    out: Union[str, os.PathLike[str]],
    filters: Dict[str, Any],
    *,
    kind: Optional[str] = None,
    per_page: int = DEFAULT_PER_PAGE,
    progress: Optional[Progress] = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> ExportReport:
    """Write every credential matching ``filters`` to ``out``; see :func:`sparkfly_client.bulk.export_credentials`.

    The credentials go to ``out.part``, and after each page what has been written is recorded in
    ``out.part.state``; the file is renamed to ``out`` once complete. A run that finds both from an export with
    the same filters, page size and format goes on after the last page written, once that page still ends with
    the same credential (else the data moved under it, and it starts over).
    """
    kind = output_format(out, kind)
    unknown = sorted(set(filters) - set(SEARCH_FILTERS))
    if unknown:
        raise BulkInputError(f"unknown search filter {', '.join(unknown)}; export takes {', '.join(SEARCH_FILTERS)}")
    shown = progress or NoProgress()
    api = AsyncCredentialsApi(client)
    target = Path(out)
    partial, state_file = target.with_name(target.name + ".part"), target.with_name(target.name + ".part.state")
    settings = {"filters": {k: _jsonable(v) for k, v in sorted(filters.items())}, "per_page": per_page, "kind": kind}
    gate = PauseGate()

    async def fetch(page: int) -> Any:
        failures = 0
        while True:
            await gate.wait()
            try:
                return await api.get_credentials(page=page, per_page=per_page, **filters)
            except TooManyRequestsException as exc:
                gate.pause(exc.retry_after)
            except (ApiTypeError, ApiValueError) as exc:  # a filter the client refuses: nothing was sent
                raise BulkInputError(str(exc)) from None
            except (ApiTransportError, ApiException) as exc:
                failures += 1
                if (isinstance(exc, ApiException) and not another_try_may_pass(exc)) or failures >= MAX_TRIES:
                    raise BulkJobStopped(f"page {page} failed: {str(exc).splitlines()[0]}") from None
                await sleep(backoff(failures))

    state = await _resumable(state_file, partial, settings, fetch)
    report = ExportReport(state.get("exported", 0), os.fspath(out), state.get("pages", 0))
    report.resumed_after = report.pages
    page, pages, last_first = report.pages + 1, None, None
    try:
        with open(partial, "r+" if report.pages else "w", newline="", encoding="utf-8") as file:
            file.truncate(state.get("offset", 0))
            file.seek(state.get("offset", 0))
            writer = _Writer(file, kind, header=not report.pages)
            while pages is None or page <= pages:
                found = await fetch(page)
                items = [item.credential for item in found.credentials or [] if item.credential is not None]
                if items and items[0].id == last_first:  # a server that ignores ``page``: stop, never loop
                    break
                last_first = items[0].id if items else None
                if pages is None:
                    pages = (
                        found.total_pages if found.total_pages is not None else _pages(found.total_entries, per_page)
                    )
                    shown.start("export", found.total_entries, report.exported, unit="credentials")
                for credential in items:
                    writer.write(credential)
                file.flush()
                report.exported += len(items)
                report.pages = page
                shown.advance(len(items))
                if items:
                    _save(state_file, {**settings, "pages": page, "exported": report.exported, "offset": file.tell(),
                                       "last_id": items[-1].id})  # fmt: skip
                if not items or (found.total_pages is None and found.total_entries is None and len(items) < per_page):
                    break
                page += 1
        os.replace(partial, target)
        state_file.unlink(missing_ok=True)
    finally:
        shown.close()
    return report


async def _resumable(
    state_file: Path, partial: Path, settings: Dict[str, Any], fetch: Callable[[int], Awaitable[Any]]
) -> Dict[str, Any]:
    """What an earlier run of the same export left to go on from, or ``{}`` to start afresh."""
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or not isinstance(state.get("pages"), int) or state["pages"] < 1:
        return {}
    if not partial.is_file() or any(state.get(k) != v for k, v in settings.items()):
        return {}
    if partial.stat().st_size < state.get("offset", 0):
        return {}
    last = await fetch(state["pages"])
    items = [item.credential for item in last.credentials or [] if item.credential is not None]
    return state if items and items[-1].id == state.get("last_id") else {}


def _save(state_file: Path, state: Dict[str, Any]) -> None:
    written = state_file.with_name(state_file.name + ".new")
    written.write_text(json.dumps(state), encoding="utf-8")
    os.replace(written, state_file)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _pages(total_entries: Optional[int], per_page: int) -> Optional[int]:
    return None if total_entries is None else -(-total_entries // per_page)
