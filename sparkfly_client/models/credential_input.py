from __future__ import annotations

from typing import Any, Dict, Optional, Union

from pydantic import ConfigDict

from sparkfly_client.models._base import SparkflyModel

__all__ = ["CredentialInput"]


class CredentialInput(SparkflyModel):
    """Fields of a credential to create or update."""

    # A request model refuses names it does not know, so a misspelt field fails at once
    # instead of being sent and ignored by the server.
    model_config = ConfigDict(extra="forbid")

    member_id: Optional[int] = None
    offer_id: Optional[int] = None
    channel_id: Optional[int] = None
    store_id: Optional[int] = None
    reusable: Optional[bool] = None
    annotations: Optional[Union[Dict[str, Any], str]] = None
