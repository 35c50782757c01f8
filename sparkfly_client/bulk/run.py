"""The Python entry points: each takes an ``ApiClient`` (and runs the job to its end) or an ``AsyncApiClient``
(and returns a coroutine to await).

With an ``ApiClient`` the job runs on a private event loop in the calling thread, over an ``AsyncApiClient``
made from a copy of the client's configuration (its pool widened to the concurrency), closed at the end.
"""

from __future__ import annotations

import asyncio
import copy
import os
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional, TypeVar, Union, overload

from sparkfly_client import ApiClient, AsyncApiClient
from sparkfly_client.bulk.export import DEFAULT_PER_PAGE, ExportReport, export_job
from sparkfly_client.bulk.jobs import IssueJob, Job, JobReport, VoidJob
from sparkfly_client.bulk.journal import Journal
from sparkfly_client.bulk.progress import make_progress
from sparkfly_client.bulk.rows import ISSUE, VOID, BulkInputError, RowSchema, row_source

__all__ = ["issue_credentials", "void_credentials", "export_credentials", "DEFAULT_CONCURRENCY"]

DEFAULT_CONCURRENCY = 8
#: The most requests a job keeps in flight.
MAX_CONCURRENCY = 256

Rows = Iterable[Mapping[str, Any]]
PathArg = Union[str, "os.PathLike[str]"]
T = TypeVar("T")


class RowJob:
    """A bulk job over rows, called as ``issue_credentials(api_client, rows, journal=..., ...)``: with an
    ``ApiClient`` it runs to its end and returns the :class:`JobReport`; with an ``AsyncApiClient`` it returns a
    coroutine to await."""

    def __init__(self, job_class: Callable[..., Job], schema: RowSchema, doc: str) -> None:
        self._job_class = job_class
        self._schema = schema
        self.__doc__ = doc
        self.__name__ = f"{schema.action}_credentials"

    def __repr__(self) -> str:
        return f"<function sparkfly_client.bulk.{self.__name__}>"

    @overload
    def __call__(
        self, api_client: ApiClient, rows: Rows, *, journal: PathArg, concurrency: int = ..., progress: bool = ...
    ) -> JobReport: ...
    @overload
    def __call__(
        self, api_client: AsyncApiClient, rows: Rows, *, journal: PathArg, concurrency: int = ..., progress: bool = ...
    ) -> Awaitable[JobReport]: ...
    def __call__(
        self,
        api_client: Union[ApiClient, AsyncApiClient],
        rows: Rows,
        *,
        journal: PathArg,
        concurrency: int = DEFAULT_CONCURRENCY,
        progress: bool = False,
    ) -> Union[JobReport, Awaitable[JobReport]]:
        _check_positive("concurrency", concurrency, MAX_CONCURRENCY)

        def start(client: AsyncApiClient) -> Awaitable[JobReport]:
            return _job(self._job_class, self._schema, client, rows, journal, concurrency, progress)

        return _dispatch(api_client, start, concurrency)


issue_credentials = RowJob(
    IssueJob,
    ISSUE,
    """Issue one credential per row, each exactly once across interruptions and reruns (see docs/Bulk.md).

    ``rows``: dicts with ``member_id`` and ``channel_id`` (required), ``offer_id``, ``store_id``, ``identifier``,
    ``member_identifier``, ``campaign_id``, ``reusable``, ``printable``; or ``read_csv(path)``. ``journal``: the
    SQLite file recording each row's state; the same call with the same journal resumes where it stopped.
    ``concurrency``: requests in flight (default 8). ``progress=True`` shows progress on stderr.
    Returns the counts (:class:`JobReport`); with an ``AsyncApiClient``, a coroutine to await for them.
    """,
)
void_credentials = RowJob(
    VoidJob,
    VOID,
    """Void the credential of each row (``id``, or ``identifier``: its active credential), with a journal as
    :func:`issue_credentials` keeps one. Returns the counts (:class:`JobReport`); with an ``AsyncApiClient``, a
    coroutine to await for them.
    """,
)


@overload
def export_credentials(
    api_client: ApiClient, out: PathArg, *, format: Optional[str] = ..., per_page: int = ..., progress: bool = ...,
    **filters: Any,
) -> ExportReport: ...  # fmt: skip
@overload
def export_credentials(
    api_client: AsyncApiClient, out: PathArg, *, format: Optional[str] = ..., per_page: int = ..., progress: bool = ...,
    **filters: Any,
) -> Awaitable[ExportReport]: ...  # fmt: skip
def export_credentials(
    api_client: Union[ApiClient, AsyncApiClient],
    out: PathArg,
    *,
    format: Optional[str] = None,
    per_page: int = DEFAULT_PER_PAGE,
    progress: bool = False,
    **filters: Any,
) -> Union[ExportReport, Awaitable[ExportReport]]:
    """Write every credential matching ``filters`` (those of ``get_credentials``: ``member_id``, ``offer_id``,
    ``identifier``, ``redeemed``, ...) to ``out``, a ``.csv`` or ``.jsonl`` file (or ``format=``), page by page in
    constant memory. It is written to ``out.part`` and renamed when complete; an interrupted export goes on from
    its last page when run again. Returns the count (:class:`ExportReport`)."""
    _check_positive("per_page", per_page, 1000)

    def start(client: AsyncApiClient) -> Awaitable[ExportReport]:
        return export_job(client, out, filters, kind=format, per_page=per_page, progress=make_progress(progress))

    return _dispatch(api_client, start, 1)


async def _job(
    job_class: Callable[..., Job],
    schema: RowSchema,
    client: AsyncApiClient,
    rows: Rows,
    journal_path: PathArg,
    concurrency: int,
    progress: bool,
) -> JobReport:
    source = row_source(rows)
    journal = Journal(journal_path, schema.action)
    try:
        journal.prepare(source, schema)
        return await job_class(client, journal, concurrency, make_progress(progress)).run()
    finally:
        journal.close()


def _dispatch(
    api_client: Any, start: Callable[[AsyncApiClient], Awaitable[T]], connections: int
) -> Union[T, Awaitable[T]]:
    if isinstance(api_client, AsyncApiClient):
        return start(api_client)
    if not isinstance(api_client, ApiClient):
        raise BulkInputError(f"api_client must be an ApiClient or an AsyncApiClient, not {type(api_client).__name__}")
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise BulkInputError("called with an ApiClient inside a running event loop: pass an AsyncApiClient and await")
    return asyncio.run(_on_private_client(api_client, start, connections))


async def _on_private_client(
    api_client: ApiClient, start: Callable[[AsyncApiClient], Awaitable[T]], connections: int
) -> T:
    configuration = copy.deepcopy(api_client.configuration)
    configuration.connection_pool_maxsize = max(configuration.connection_pool_maxsize, connections)
    async with AsyncApiClient(configuration) as client:
        return await start(client)


def _check_positive(name: str, value: Any, most: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise BulkInputError(f"{name} must be a whole number from 1 to {most}, got {value!r}")
