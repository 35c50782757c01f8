"""ApiResponse[T]: the decoded data of a call together with its status, headers and raw body."""

from __future__ import annotations

from typing import Generic, Mapping, Optional, TypeVar

__all__ = ["ApiResponse"]

T = TypeVar("T")


class ApiResponse(Generic[T]):
    """What a ``*_with_http_info`` method returns.

    ``status_code`` tells e.g. created (201) from updated (200); ``headers`` are the response
    headers (case-insensitive); ``data`` is the decoded model; ``raw_data`` the body bytes.
    """

    __slots__ = ("status_code", "headers", "data", "raw_data")

    def __init__(self, status_code: int, headers: Optional[Mapping[str, str]], data: T, raw_data: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.data = data
        self.raw_data = raw_data

    def __repr__(self) -> str:
        return f"ApiResponse(status_code={self.status_code}, data={self.data!r})"
