"""Plain pydantic models equal in shape to the SDK's: the decoding half of the floor.

Same fields and types as ``sparkfly_client.models``, with pydantic's default configuration and
plain ``datetime``: what anyone would write by hand to decode these bodies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Union

from pydantic import BaseModel, ConfigDict


class FloorCredential(BaseModel):
    id: Optional[int] = None
    account_id: Optional[int] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None
    identifier: Optional[str] = None
    member_id: Optional[int] = None
    store_id: Optional[int] = None
    channel_id: Optional[int] = None
    offer_ids: Optional[List[int]] = None
    annotations: Optional[Union[Dict[str, Any], str]] = None
    code_lifetime: Optional[int] = None
    supports_barcode: Optional[bool] = None
    merchant_id: Optional[int] = None
    offer_name: Optional[str] = None
    merchant_name: Optional[str] = None
    location_address: Optional[str] = None
    url: Optional[str] = None
    status: Optional[str] = None
    offer_id: Optional[int] = None
    redeemed_at: Optional[datetime] = None
    voided_at: Optional[datetime] = None
    redeeming_account_id: Optional[int] = None
    eligible_channel_id: Optional[int] = None
    credential_type: Optional[int] = None
    redemption_identifier_type: Optional[int] = None
    type: Optional[str] = None
    reusable: Optional[bool] = None
    locked: Optional[bool] = None
    printable: Optional[bool] = None
    token: Optional[str] = None
    barcodes_supported: Optional[str] = None
    custom_data: Optional[Dict[str, Any]] = None
    offer_expires: Optional[datetime] = None
    processed_at: Optional[datetime] = None


class FloorCredentialResponse(BaseModel):
    credential: Optional[FloorCredential] = None
    errors: Optional[Dict[str, Any]] = None


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
    credential: Optional[KeepingCredential] = None


class KeepingCredentialList(FloorCredentialList):
    model_config = ConfigDict(extra="allow")
    credentials: Optional[List[KeepingCredentialResponse]] = None
