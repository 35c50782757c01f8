"""Settling a lost answer: when the answer to a create or a redeem was lost after the request was sent (a timeout,
a dropped connection, a 502 or 504 from a gateway), find out from the server whether it took effect instead of
reporting "unknown". No I/O: each strategy is a sub-plan (a generator the call's plan delegates to) that yields
the steps of ordinary GETs and of at most a few resends, and decides.

- A create whose ``CredentialInput`` carries an ``identifier`` searches for it: a credential that is not voided,
  with that identifier and the request's member, channel and offers, means the create happened; none means it did
  not, and the create is sent once more (refused as "Identifier has already been taken": the first one was still
  being processed, so search again). A create without an identifier cannot be looked up.
- A redeem reads the credential: redeemed means it happened; not redeemed and not locked means it did not, and it
  is sent once more (refused as already redeemed: read again); locked: read again after a short wait. A voided
  credential is sent the redeem again, which the server refuses with the definite error such a redeem gets.
  A reusable credential cannot be settled by reading: every redeem adds a redemption.
- A delete whose earlier attempt may have been processed, and whose resend got 404, happened: it is reported as
  done, with the credential's id (see :meth:`SettleDelete.not_found`).

Nothing is resent before a read has shown that the operation did not happen; every read and resend shares what is
left of the call's deadline.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, Generator, Optional, Tuple

from sparkfly_client._decode import error_for
from sparkfly_client._lookup import PageWalk
from sparkfly_client._steps import LOST_STATUSES, Clock, Outcome, PreparedRequest, Response, Step, Wait
from sparkfly_client.exceptions import ApiTransportError, OpenApiException, OutcomeUnknownError

if TYPE_CHECKING:
    from sparkfly_client._endpoint import Endpoint

__all__ = ["Settling", "SettleStrategy", "SettleCreate", "SettleRedeem", "SettleDelete", "LOST_STATUSES"]

logger = logging.getLogger("sparkfly_client")

#: How many times a settled request may be sent again, each after a read showed it had not taken effect.
MAX_RESENDS = 3
#: Reads of a locked credential, and the waits between them (the last one repeats).
MAX_LOCKED_READS = 8
_LOCKED_WAITS = (0.25, 0.5, 1.0, 2.0)

FOUND, RESENT = "found", "resent"

Read = Callable[[PreparedRequest, "Endpoint[Any]", Dict[str, Any], Optional[float]], Generator[Step, Any, Outcome]]
Resend = Callable[[PreparedRequest, Optional[float]], Generator[Step, Any, Outcome]]


class Settling:
    """What settling needs from the client that makes the call: ``read`` plans a GET of an endpoint with the options
    of the call being settled and returns its outcome, decoded (raising the typed error of a failed read);
    ``resend`` plans the request once more, without settling, and returns its outcome (raising when its answer is
    lost again)."""

    __slots__ = ("read", "resend", "clock")

    def __init__(self, read: Read, resend: Resend, clock: Clock) -> None:
        self.read = read
        self.resend = resend
        self.clock = clock


class _Unsettled(Exception):
    """Internal: settling gave up; ``reason`` becomes the ``settle_error``. Never leaves this module."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Attempt:
    """One lost answer being settled: the request, what lost its answer, and the call's limits."""

    __slots__ = ("settling", "request", "lost", "attempts", "deadline_at", "started")

    def __init__(
        self,
        settling: Optional[Settling],
        request: PreparedRequest,
        lost: OpenApiException,
        attempts: int,
        deadline_at: Optional[float],
        started: float,
    ) -> None:
        assert settling is not None  # a plan settles only when the client gave it the means
        self.settling = settling
        self.request = request
        self.lost = lost
        self.attempts = attempts
        self.deadline_at = deadline_at
        self.started = started

    def read(self, endpoint: Endpoint[Any], args: Dict[str, Any]) -> Generator[Step, Any, Outcome]:
        """A settling read; its failure (the deadline's passing included) ends the settling."""
        try:
            return (yield from self.settling.read(self.request, endpoint, args, self.deadline_at))
        except OpenApiException as exc:
            failure = exc
        raise _Unsettled("deadline" if self.out_of_time() else f"the settling read failed: {_first_line(failure)}")

    def resend(self) -> Generator[Step, Any, Optional[Outcome]]:
        """The request sent once more: its outcome, or ``None`` when its answer is lost again."""
        try:
            outcome = yield from self.settling.resend(self.request, self.deadline_at)
        except ApiTransportError as exc:
            if not exc.request_sent:  # a read showed it had not happened, and this never left: that is definite
                raise
            self.attempts += exc.attempts
            return None
        self.attempts += outcome.attempts
        if outcome.response.status in LOST_STATUSES:
            return None
        return outcome

    def wait(self, seconds: float) -> Generator[Step, Any, None]:
        deadline_at = self.deadline_at
        if deadline_at is not None and self.settling.clock.monotonic() + seconds >= deadline_at:
            raise _Unsettled("deadline")
        yield Wait(seconds)

    def refusal(self, outcome: Outcome) -> Optional[str]:
        """The server's own words when it refused the resend (a 4xx), in lower case; else ``None``."""
        response = outcome.response
        if not 400 <= response.status < 500:
            return None
        message = error_for(self.request, response, outcome.attempts).server_message
        return (message or "").lower()

    def out_of_time(self) -> bool:
        return self.deadline_at is not None and self.settling.clock.monotonic() >= self.deadline_at - 0.05


