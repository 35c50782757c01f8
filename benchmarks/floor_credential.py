"""The two models a ``get_credential`` answer decodes into, as plain pydantic: the least a user's own code defines.

``Credential`` has every field of the published platform spec (and the two of the documented sample), typed as
``sparkfly_client.models.Credential`` types them (``id`` always present, timestamps as ``datetime``), with
pydantic's default configuration; ``CredentialResponse`` always carries it. The cold-start floor
(benchmarks/cold_start.py) imports this module and nothing more; ``floor_models`` adds the other models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Union

from pydantic import BaseModel


class FloorCredential(BaseModel):
    id: int
    account_id: Optional[int] = None
    redeeming_account_id: Optional[int] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None
    identifier: Optional[str] = None
    member_id: Optional[int] = None
    store_id: Optional[int] = None
    channel_id: Optional[int] = None
    eligible_channel_id: Optional[int] = None
    merchant_id: Optional[int] = None
    offer_ids: Optional[List[int]] = None
    annotations: Optional[Union[Dict[str, Any], str]] = None
    custom_data: Optional[Dict[str, Any]] = None
    code_lifetime: Optional[int] = None
    credential_type: Optional[int] = None
    redemption_identifier_type: Optional[int] = None
    type: Optional[str] = None
    reusable: Optional[bool] = None
    locked: Optional[bool] = None
    printable: Optional[bool] = None
    supports_barcode: Optional[bool] = None
    barcodes_supported: Optional[str] = None
    token: Optional[str] = None
    url: Optional[str] = None
    offer_name: Optional[str] = None
    merchant_name: Optional[str] = None
    location_address: Optional[str] = None
    offer_expires: Optional[datetime] = None
    processed_at: Optional[datetime] = None
    redeemed_at: Optional[datetime] = None
    voided_at: Optional[datetime] = None
    status: Optional[str] = None
    offer_id: Optional[int] = None


class FloorCredentialResponse(BaseModel):
    credential: FloorCredential
    errors: Optional[Dict[str, Any]] = None
