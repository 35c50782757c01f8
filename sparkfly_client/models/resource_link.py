from __future__ import annotations

from typing import Optional

from sparkfly_client.models._base import SparkflyModel

__all__ = ["ResourceLink"]


class ResourceLink(SparkflyModel):
    """A link to a related resource. ``rel`` is ``self`` or ``customer`` today; any other value is kept as sent."""

    href: Optional[str] = None
    rel: Optional[str] = None