class SettleStrategy:
    """How an operation's lost answer is settled. ``lost`` is its sub-plan; an operation that is safe to resend
    (a delete) has none, only :meth:`not_found`."""

    settles_lost = True

    def settle(self, attempt: Attempt) -> Generator[Step, Any, Outcome]:
        """The sub-plan: the call's outcome, or :class:`OutcomeUnknownError`."""
        try:
            outcome = yield from self.lost(attempt)
        except _Unsettled as exc:
            reason = exc.reason
        else:
            logger.info(
                "settled a lost answer to %s %s: %s",
                attempt.request.method,
                attempt.request.shown_url,
                "it had taken effect" if outcome.settled == FOUND else f"answered {outcome.response.status}",
            )
            return outcome
        error = self.unknown(attempt, reason)
        logger.warning("%s", error)
        raise error from attempt.lost

    def lost(self, attempt: Attempt) -> Generator[Step, Any, Outcome]:
        raise NotImplementedError
        yield  # pragma: no cover - a generator

    def unknown(self, attempt: Attempt, reason: str) -> OutcomeUnknownError:
        request, lost = attempt.request, attempt.lost
        error = OutcomeUnknownError(
            lost.message if isinstance(lost, ApiTransportError) else _first_line(lost),
            settle_error=reason,
            advice=self.advice(attempt, reason),
            method=request.method,
            url=request.shown_url,
            attempts=attempt.attempts,
            elapsed=attempt.settling.clock.monotonic() - attempt.started,
        )
        return error

    def advice(self, attempt: Attempt, reason: str) -> str:
        return "check whether it took effect before sending it again"

    def not_found(self, request: PreparedRequest, response: Response, attempts: int) -> Optional[Outcome]:
        """For an operation whose earlier attempt may have been processed, the outcome a 404 to a later attempt
        stands for; ``None``: the 404 stands as it is."""
        return None


class SettleCreate(SettleStrategy):
    """A create, settled by searching for the ``identifier`` it carried (``search`` is the credential search)."""

    def __init__(self, search: Endpoint[Any]) -> None:
        self.search = search

    def lost(self, attempt: Attempt) -> Generator[Step, Any, Outcome]:
        wanted = _sent_credential(attempt.request)
        identifier = wanted.get("identifier")
        if not isinstance(identifier, str) or not identifier:
            raise _Unsettled("no identifier")
        resends = 0
        while True:
            found = yield from self._find(attempt, identifier, wanted)
            if found is not None:
                return found
            if resends >= MAX_RESENDS:
                raise _Unsettled("no answer to any resend")
            resends += 1
            outcome = yield from attempt.resend()  # the search showed it had not happened
            if outcome is None:
                continue  # lost again: search again
            if "already been taken" not in (attempt.refusal(outcome) or ""):
                outcome.settled = RESENT if outcome.response.status < 300 else None
                return outcome
            # The identifier is taken: the first create was still being processed when the search ran.
            found = yield from self._find(attempt, identifier, wanted)
            return found if found is not None else outcome

    def _find(
        self, attempt: Attempt, identifier: str, wanted: Dict[str, Any]
    ) -> Generator[Step, Any, Optional[Outcome]]:
        walk = PageWalk()
        while (page := walk.next_page()) is not None:
            outcome = yield from attempt.read(self.search, {"identifier": identifier, "page": page})
            for item in walk.accept(outcome.data):
                if _is_the_one(item.credential, identifier, wanted):
                    return Outcome(outcome.response, attempt.attempts, FOUND, item)
        return None

    def advice(self, attempt: Attempt, reason: str) -> str:
        if reason == "no identifier":
            return (
                "search for the member's credentials before creating one again; a create whose CredentialInput "
                "carries an identifier is settled by the client itself"
            )
        return "search for the credential by its identifier before creating it again"


