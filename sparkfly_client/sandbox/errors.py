"""Refusals the sandbox answers with: the Sparkfly platform's error object and RFC 7807 problems."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

__all__ = ["HttpError", "SparkflyError", "ProblemError"]


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
