from __future__ import annotations

from typing import Optional

from sparkfly_client.models._base import SparkflyModel

__all__ = ["Problem"]


class Problem(SparkflyModel):
    """RFC 7807 problem details, the error body of the customer credential resource."""

    type: Optional[str] = "about:blank"
    title: Optional[str] = None
    status: Optional[int] = None
    detail: Optional[str] = None
    instance: Optional[str] = None
