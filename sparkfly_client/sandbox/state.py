"""The sandbox's data and the business rules the real services enforce.

Everything here speaks in wire-format dicts; the HTTP layer (``server.py``) only routes, checks
credentials and turns :class:`HttpError` into answers. One lock guards all data, so any number of
server threads can call in at once.
"""

from __future__ import annotations

import copy
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from sparkfly_client.sandbox.bodies import CREDENTIAL_TYPES, credential_fields, customer_credential_fields
from sparkfly_client.sandbox.errors import HttpError, ProblemError, SparkflyError
from sparkfly_client.sandbox.members import DEMO_MEMBER_IDENTIFIERS, DEMO_MEMBERS, Members
from sparkfly_client.sandbox.search import MAX_PER_PAGE, CredentialSearch

__all__ = [
    "ACCOUNT_ID",
    "DEMO_CHANNELS",
    "DEMO_MEMBERS",
    "DEMO_MEMBER_IDENTIFIERS",
    "DEMO_OFFERS",
    "DEMO_STORES",
    "DEMO_CREDENTIAL_ID",
    "HttpError",
    "LOCKED_MESSAGE",
    "CREDENTIAL_TYPES",
    "SparkflyError",
    "ProblemError",
    "SandboxState",
    "Offer",
    "Store",
]

ACCOUNT_ID = 5
DEMO_CREDENTIAL_ID = 56
LOCKED_MESSAGE = "This credential is currently locked for processing. Please try again later."


@dataclass(frozen=True)
class Offer:
    id: int
    name: str
    merchant_id: int
    merchant_name: str
    active: bool
    channel_ids: FrozenSet[int]
    #: Members allowed to get it; ``None``: every member.
    member_ids: Optional[FrozenSet[int]] = None


@dataclass(frozen=True)
class Store:
    id: int
    name: str
    address: str


DEMO_CHANNELS: Dict[int, str] = {56: "Mobile App", 57: "Point of Sale"}
DEMO_STORES: Dict[int, Store] = {
    56: Store(56, "Q Burger Downtown", "100 Main St, Portland, OR 97204"),
    57: Store(57, "Q Burger Airport", "7000 NE Airport Way, Portland, OR 97218"),
}
DEMO_OFFERS: Dict[int, Offer] = {
    56: Offer(56, "Buy a Burger, Get Free Medium Fries", 251, "Q Burger", True, frozenset({56, 57})),
    57: Offer(57, "Free Coffee with Any Breakfast", 252, "Morning Cup", True, frozenset({56})),
    58: Offer(58, "Summer Shake Special", 251, "Q Burger", False, frozenset({56, 57})),
    59: Offer(59, "Club Members: Two for One", 251, "Q Burger", True, frozenset({56, 57}), frozenset({57})),
}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# Fields an update replaces when the body gives them (member_id also when given as member_identifier).
_UPDATABLE = ("channel_id", "store_id", "merchant_id", "identifier", "type", "reusable", "printable", "annotations")

# --- the state ---------------------------------------------------------------------------------


