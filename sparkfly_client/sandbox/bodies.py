"""Request bodies the sandbox takes, checked field by field as the services check them."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from sparkfly_client.sandbox.errors import ProblemError, SparkflyError
from sparkfly_client.sandbox.search import parse_timestamp

__all__ = ["credential_fields", "customer_credential_fields", "CREDENTIAL_TYPES"]

#: The sandbox's type codes (``credential_type``) for the two credential types.
CREDENTIAL_TYPES: Dict[str, int] = {"offer": 1, "loyalty": 2}

_INT_FIELDS = ("member_id", "offer_id", "channel_id", "store_id", "merchant_id")
_STR_FIELDS = ("member_identifier", "campaign_id", "identifier")
_BOOL_FIELDS = ("reusable", "printable")


def credential_fields(body: Any) -> Dict[str, Any]:
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
    if printable is not None:
        checked["printable"] = printable
    for name in _INT_FIELDS:
        if name in fields:
            value = fields[name]
            if value is not None and not _is_int(value):
                raise SparkflyError(400, f"{name} must be an integer")
            checked[name] = value
    for name in _STR_FIELDS:
        if name in fields:
            if fields[name] is not None and not isinstance(fields[name], str):
                raise SparkflyError(400, f"{name} must be a string")
            checked[name] = fields[name]
    if checked.get("identifier", "?") is None:  # no code of its own: the server assigns one
        del checked["identifier"]
    if checked.get("identifier") == "":
        raise SparkflyError(400, "identifier can't be blank")
    for name in _BOOL_FIELDS:
        if name in fields:
            if fields[name] is not None and not isinstance(fields[name], bool):
                raise SparkflyError(400, f"{name} must be a boolean")
            checked[name] = bool(fields[name])
    if "offer_ids" in fields:
        offer_ids = fields["offer_ids"]
        if offer_ids is not None and not (isinstance(offer_ids, list) and all(_is_int(i) for i in offer_ids)):
            raise SparkflyError(400, "offer_ids must be a list of integers")
        checked["offer_ids"] = offer_ids
    if fields.get("type") is not None:
        if not isinstance(fields["type"], str) or fields["type"] not in CREDENTIAL_TYPES:
            raise SparkflyError(400, "type must be offer or loyalty")
        checked["type"] = fields["type"]
    if "annotations" in fields:
        annotations = fields["annotations"]
        if annotations is not None and not (
            isinstance(annotations, dict) and all(isinstance(v, str) for v in annotations.values())
        ):
            raise SparkflyError(400, "annotations must be an object of strings")
        checked["annotations"] = dict(annotations or {})
    return checked


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_CUSTOMER_CREDENTIAL_ID = re.compile(r"^[0-9A-Za-z_-]{1,50}$")


def customer_credential_fields(resource_id: str, body: Any) -> Dict[str, Any]:
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
    return parse_timestamp(text) is not None
