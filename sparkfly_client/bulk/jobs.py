"""The bulk jobs on the async client: a pool of workers sends the journal's rows, each exactly once.

Every row goes: (settle, if it may have been sent before) -> mark ``sending`` and commit -> send -> record the
outcome. A 429 pauses every worker for the wait the server asks and is never a failure; a 401 or 403 stops the
job (the credentials are wrong for every row); a failure that may be the network's or the server's is tried
again, after settling, with a growing wait, and stops the job when a row keeps failing.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List, Optional, TypeVar

from sparkfly_client import (
    ApiException,
    ApiTransportError,
    AsyncApiClient,
    AsyncCredentialsApi,
    CredentialInput,
    CredentialInputRequest,
    ForbiddenException,
    OpenApiException,
    ResponseDecodeError,
    TooManyRequestsException,
    UnauthorizedException,
)
from sparkfly_client.bulk.journal import DONE, FAILED, PENDING, SENDING, UNKNOWN, Journal, JournalRow
from sparkfly_client.bulk.pacing import GroupCommit, KeyedLocks, PauseGate, backoff
from sparkfly_client.bulk.progress import NoProgress, Progress
from sparkfly_client.bulk.settle import ISSUED, NOT_ISSUED, ServerClock, search_for, settle_issue

__all__ = ["JobReport", "BulkJobStopped", "IssueJob", "VoidJob", "MAX_TRIES", "another_try_may_pass"]

#: Tries of one row whose request failed on the network or the server (5xx) before the job stops.
MAX_TRIES = 6
#: Rows claimed with one commit, per worker: more means fewer commits, and more rows settled after a crash.
HAND_OUT_PER_WORKER = 4
#: Failed and unknown rows a report lists (``bulk status`` lists every one).
MAX_LISTED = 1000
_CREDENTIAL_FIELDS = ("member_id", "channel_id", "offer_id", "store_id", "identifier", "member_identifier",
                      "campaign_id", "reusable")  # fmt: skip
_LOCKED = "locked for processing"
T = TypeVar("T")


async def _collect(items: AsyncIterator[T]) -> List[T]:
    return [item async for item in items]


class BulkJobStopped(OpenApiException):
    """The job stopped before every row was done: the credentials were refused, or a row kept failing. The
    journal holds where it stopped; running the job again with it resumes there. ``report`` has the counts."""

    def __init__(self, message: str, report: Optional[JobReport] = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class JobReport:
    """The counts of a bulk issue or void run. ``done`` rows were issued (voided) by this run,
    ``already_done`` were before it; ``failed`` and ``unknown`` count the whole journal, and ``problems`` lists
    the first MAX_LISTED of those rows with their reasons."""

    action: str
    journal: str
    total: int = 0
    done: int = 0
    already_done: int = 0
    failed: int = 0
    unknown: int = 0
    pending: int = 0
    #: rows whose earlier request was settled by a search in this run, and how many of them had been issued
    settled: int = 0
    adopted: int = 0
    #: 429 answers waited out
    rate_limited: int = 0
    problems: List[str] = field(default_factory=list)

    @property
    def issued(self) -> int:
        return self.done

    @property
    def voided(self) -> int:
        return self.done

    @property
    def complete(self) -> bool:
        """Every row is done."""
        return self.done + self.already_done == self.total

    @property
    def exit_code(self) -> int:
        return 0 if self.complete else 1

    def summary(self) -> str:
        verb = "issued" if self.action == "issue" else "voided"
        line = f"{verb} {self.done}, already done {self.already_done}, failed {self.failed}, unknown {self.unknown}"
        if self.pending:
            line += f", not finished {self.pending}"
        return f"{line} (journal {self.journal})"


class _RateLimited(Exception):
    def __init__(self, wait: Optional[float]) -> None:
        self.wait = wait


class _RowFailed(Exception):
    """The server refused what the row asked for; retrying cannot help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Transient(Exception):
    """The try failed in a way another try may not; the row's state says whether to settle first. With
    ``row_reason``, a row that keeps failing so is recorded as failed for it instead of stopping the job."""

    def __init__(self, cause: BaseException, row_reason: Optional[str] = None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.row_reason = row_reason


def another_try_may_pass(exc: ApiException) -> bool:
    """Whether another try may get another answer: a timeout (408), a server error (5xx), an answer that could
    not be read (for a create: settled like a lost answer)."""
    return isinstance(exc, ResponseDecodeError) or exc.status == 408 or (exc.status or 500) >= 500


def _message(exc: ApiException) -> str:
    return exc.server_message or str(exc).splitlines()[0]


class Job:
    """What issue and void share: the workers, the journal's commits, the 429 pause, retries and counts."""

    action = ""

    def __init__(
        self,
        client: AsyncApiClient,
        journal: Journal,
        concurrency: int = 8,
        progress: Optional[Progress] = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.api = AsyncCredentialsApi(client)
        self.journal = journal
        self.concurrency = concurrency
        self.progress = progress or NoProgress()
        self.sleep = sleep
        self.clock = ServerClock()
        self.gate = PauseGate()
        self.group = GroupCommit(journal.commit)
        self.report = JobReport(self.action, journal.path)
        self.claimed: Dict[int, JournalRow] = {}  # rows handed out as ``sending`` and not sent yet

    async def run(self) -> JobReport:
        counts = self.journal.counts()
        self.report.total = sum(counts.values())
        self.report.already_done = counts[DONE]
        self.progress.start(self.action, self.report.total, self.report.total - counts[PENDING] - counts[SENDING])
        try:
            if counts[PENDING] or counts[SENDING]:
                await self._probe()
                await self._work()
        except BaseException as exc:
            self._finish()
            if isinstance(exc, BulkJobStopped):
                exc.report = self.report
            raise
        self._finish()
        return self.report

    async def _probe(self) -> None:
        """One small search before any row: the server's clock, and a refusal of the credentials, come first."""
        try:
            answer = await self._persist(
                "the first request", lambda: self._read(lambda: self.api.get_credentials_with_http_info(per_page=1))
            )
        except _RowFailed as failure:
            raise BulkJobStopped(f"the first request failed: {failure.reason}") from None
        self.clock.observe(answer.headers)

    async def _read(self, call: Callable[[], Awaitable[T]]) -> T:
        """A request that changes nothing, once the 429 pause is over; its failures as :meth:`_row` takes them."""
        await self.gate.wait()
        try:
            return await call()
        except TooManyRequestsException as exc:
            raise _RateLimited(exc.retry_after) from None
        except (UnauthorizedException, ForbiddenException) as exc:
            raise BulkJobStopped(f"the server refused the credentials: {exc}") from None
        except ApiException as exc:
            if another_try_may_pass(exc):
                raise _Transient(exc) from None
            raise _RowFailed(f"the server refused a search (HTTP {exc.status}): {_message(exc)}") from None
        except ApiTransportError as exc:
            raise _Transient(exc) from None

    async def _work(self) -> None:
        queue: asyncio.Queue[Optional[JournalRow]] = asyncio.Queue(maxsize=2 * self.concurrency)

        async def feed() -> None:
            batch: List[JournalRow] = []
            for row in self.journal.rows_to_do():
                batch.append(row)
                if len(batch) >= HAND_OUT_PER_WORKER * self.concurrency:
                    await self._hand_out(batch, queue)
            await self._hand_out(batch, queue)
            for _ in range(self.concurrency):
                await queue.put(None)

        async def work() -> None:
            while True:
                row = await queue.get()
                if row is None:
                    return
                await self._row(row)
                self.progress.advance()

        tasks = [asyncio.ensure_future(feed())] + [asyncio.ensure_future(work()) for _ in range(self.concurrency)]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _hand_out(self, batch: List[JournalRow], queue: asyncio.Queue[Optional[JournalRow]]) -> None:
        """Claim the batch's new rows with one commit (see :meth:`Journal.claim`), then queue every row."""
        fresh = [row for row in batch if row.state == PENDING]
        self.journal.claim(fresh, self.clock.now())
        self.journal.commit()
        self.claimed.update((row.idx, row) for row in fresh)
        for row in batch:
            await queue.put(row)
        batch.clear()

    async def _row(self, row: JournalRow) -> None:
        """Take one row to an end state (done, failed or unknown), trying again as long as that can help."""
        try:
            await self._persist(f"line {row.line}", lambda: self.attempt(row))
        except _RowFailed as failure:
            self.journal.mark_failed(row, failure.reason)
        except _Transient as failure:
            assert failure.row_reason is not None
            self.journal.mark_failed(row, failure.row_reason)

    async def _persist(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """``attempt()`` until it ends: after a 429 once the pause is over, after another failure with a growing
        wait, up to MAX_TRIES failures in a row (then the job stops, or the failure is the row's own)."""
        failures = 0
        while True:
            try:
                return await attempt()
            except _RateLimited as limited:
                self.report.rate_limited += 1
                self.gate.pause(limited.wait)
            except _Transient as failure:
                failures += 1
                if failures >= MAX_TRIES:
                    if failure.row_reason is not None:
                        raise
                    raise BulkJobStopped(
                        f"{what} failed {failures} times in a row, last: {failure}; "
                        "run the job again with the same journal to resume"
                    ) from None
                await self.sleep(backoff(failures))

    async def attempt(self, row: JournalRow) -> None:
        raise NotImplementedError

    async def _send(
        self, row: JournalRow, request: Callable[[], Awaitable[Any]], credential_id: Optional[int] = None
    ) -> Any:
        """Mark the row ``sending``, commit, send; the answer, or the right exception for :meth:`_row`."""
        await self.gate.wait()
        was_claimed, row.claimed = row.claimed, False
        self.claimed.pop(row.idx, None)
        if not was_claimed or credential_id not in (None, row.credential_id):  # else committed when handed out
            self.journal.mark_sending(row, self.clock.now(), credential_id)
            await self.group.commit()
        row.needs_settling = True  # from here on it may have reached the server
        try:
            answer = await request()
        except TooManyRequestsException as exc:
            self.journal.mark_not_sent(row)  # refused unhandled: nothing to settle
            raise _RateLimited(exc.retry_after) from None
        except (UnauthorizedException, ForbiddenException) as exc:
            self.journal.mark_not_sent(row)
            raise BulkJobStopped(f"the server refused the credentials: {exc}") from None
        except ApiTransportError as exc:
            if not exc.request_sent:
                self.journal.mark_not_sent(row)
            raise _Transient(exc) from None
        except ApiException as exc:
            if another_try_may_pass(exc):
                raise _Transient(exc) from None
            raise
        self.clock.observe(answer.headers)
        return answer

    def _failed(self, row: JournalRow, exc: ApiException) -> None:
        self.journal.mark_failed(row, f"the server refused it (HTTP {exc.status}): {_message(exc)}")

    def _finish(self) -> None:
        for row in self.claimed.values():  # handed out, never sent: nothing to settle on the next run
            if row.claimed and row.state == SENDING:
                self.journal.mark_not_sent(row)
        self.journal.commit()
        counts = self.journal.counts()
        self.report.failed, self.report.unknown = counts[FAILED], counts[UNKNOWN]
        self.report.pending = counts[PENDING] + counts[SENDING]
        self.report.done = counts[DONE] - self.report.already_done
        self.report.problems = [f"{p.state}: {p.reason}" for p in itertools.islice(self.journal.problems(), MAX_LISTED)]
        self.progress.close()


class IssueJob(Job):
    """``issue``: one credential per row (``create_credential``)."""

    action = "issue"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locks = KeyedLocks()

    async def attempt(self, row: JournalRow) -> None:
        member = row.fields["member_id"]
        if row.needs_settling and await self._settled(row):
            return
        fields = row.fields
        request = CredentialInputRequest(
            credential=CredentialInput(**{name: fields[name] for name in _CREDENTIAL_FIELDS if name in fields}),
            **({"printable": fields["printable"]} if "printable" in fields else {}),
        )
        async with self.locks.shared(member):
            try:
                answer = await self._send(
                    row, lambda: self.api.create_credential_with_http_info(request, _settle=False)
                )  # the journal settles a lost answer itself, once, with what it knows of every row
            except ApiException as exc:
                self._failed(row, exc)
                return
        credential = answer.data.credential
        self.journal.mark_done(row, credential.id, credential.identifier)

    async def _settled(self, row: JournalRow) -> bool:
        """Search for the credential of a row that may have been issued already; ``True`` when that decides it."""
        async with self.locks.exclusive(row.fields["member_id"]):
            search = search_for(row.fields)
            found = await self._read(
                lambda: _collect(item.credential async for item in self.api.iter_credentials(per_page=100, **search))
            )
            settlement = settle_issue(
                row.fields,
                (c for c in found if c is not None),
                lambda i: self.journal.holder_of(i, row.idx),
                row.first_sent,
            )
        self.report.settled += 1
        if settlement.verdict == ISSUED:
            assert settlement.credential is not None
            self.report.adopted += 1
            self.journal.mark_done(row, settlement.credential.id, settlement.credential.identifier)
            return True
        if settlement.verdict == NOT_ISSUED:
            return False
        self.journal.mark_unknown(row, settlement.reason)
        return True


class VoidJob(Job):
    """``void``: void the credential of each row, by ``id`` or by the active credential of its ``identifier``."""

    action = "void"

    async def attempt(self, row: JournalRow) -> None:
        credential_id = row.credential_id or row.fields.get("id")
        if credential_id is None:
            credential_id = await self._resolve(row)
            if credential_id is None:
                return
        try:
            # The resolved id is committed with the mark, so a rerun voids that credential (voiding twice is safe).
            await self._send(row, lambda: self.api.void_credential_with_http_info(credential_id), credential_id)
        except ApiException as exc:
            if exc.status == 422 and _LOCKED in (exc.server_message or ""):
                reason = f"the credential stayed locked for processing over {MAX_TRIES} tries: {exc.server_message}"
                raise _Transient(exc, reason) from None
            self._failed(row, exc)
            return
        self.journal.mark_done(row, credential_id, row.fields.get("identifier"))

    async def _resolve(self, row: JournalRow) -> Optional[int]:
        identifier = row.fields["identifier"]
        found = await self._read(lambda: self.api.find_active_credential(identifier))
        if found is None:
            self.journal.mark_failed(row, f"no active credential has the identifier {identifier!r}")
            return None
        return found.credential.id
