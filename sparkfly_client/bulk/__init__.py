"""Bulk jobs over the Sparkfly Credentials API: issue or void a credential per row of a file, each exactly once
across interruptions and reruns, and export every credential a search matches. See docs/Bulk.md.

    from sparkfly_client.bulk import issue_credentials, read_csv
    report = issue_credentials(api_client, read_csv("rows.csv"), journal="run.db")

From a shell: ``python -m sparkfly_client bulk issue rows.csv --journal run.db``. Needs the ``async`` extra
(the jobs run on the async client); the ``cli`` extra adds it and a progress bar. ``import sparkfly_client``
never loads this package.
"""

from __future__ import annotations

from sparkfly_client.bulk.export import ExportReport
from sparkfly_client.bulk.jobs import BulkJobStopped, JobReport
from sparkfly_client.bulk.rows import BulkInputError, CsvRows, read_csv
from sparkfly_client.bulk.run import export_credentials, issue_credentials, void_credentials

__all__ = [
    "BulkInputError",
    "BulkJobStopped",
    "CsvRows",
    "ExportReport",
    "JobReport",
    "export_credentials",
    "issue_credentials",
    "read_csv",
    "void_credentials",
]
