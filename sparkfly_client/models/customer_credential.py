from __future__ import annotations

from typing import List, Optional

from pydantic import ConfigDict, Field

from sparkfly_client.models._base import Secret, SparkflyModel, Timestamp
from sparkfly_client.models.resource_link import ResourceLink

__all__ = ["CustomerCredential"]


class CustomerCredential(SparkflyModel):
    """A customer's login credential as the API returns it (the password is never returned).

    Fields are optional on decoding so a response missing one still decodes; unknown fields are kept.
    """

    # It may hold an echoed password: a validation error must not repeat the input.
    model_config = ConfigDict(hide_input_in_errors=True)

    id: Optional[str] = None
    username: Optional[str] = None
    customer_id: Optional[str] = Field(default=None, alias="customerId")
    expired_time: Optional[Timestamp] = Field(default=None, alias="expiredTime")
    links: Optional[List[ResourceLink]] = Field(default=None, alias="_links")
    # Not part of the response; declared so a server that echoes it anyway has it masked like any secret.
    password: Optional[Secret] = Field(default=None, repr=False)
