from __future__ import annotations

from typing import Optional

from sparkfly_client.models._base import SparkflyModel

__all__ = ["BadRequestObject"]


class BadRequestObject(SparkflyModel):
    """The body of a 400 response."""

    error: Optional[str] = None
    message: Optional[str] = None
