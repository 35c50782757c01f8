"""ApiResponse[T]: the decoded data of a call together with its status, headers and raw body."""

from __future__ import annotations

from typing import Generic, Mapping, Optional, TypeVar

__all__ = ["ApiResponse"]

T = TypeVar("T")


class ApiResponse(Generic[T]):
    """What a ``*_with_http_info`` method returns.

    ``status_code`` tells e.g. created (201) from updated (200); ``headers`` are the response
    headers (case-insensitive); ``data`` is the decoded model; ``raw_data`` the body bytes.

    ``settled`` is ``None`` for a call answered as usual. With settling on (``Configuration.settle_outcomes``)
    and the answer to a create, a redeem or a delete lost, it is ``"found"`` when a settling read showed the
    operation had happened (status, headers and body are then that read's, or for a delete the 404 its resend
    got), and ``"resent"`` when it showed it had not and the request, sent once more, succeeded.
    """

    __slots__ = ("status_code", "headers", "data", "raw_data", "settled")

    def __init__(
        self,
        status_code: int,
        headers: Optional[Mapping[str, str]],
        data: T,
        raw_data: bytes,
        settled: Optional[str] = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.data = data
        self.raw_data = raw_data
        self.settled = settled

    def __repr__(self) -> str:
        settled = "" if self.settled is None else f", settled={self.settled!r}"
        return f"ApiResponse(status_code={self.status_code}{settled}, data={self.data!r})"
