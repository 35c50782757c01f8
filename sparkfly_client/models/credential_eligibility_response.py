from __future__ import annotations

from typing import Optional

from sparkfly_client.models._base import SparkflyModel

__all__ = ["CredentialEligibilityResponse"]


class CredentialEligibilityResponse(SparkflyModel):
    """Whether a member may get a credential for an offer, and why not."""

    is_eligible: Optional[bool] = None
    status: Optional[str] = None
