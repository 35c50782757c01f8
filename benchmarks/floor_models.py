"""Plain pydantic models equal in shape to the SDK's: the decoding half of the floor.

Same fields and types as ``sparkfly_client.models``, with pydantic's default configuration and
plain ``datetime``: what anyone would write by hand to decode these bodies. The credential and its
response are those of ``floor_credential``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from floor_credential import FloorCredential, FloorCredentialResponse
from pydantic import BaseModel, ConfigDict

__all__ = [
    "FloorCredential",
    "FloorCredentialResponse",
    "FloorCredentialList",
    "FloorCredentialInput",
    "FloorCredentialInputRequest",
    "KeepingCredential",
    "KeepingCredentialResponse",
    "KeepingCredentialList",
]


class FloorCredentialList(BaseModel):
    page: Optional[int] = None
    per_page: Optional[int] = None
    total_entries: Optional[int] = None
    total_pages: Optional[int] = None
    credentials: Optional[List[FloorCredentialResponse]] = None


class FloorCredentialInput(BaseModel):
    member_id: Optional[int] = None
    member_identifier: Optional[str] = None
    offer_id: Optional[int] = None
    offer_ids: Optional[List[int]] = None
    channel_id: Optional[int] = None
    store_id: Optional[int] = None
    merchant_id: Optional[int] = None
    campaign_id: Optional[str] = None
    identifier: Optional[str] = None
    type: Optional[str] = None
    reusable: Optional[bool] = None
    printable: Optional[bool] = None
    annotations: Optional[Union[Dict[str, Any], str]] = None


class FloorCredentialInputRequest(BaseModel):
    credential: Optional[FloorCredentialInput] = None
    printable: Optional[bool] = None


# The same, keeping unknown fields as the SDK's response models do: shows what that behaviour costs.
class KeepingCredential(FloorCredential):
    model_config = ConfigDict(extra="allow")


class KeepingCredentialResponse(FloorCredentialResponse):
    model_config = ConfigDict(extra="allow")
    credential: KeepingCredential


class KeepingCredentialList(FloorCredentialList):
    model_config = ConfigDict(extra="allow")
    credentials: Optional[List[KeepingCredentialResponse]] = None
