from __future__ import annotations

from typing import List, Optional

from sparkfly_client.models._base import SparkflyModel
from sparkfly_client.models.credential_response import CredentialResponse

__all__ = ["CredentialList"]


class CredentialList(SparkflyModel):
    """One page of credentials and where it stands among all pages."""

    page: Optional[int] = None
    per_page: Optional[int] = None
    total_entries: Optional[int] = None
    total_pages: Optional[int] = None
    credentials: Optional[List[CredentialResponse]] = None
