from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from pydantic import ConfigDict, StrictBool, StrictInt, StrictStr
from typing_extensions import Literal

from sparkfly_client.models._base import SparkflyModel

__all__ = ["CredentialInput"]


class CredentialInput(SparkflyModel):
    """Fields of a credential to create or update.

    Types are strict: an id must be an ``int`` (``True`` or ``"12"`` is refused, not sent as 1 or 12)
    and a flag a ``bool``.
    """

    # A request model refuses names it does not know, so a misspelt field fails at once
    # instead of being sent and ignored by the server.
    model_config = ConfigDict(extra="forbid")

    member_id: Optional[StrictInt] = None
    #: the member's external identifier, instead of ``member_id``
    member_identifier: Optional[StrictStr] = None
    offer_id: Optional[StrictInt] = None
    offer_ids: Optional[List[StrictInt]] = None
    channel_id: Optional[StrictInt] = None
    store_id: Optional[StrictInt] = None
    merchant_id: Optional[StrictInt] = None
    campaign_id: Optional[StrictStr] = None
    #: bring your own code instead of letting the server assign one
    identifier: Optional[StrictStr] = None
    type: Optional[Literal["offer", "loyalty"]] = None
    reusable: Optional[StrictBool] = None
    printable: Optional[StrictBool] = None
    annotations: Optional[Union[Dict[str, Any], str]] = None
