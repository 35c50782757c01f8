from __future__ import annotations

from typing import Optional

from sparkfly_client.models._base import SparkflyModel

__all__ = ["InvalidField"]


class InvalidField(SparkflyModel):
    """One rejected field of a 422 response; nested fields use dot notation (``subObject.field2``)."""

    field: Optional[str] = None
    message: Optional[str] = None
