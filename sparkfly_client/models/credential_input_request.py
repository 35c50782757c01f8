from __future__ import annotations

from typing import Optional

from pydantic import ConfigDict, StrictBool

from sparkfly_client.models._base import SparkflyModel
from sparkfly_client.models.credential_input import CredentialInput

__all__ = ["CredentialInputRequest"]


class CredentialInputRequest(SparkflyModel):
    """The body of create and update: the credential's fields and whether it is printable."""

    model_config = ConfigDict(extra="forbid")

    credential: Optional[CredentialInput] = None
    printable: Optional[StrictBool] = None
