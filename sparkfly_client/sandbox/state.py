"""The sandbox's data and the business rules the real services enforce.

Everything here speaks in wire-format dicts; the HTTP layer (``server.py``) only routes, checks
credentials and turns :class:`HttpError` into answers. One lock guards all data, so any number of
server threads can call in at once.
"""

from __future__ import annotations

import copy
import math
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

__all__ = [
    "ACCOUNT_ID",
    "DEMO_CHANNELS",
    "DEMO_MEMBERS",
    "DEMO_OFFERS",
    "DEMO_STORES",
    "DEMO_CREDENTIAL_ID",
    "HttpError",
    "SparkflyError",
    "ProblemError",
    "SandboxState",
    "Offer",
    "Store",
]

ACCOUNT_ID = 5
DEMO_CREDENTIAL_ID = 56
DEFAULT_PER_PAGE = 50


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


DEMO_MEMBERS: Dict[int, str] = {56: "Demo Member", 57: "Club Member", 58: "New Member"}
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

# --- errors ------------------------------------------------------------------------------------


class HttpError(Exception):
    """A refusal that becomes an HTTP answer: ``status``, a JSON ``body`` and its content type."""

    content_type = "application/json; charset=utf-8"

    def __init__(self, status: int, body: Dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers: Dict[str, str] = {}


class SparkflyError(HttpError):
    """An error of the Sparkfly platform: ``{"error": ..., "message": ...}`` (BadRequestObject)."""

    def __init__(self, status: int, error: str, message: Optional[str] = None) -> None:
        super().__init__(status, {"error": error, "message": message or error})


class ProblemError(HttpError):
    """An RFC 7807 problem of the customer credential resource."""

    content_type = "application/problem+json"

    def __init__(
        self, status: int, title: str, detail: str, invalid_fields: Optional[List[Dict[str, str]]] = None
    ) -> None:
        body: Dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        if invalid_fields is not None:
            body["invalidFields"] = invalid_fields
        super().__init__(status, body)


# --- request bodies ----------------------------------------------------------------------------

_INT_FIELDS = ("member_id", "offer_id", "channel_id", "store_id")


def _credential_fields(body: Any) -> Dict[str, Any]:
    """The ``credential`` fields of a CredentialInputRequest body, type-checked; absent ones left out."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise SparkflyError(400, "Error parsing request", "the body must be a JSON object")
    printable = body.get("printable")
    if printable is not None and not isinstance(printable, bool):
        raise SparkflyError(400, "printable must be a boolean")
    fields = body.get("credential")
    if fields is None:
        return {}
    if not isinstance(fields, dict):
        raise SparkflyError(400, "Error parsing request", "credential must be a JSON object")
    checked: Dict[str, Any] = {}
    for name in _INT_FIELDS:
        if name in fields:
            value = fields[name]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise SparkflyError(400, f"{name} must be an integer")
            checked[name] = value
    if "reusable" in fields:
        if fields["reusable"] is not None and not isinstance(fields["reusable"], bool):
            raise SparkflyError(400, "reusable must be a boolean")
        checked["reusable"] = bool(fields["reusable"])
    if "annotations" in fields:
        annotations = fields["annotations"]
        if annotations is not None and not (
            isinstance(annotations, dict) and all(isinstance(v, str) for v in annotations.values())
        ):
            raise SparkflyError(400, "annotations must be an object of strings")
        checked["annotations"] = dict(annotations or {})
    return checked


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_CUSTOMER_CREDENTIAL_ID = re.compile(r"^[0-9A-Za-z_-]{1,50}$")


def _customer_credential_fields(resource_id: str, body: Any) -> Dict[str, Any]:
    """The checked body of an upsert, or a 422 naming every field that is wrong."""
    if not isinstance(body, dict):
        raise ProblemError(
            422,
            "Invalid data was sent",
            "The body must be a JSON object.",
            [{"field": "body", "message": "must be a JSON object"}],
        )
    invalid: List[Dict[str, str]] = []
    if not _CUSTOMER_CREDENTIAL_ID.match(resource_id):
        invalid.append({"field": "id", "message": "id must be 1 to 50 letters, digits, '-' or '_'"})
    for name in ("username", "password", "customerId"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            invalid.append({"field": name, "message": f"{name} is required and must be a non-empty string"})
    expired = body.get("expiredTime")
    if expired is not None and not (isinstance(expired, str) and _is_timestamp(expired)):
        invalid.append({"field": "expiredTime", "message": "expiredTime must be a date-time or null"})
    if invalid:
        raise ProblemError(422, "Invalid data was sent", "The request has invalid fields.", invalid)
    return {"id": resource_id, "username": body["username"], "customerId": body["customerId"], "expiredTime": expired}


def _is_timestamp(text: str) -> bool:
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return False
    return "T" in text.upper() and parsed.tzinfo is not None


# --- the state ---------------------------------------------------------------------------------


class SandboxState:
    """Members, offers, channels and stores (fixed demo data) and the credentials made at run time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Back to the demo data: only credential 56 (open, member/offer/channel/store 56)."""
        with self._lock:
            self._credentials: Dict[int, Dict[str, Any]] = {}
            self._customer_credentials: Dict[str, Dict[str, Any]] = {}
            self._next_id = 1001
            self._next_code = 3541
            demo = self._new_credential(DEMO_CREDENTIAL_ID, {"member_id": 56, "channel_id": 56, "store_id": 56})
            demo["identifier"] = "5600"
            self._attach_offer(demo, DEMO_OFFERS[56])
            self._credentials[DEMO_CREDENTIAL_ID] = demo

    # --- Sparkfly credentials ------------------------------------------------------------------

    def create_credential(self, body: Any) -> Dict[str, Any]:
        fields = _credential_fields(body)
        with self._lock:
            self._check_references(fields)
            offer = self._offer_for(fields)
            credential = self._new_credential(self._next_id, fields)
            self._next_id += 1
            if offer is not None:
                self._attach_offer(credential, offer)
            self._credentials[credential["id"]] = credential
            return copy.deepcopy(credential)

    def update_credential(self, credential_id: int, body: Any) -> Dict[str, Any]:
        fields = _credential_fields(body)
        with self._lock:
            credential = self._find(credential_id)
            merged = {**{k: credential[k] for k in ("member_id", "channel_id", "store_id")}, **fields}
            self._check_references(merged)
            offer = self._offer_for(merged)
            for name in ("member_id", "channel_id", "store_id", "reusable", "annotations"):
                if name in fields:
                    credential[name] = fields[name]
            if offer is not None:
                self._attach_offer(credential, offer)
            credential["updated_at"] = _now()
            return copy.deepcopy(credential)

    def get_credential(self, credential_id: int) -> Dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._find(credential_id))

    def delete_credential(self, credential_id: int) -> Dict[str, Any]:
        with self._lock:
            credential = self._find(credential_id)
            del self._credentials[credential_id]
            return credential

    def redeem_credential(self, credential_id: int) -> Dict[str, Any]:
        with self._lock:
            credential = self._find(credential_id)
            if credential["status"] == "voided":
                raise SparkflyError(400, "Credential has been voided", "A voided credential cannot be redeemed")
            if not credential["offer_ids"]:
                raise SparkflyError(400, "Credential has no offer", "Attach an offer before redeeming")
            if credential["status"] == "redeemed" and not credential["reusable"]:
                raise SparkflyError(400, "Credential has already been redeemed")
            return self._change_status(credential, "redeemed", "redeemed_at")

    def void_credential(self, credential_id: int) -> Dict[str, Any]:
        with self._lock:
            credential = self._find(credential_id)
            if credential["status"] == "voided":  # voiding twice changes nothing, so a repeated void is safe
                return copy.deepcopy(credential)
            return self._change_status(credential, "voided", "voided_at")

    def list_credentials(
        self, member_id: Optional[int], offer_id: Optional[int], store_id: Optional[int], page: int, per_page: int
    ) -> Dict[str, Any]:
        with self._lock:
            matching = [
                credential
                for _, credential in sorted(self._credentials.items())
                if (member_id is None or credential["member_id"] == member_id)
                and (offer_id is None or offer_id in credential["offer_ids"])
                and (store_id is None or credential["store_id"] == store_id)
            ]
            start = (page - 1) * per_page
            return {
                "page": page,
                "per_page": per_page,
                "total_entries": len(matching),
                "total_pages": math.ceil(len(matching) / per_page),
                "credentials": [{"credential": copy.deepcopy(c)} for c in matching[start : start + per_page]],
            }

    def eligibility(self, member_id: int, offer_id: int) -> Dict[str, Any]:
        refusal = _offer_refusal(offer_id, member_id, channel_id=None)
        return {"is_eligible": refusal is None, "status": refusal or "eligible"}

    # --- customer credentials (upsert) ---------------------------------------------------------

    def upsert_customer_credential(self, resource_id: str, body: Any) -> Tuple[bool, Dict[str, Any]]:
        """``(created, record)``; the password is checked but never kept."""
        record = _customer_credential_fields(resource_id, body)
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

    @staticmethod
    def _check_references(fields: Mapping[str, Any]) -> None:
        if fields.get("member_id") is None:
            raise SparkflyError(400, "member_id is required", "Member can't be blank")
        if fields.get("channel_id") is None:
            raise SparkflyError(400, "channel_id is required", "Channel can't be blank, please specify a channel_id")
        if fields["member_id"] not in DEMO_MEMBERS:
            raise SparkflyError(400, f"Member with ID {fields['member_id']} not found")
        if fields["channel_id"] not in DEMO_CHANNELS:
            raise SparkflyError(400, f"Channel with ID {fields['channel_id']} not found")
        store_id = fields.get("store_id")
        if store_id is not None and store_id not in DEMO_STORES:
            raise SparkflyError(400, f"Store with ID {store_id} not found")

    @staticmethod
    def _offer_for(fields: Mapping[str, Any]) -> Optional[Offer]:
        offer_id = fields.get("offer_id")
        if offer_id is None:
            return None
        refusal = _offer_refusal(offer_id, fields["member_id"], fields["channel_id"])
        if refusal is not None:
            raise SparkflyError(400, refusal)
        return DEMO_OFFERS[offer_id]

    def _new_credential(self, credential_id: int, fields: Mapping[str, Any]) -> Dict[str, Any]:
        now = _now()
        store = DEMO_STORES.get(fields.get("store_id") or 0)
        return {
            "id": credential_id,
            "account_id": ACCOUNT_ID,
            "created_at": now,
            "updated_at": now,
            "identifier": None,
            "status": "open",
            "member_id": fields["member_id"],
            "store_id": fields.get("store_id"),
            "channel_id": fields["channel_id"],
            "offer_id": None,
            "offer_ids": [],
            "annotations": fields.get("annotations") or {},
            "reusable": fields.get("reusable", False),
            "code_lifetime": None,
            "supports_barcode": False,
            "merchant_id": None,
            "offer_name": None,
            "merchant_name": None,
            "location_address": store.address if store else None,
            "url": None,
            "redeemed_at": None,
            "voided_at": None,
        }

    def _attach_offer(self, credential: Dict[str, Any], offer: Offer) -> None:
        """Associate the offer; the credential gets its redeemable code with its first offer."""
        credential.update(
            offer_id=offer.id,
            offer_ids=[offer.id],
            offer_name=offer.name,
            merchant_id=offer.merchant_id,
            merchant_name=offer.merchant_name,
            supports_barcode=True,
        )
        if credential["identifier"] is None:
            credential["identifier"] = str(self._next_code)
            self._next_code += 1

    @staticmethod
    def _change_status(credential: Dict[str, Any], status: str, stamp_field: str) -> Dict[str, Any]:
        now = _now()
        credential.update({"status": status, stamp_field: now, "updated_at": now})
        return copy.deepcopy(credential)


def _offer_refusal(offer_id: int, member_id: int, channel_id: Optional[int]) -> Optional[str]:
    """Why the member may not get the offer (on that channel), or ``None`` when they may."""
    offer = DEMO_OFFERS.get(offer_id)
    if offer is None:
        return f"Offer with ID {offer_id} not found"
    if member_id not in DEMO_MEMBERS:
        return f"Member with ID {member_id} not found"
    if not offer.active:
        return f"Offer with ID {offer_id} is no longer active"
    if offer.member_ids is not None and member_id not in offer.member_ids:
        return f"Member must be eligible for offer: {offer.name}"
    if channel_id is not None and channel_id not in offer.channel_ids:
        return f"Offer {offer.name} is not available on channel {channel_id}"
    return None