class SandboxState:
    """Members, offers, channels and stores (fixed demo data, plus ``members`` numbered members from 1000)
    and the credentials made at run time."""

    def __init__(self, members: int = 0) -> None:
        self.members = Members(members)
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Back to the demo data: only credential 56 (open, member/offer/channel/store 56); members stay."""
        with self._lock:
            self._credentials: Dict[int, Dict[str, Any]] = {}
            self._customer_credentials: Dict[str, Dict[str, Any]] = {}
            self._next_id = 1001
            self._next_code = 3541
            demo = self._new_credential(DEMO_CREDENTIAL_ID, {"member_id": 56, "channel_id": 56, "store_id": 56})
            demo["identifier"] = "5600"
            self._attach_offers(demo, [DEMO_OFFERS[56]])
            self._credentials[DEMO_CREDENTIAL_ID] = demo

    # --- Sparkfly credentials ------------------------------------------------------------------

    def create_credential(self, body: Any) -> Dict[str, Any]:
        fields = credential_fields(body)
        with self._lock:
            fields = self._resolve_member(fields)
            self._check_references(fields)
            offers = self._offers_for(fields)
            self._check_identifier_free(fields.get("identifier"), None)
            credential = self._new_credential(self._next_id, fields)
            self._next_id += 1
            if offers:
                self._attach_offers(credential, offers)
            self._credentials[credential["id"]] = credential
            return copy.deepcopy(credential)

    def update_credential(self, credential_id: int, body: Any) -> Dict[str, Any]:
        fields = credential_fields(body)
        with self._lock:
            credential = self._find_unlocked(credential_id)
            merged = self._resolve_member(
                {**{k: credential[k] for k in ("member_id", "channel_id", "store_id")}, **fields}
            )
            self._check_references(merged)
            offers = self._offers_for(merged)
            self._check_identifier_free(fields.get("identifier"), credential_id)
            credential["member_id"] = merged["member_id"]  # given as member_id or as member_identifier
            for name in _UPDATABLE:
                if name in fields:
                    credential[name] = fields[name]
            if "type" in fields:
                credential["credential_type"] = CREDENTIAL_TYPES[fields["type"]]
            if offers:
                self._attach_offers(credential, offers)
            credential["updated_at"] = _now()
            return copy.deepcopy(credential)

    def get_credential(self, credential_id: int) -> Dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._find(credential_id))

    def delete_credential(self, credential_id: int) -> Dict[str, Any]:
        with self._lock:
            credential = self._find_unlocked(credential_id)
            del self._credentials[credential_id]
            return credential

    def redeem_credential(self, credential_id: int) -> Dict[str, Any]:
        with self._lock:
            credential = self._find_unlocked(credential_id)
            if credential["status"] == "voided":
                raise SparkflyError(400, "Credential has been voided", "A voided credential cannot be redeemed")
            if not credential["offer_ids"]:
                raise SparkflyError(400, "Credential has no offer", "Attach an offer before redeeming")
            if credential["status"] == "redeemed" and not credential["reusable"]:
                raise SparkflyError(400, "Credential has already been redeemed")
            credential.update(redeeming_account_id=ACCOUNT_ID, processed_at=_now())
            return self._change_status(credential, "redeemed", "redeemed_at")

    def void_credential(self, credential_id: int) -> Dict[str, Any]:
        with self._lock:
            credential = self._find_unlocked(credential_id)
            if credential["status"] == "voided":  # voiding twice changes nothing, so a repeated void is safe
                return copy.deepcopy(credential)
            return self._change_status(credential, "voided", "voided_at")

    def list_credentials(self, search: CredentialSearch, page: int, per_page: int) -> Dict[str, Any]:
        """One page of the credentials ``search`` matches, in id order; ``per_page`` is capped at MAX_PER_PAGE."""
        per_page = min(per_page, MAX_PER_PAGE)
        with self._lock:
            matching = [credential for _, credential in sorted(self._credentials.items()) if search.matches(credential)]
            start = (page - 1) * per_page
            return {
                "page": page,
                "per_page": per_page,
                "total_entries": len(matching),
                "total_pages": math.ceil(len(matching) / per_page),
                "credentials": [{"credential": copy.deepcopy(c)} for c in matching[start : start + per_page]],
            }

    def set_locked(self, credential_id: int, locked: bool) -> Dict[str, Any]:
        """Mark the credential as being processed (or done): while locked, changing it answers 422."""
        with self._lock:
            credential = self._find(credential_id)
            credential["locked"] = locked
            return copy.deepcopy(credential)

    def eligibility(self, member_id: int, offer_id: int) -> Dict[str, Any]:
        refusal = self._offer_refusal(offer_id, member_id, channel_id=None)
        return {"is_eligible": refusal is None, "status": refusal or "eligible"}

    # --- customer credentials (upsert) ---------------------------------------------------------

    def upsert_customer_credential(self, resource_id: str, body: Any) -> Tuple[bool, Dict[str, Any]]:
        """``(created, record)``; the password is checked but never kept."""
        record = customer_credential_fields(resource_id, body)
        with self._lock:
            created = resource_id not in self._customer_credentials
            self._customer_credentials[resource_id] = record
            return created, dict(record)

    # --- helpers (called with the lock held) ---------------------------------------------------

    def _find(self, credential_id: int) -> Dict[str, Any]:
        credential = self._credentials.get(credential_id)
        if credential is None:
            raise SparkflyError(404, "Not Found", f"Credential with ID {credential_id} not found")
        return credential

    def _find_unlocked(self, credential_id: int) -> Dict[str, Any]:
        credential = self._find(credential_id)
        if credential["locked"]:
            raise HttpError(422, {"error": LOCKED_MESSAGE})
        return credential

    def _check_identifier_free(self, identifier: Optional[str], own_id: Optional[int]) -> None:
        """A code may be reissued once the credential that had it is voided, not while it is active."""
        if identifier is None:
            return
        for credential in self._credentials.values():
            if credential["identifier"] == identifier and credential["id"] != own_id and not credential["voided_at"]:
                raise SparkflyError(400, "Identifier has already been taken", f"Credential {credential['id']} has it")

    def _resolve_member(self, fields: Dict[str, Any]) -> Dict[str, Any]:
        """``member_identifier`` (the member's external id) stands for ``member_id`` when that is not given."""
        external = fields.get("member_identifier")
        if external is None or fields.get("member_id") is not None:
            return fields
        member = self.members.with_identifier(external)
        if member is None:
            raise SparkflyError(400, f"Member with identifier {external} not found")
        return {**fields, "member_id": member.id}

    def _check_references(self, fields: Mapping[str, Any]) -> None:
        if fields.get("member_id") is None:
            raise SparkflyError(400, "member_id is required", "Member can't be blank")
        if fields.get("channel_id") is None:
            raise SparkflyError(400, "channel_id is required", "Channel can't be blank, please specify a channel_id")
        if fields["member_id"] not in self.members:
            raise SparkflyError(400, f"Member with ID {fields['member_id']} not found")
        if fields["channel_id"] not in DEMO_CHANNELS:
            raise SparkflyError(400, f"Channel with ID {fields['channel_id']} not found")
        store_id = fields.get("store_id")
        if store_id is not None and store_id not in DEMO_STORES:
            raise SparkflyError(400, f"Store with ID {store_id} not found")

    def _offers_for(self, fields: Mapping[str, Any]) -> List[Offer]:
        """The offers to attach (``offer_ids``, else ``offer_id``), each checked for the member and channel."""
        offer_ids: Sequence[int] = fields.get("offer_ids") or (
            [fields["offer_id"]] if fields.get("offer_id") is not None else []
        )
        for offer_id in offer_ids:
            refusal = self._offer_refusal(offer_id, fields["member_id"], fields["channel_id"])
            if refusal is not None:
                raise SparkflyError(400, refusal)
        return [DEMO_OFFERS[offer_id] for offer_id in dict.fromkeys(offer_ids)]

    def _new_credential(self, credential_id: int, fields: Mapping[str, Any]) -> Dict[str, Any]:
        now = _now()
        store = DEMO_STORES.get(fields.get("store_id") or 0)
        kind = fields.get("type") or "offer"
        return {
            "id": credential_id,
            "account_id": ACCOUNT_ID,
            "redeeming_account_id": None,
            "created_at": now,
            "updated_at": now,
            "identifier": fields.get("identifier"),
            "status": "open",
            "member_id": fields["member_id"],
            "store_id": fields.get("store_id"),
            "channel_id": fields["channel_id"],
            "eligible_channel_id": fields["channel_id"],
            "merchant_id": fields.get("merchant_id"),
            "offer_id": None,
            "offer_ids": [],
            "annotations": fields.get("annotations") or {},
            "custom_data": {},
            "code_lifetime": None,
            "credential_type": CREDENTIAL_TYPES[kind],
            "redemption_identifier_type": None,
            "type": kind,
            "reusable": fields.get("reusable", False),
            "locked": False,
            "printable": fields.get("printable", False),
            "supports_barcode": False,
            "barcodes_supported": None,
            "token": None,
            "url": None,
            "offer_name": None,
            "merchant_name": None,
            "location_address": store.address if store else None,
            "offer_expires": None,
            "processed_at": None,
            "redeemed_at": None,
            "voided_at": None,
        }

    def _attach_offers(self, credential: Dict[str, Any], offers: Sequence[Offer]) -> None:
        """Associate the offers; the credential gets its redeemable code with its first offer."""
        first = offers[0]
        credential.update(
            offer_id=first.id,
            offer_ids=[offer.id for offer in offers],
            offer_name=first.name,
            merchant_id=first.merchant_id,
            merchant_name=first.merchant_name,
            supports_barcode=True,
            barcodes_supported="code128,qr",
        )
        if credential["identifier"] is None:
            in_use = {c["identifier"] for c in self._credentials.values() if not c["voided_at"]}
            while str(self._next_code) in in_use:  # a code someone brought with them
                self._next_code += 1
            credential["identifier"] = str(self._next_code)
            self._next_code += 1

    @staticmethod
    def _change_status(credential: Dict[str, Any], status: str, stamp_field: str) -> Dict[str, Any]:
        now = _now()
        credential.update({"status": status, stamp_field: now, "updated_at": now})
        return copy.deepcopy(credential)

    def _offer_refusal(self, offer_id: int, member_id: int, channel_id: Optional[int]) -> Optional[str]:
        """Why the member may not get the offer (on that channel), or ``None`` when they may."""
        offer = DEMO_OFFERS.get(offer_id)
        if offer is None:
            return f"Offer with ID {offer_id} not found"
        member = self.members.get(member_id)
        if member is None:
            return f"Member with ID {member_id} not found"
        if not offer.active:
            return f"Offer with ID {offer_id} is no longer active"
        if offer.member_ids is not None and member_id not in offer.member_ids:
            return f"Member must be eligible for offer: {offer.name}"
        on_channel = channel_id in offer.channel_ids or offer_id in member.offers_on_every_channel
        if channel_id is not None and not on_channel:
            return f"Offer {offer.name} is not available on channel {channel_id}"
        return None