class SettleRedeem(SettleStrategy):
    """A redeem, settled by reading the credential (``read`` is get_credential)."""

    def __init__(self, read: Endpoint[Any]) -> None:
        self.read = read

    def lost(self, attempt: Attempt) -> Generator[Step, Any, Outcome]:
        credential_id = _path_id(attempt.request)
        args = {"credential_id": credential_id}
        resends = locked_reads = 0
        while True:
            read = yield from attempt.read(self.read, args)
            credential = getattr(read.data, "credential", None)
            if credential is None:
                raise _Unsettled("the settling read found no credential")
            if credential.reusable is not False:  # reusable, or not said: a redemption found may not be this one
                raise _Unsettled("reusable credential")
            if credential.redeemed_at is not None or credential.status == "redeemed":
                return Outcome(read.response, attempt.attempts, FOUND, read.data)
            if credential.locked:
                locked_reads += 1
                if locked_reads >= MAX_LOCKED_READS:
                    raise _Unsettled("locked")
                yield from attempt.wait(_LOCKED_WAITS[min(locked_reads, len(_LOCKED_WAITS)) - 1])
                continue
            if resends >= MAX_RESENDS:
                raise _Unsettled("no answer to any resend")
            resends += 1
            # Not redeemed: the redeem did not happen (a voided credential gets the server's own refusal).
            outcome = yield from attempt.resend()
            if outcome is None:
                continue  # lost again: read again
            refusal = attempt.refusal(outcome) or ""
            if "already been redeemed" in refusal:
                continue  # the first redeem was still being processed: read again
            if "locked for processing" in refusal:  # locked meanwhile: read again after a wait
                locked_reads += 1
                yield from attempt.wait(_LOCKED_WAITS[0])
                continue
            outcome.settled = RESENT if outcome.response.status < 300 else None
            return outcome

    def advice(self, attempt: Attempt, reason: str) -> str:
        credential = f"credential {_path_id(attempt.request)}"
        if reason == "reusable credential":
            return (
                f"{credential} is reusable (or does not say it is not): check its redemptions before redeeming it again"
            )
        return f"read {credential} (its redeemed_at) before redeeming it again"


class SettleDelete(SettleStrategy):
    """A delete: safe to resend, so a lost answer is retried; a 404 to a resend whose earlier attempt may have been
    processed is the delete having happened. It is reported as done: ``_with_http_info`` gives that 404's status,
    headers and body with ``settled == "found"``, and ``data`` holds the deleted credential's id alone."""

    settles_lost = False

    def not_found(self, request: PreparedRequest, response: Response, attempts: int) -> Optional[Outcome]:
        returns = request.endpoint.returns
        assert returns is not None
        data = returns.model_validate({"credential": {"id": _path_id(request)}})
        logger.info(
            "settled a lost answer to %s %s: 404 to a resend, the delete had taken effect",
            request.method,
            request.shown_url,
        )
        return Outcome(response, attempts, FOUND, data)


def _sent_credential(request: PreparedRequest) -> Dict[str, Any]:
    """The ``credential`` object of the body that was sent (what the server saw, not what was passed)."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    credential = body.get("credential") if isinstance(body, dict) else None
    return credential if isinstance(credential, dict) else {}


def _is_the_one(credential: Any, identifier: str, wanted: Dict[str, Any]) -> bool:
    """Whether a credential found by the identifier is the one the create would have made: not voided, with the
    member, channel and offers the request set (a member given only as ``member_identifier`` is not compared)."""
    if credential is None or credential.voided_at is not None or credential.identifier != identifier:
        return False
    for name in ("member_id", "channel_id"):
        if wanted.get(name) is not None and getattr(credential, name) != wanted[name]:
            return False
    offers = set(credential.offer_ids or ())
    if credential.offer_id is not None:
        offers.add(credential.offer_id)
    wanted_offers: Tuple[Any, ...] = (
        *(wanted.get("offer_ids") or ()),
        *([wanted["offer_id"]] if wanted.get("offer_id") is not None else []),
    )
    return set(wanted_offers) <= offers


def _path_id(request: PreparedRequest) -> Any:
    """The credential id the request was made for."""
    return request.args["credential_id"]


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
