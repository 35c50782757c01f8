from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from sparkfly_client.models._base import SparkflyModel, Timestamp

__all__ = ["Credential"]


class Credential(SparkflyModel):
    """A credential: the code (``identifier``) a member shows at the point of sale to redeem offers.

    Every field of the published platform spec is declared, and every one may be ``None`` or absent.
    ``voided_at`` not ``None`` means the credential is inactive; ``locked`` means it is being processed
    (changing it gets a 422 until the server is done). ``status`` and ``offer_id`` appear in one
    documented sample only and are decoded, not relied on. Any other field the server adds is kept
    and reachable as an attribute.
    """

    #: always present: a credential without an id is not one (see CredentialResponse).
    id: int
    account_id: Optional[int] = None
    redeeming_account_id: Optional[int] = None
    created_at: Optional[Timestamp] = None
    updated_at: Optional[Timestamp] = None
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
    #: ``offer`` or ``loyalty``; any other text the server sends is kept as it is.
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
    offer_expires: Optional[Timestamp] = None
    processed_at: Optional[Timestamp] = None
    redeemed_at: Optional[Timestamp] = None
    voided_at: Optional[Timestamp] = None
    status: Optional[str] = None
    offer_id: Optional[int] = None
