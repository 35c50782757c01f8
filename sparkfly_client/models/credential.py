from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from sparkfly_client.models._base import SparkflyModel, Timestamp

__all__ = ["Credential"]


class Credential(SparkflyModel):
    """A credential: the code (``identifier``) a member shows at the point of sale to redeem offers.

    Every field may be ``None``. Besides the public schema, the fields real servers send
    (``status``, ``offer_id``, ``redeemed_at``, ``voided_at``) are declared; any other field
    the server adds is kept and reachable as an attribute.
    """

    id: Optional[int] = None
    account_id: Optional[int] = None
    created_at: Optional[Timestamp] = None
    updated_at: Optional[Timestamp] = None
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
    redeemed_at: Optional[Timestamp] = None
    voided_at: Optional[Timestamp] = None
