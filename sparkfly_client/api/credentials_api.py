"""CredentialsApi: issue, look up, redeem and void the codes members redeem offers with."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterator, Mapping, Optional, Sequence, Tuple, Union

import urllib3
from typing_extensions import TypedDict, Unpack

from sparkfly_client._auth import SPARKFLY_TOKEN
from sparkfly_client._endpoint import (
    BodyParam,
    Endpoint,
    Flag,
    NonEmptyStr,
    NonNegativeInt,
    PathParam,
    PositiveIntList,
    QueryParam,
    TimestampParam,
)
from sparkfly_client._lookup import PageWalk, choose_active
from sparkfly_client.api_client import ApiClient, RequestOptions
from sparkfly_client.api_response import ApiResponse
from sparkfly_client.models.bad_request_object import BadRequestObject
from sparkfly_client.models.credential_eligibility_response import CredentialEligibilityResponse
from sparkfly_client.models.credential_input_request import CredentialInputRequest
from sparkfly_client.models.credential_list import CredentialList
from sparkfly_client.models.credential_response import CredentialResponse

__all__ = ["CredentialsApi", "CredentialSearch", "CredentialSearchCall"]

_ID = (PathParam("credential_id"),)
_BODY = BodyParam("credential_input_request", CredentialInputRequest)
_AUTH = (SPARKFLY_TOKEN,)
_ERR = BadRequestObject

CREATE_CREDENTIAL = Endpoint(
    "create_credential", "POST", "/v1.0/credentials", CredentialResponse, body=_BODY, error_model=_ERR, auth=_AUTH
)
DELETE_CREDENTIAL = Endpoint(
    "delete_credential",
    "DELETE",
    "/v1.0/credentials/{credential_id}",
    CredentialResponse,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
)
GET_CREDENTIAL = Endpoint(
    "get_credential",
    "GET",
    "/v1.0/credentials/{credential_id}",
    CredentialResponse,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
)
GET_CREDENTIALS = Endpoint(
    "get_credentials",
    "GET",
    "/v1.0/credentials",
    CredentialList,
    query_params=(
        QueryParam("member_id"),
        QueryParam("offer_id"),
        QueryParam("store_id"),
        QueryParam("page"),
        QueryParam("per_page"),
        # The published search filters, passed by keyword (see CredentialSearch).
        QueryParam("identifier", NonEmptyStr),
        QueryParam("channel_id"),
        QueryParam("ids", PositiveIntList),
        QueryParam("redeemed", Flag),
        QueryParam("reusable", Flag),
        QueryParam("inactive_later_than", TimestampParam),
        QueryParam("eligible_channel_id"),
        QueryParam("credential_type", NonNegativeInt),
    ),
    error_model=_ERR,
    auth=_AUTH,
)
GET_OFFER_ELIGIBILITY_FOR_MEMBER = Endpoint(
    "get_offer_eligibility_for_member",
    "GET",
    "/v1.0/credentials/eligible",
    CredentialEligibilityResponse,
    query_params=(QueryParam("member_id", required=True), QueryParam("offer_id", required=True)),
    error_model=_ERR,
    auth=_AUTH,
)
# A reusable credential can be redeemed more than once, so a redeem is never repeated automatically.
REDEEM_CREDENTIAL = Endpoint(
    "redeem_credential",
    "PUT",
    "/v1.0/credentials/{credential_id}/redeem",
    CredentialResponse,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
    idempotent=False,
)
UPDATE_CREDENTIAL = Endpoint(
    "update_credential",
    "PUT",
    "/v1.0/credentials/{credential_id}",
    CredentialResponse,
    path_params=_ID,
    body=_BODY,
    error_model=_ERR,
    auth=_AUTH,
)
VOID_CREDENTIAL = Endpoint(
    "void_credential",
    "PUT",
    "/v1.0/credentials/{credential_id}/void",
    CredentialResponse,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
)

InputRequest = Union[CredentialInputRequest, Dict[str, Any], None]


class CredentialSearch(TypedDict, total=False):
    """The keyword-only search filters of ``get_credentials*`` and ``iter_credentials``, as the type
    checker sees them; GET_CREDENTIALS declares how each is checked and sent."""

    #: the code a member shows (also a phone number, e-mail or external id): the point-of-sale lookup
    identifier: str
    channel_id: int
    #: sent as repeated parameters, ``ids=1&ids=2``
    ids: Sequence[int]
    #: sent as ``true`` / ``false``
    redeemed: bool
    reusable: bool
    #: credentials that became inactive after this instant; sent as ISO 8601
    inactive_later_than: Union[datetime, str]
    eligible_channel_id: int
    credential_type: int


class CredentialSearchCall(CredentialSearch, RequestOptions, total=False):
    """The search filters and the per-call options: every keyword a search method takes."""


_SEARCH_FILTERS = frozenset(CredentialSearch.__annotations__)


def _search(
    member_id: Optional[int],
    offer_id: Optional[int],
    store_id: Optional[int],
    page: Optional[int],
    per_page: Optional[int],
    keywords: Mapping[str, Any],
) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The arguments of GET_CREDENTIALS and the per-call options, from a search method's parameters."""
    args: Dict[str, Any] = {
        "member_id": member_id,
        "offer_id": offer_id,
        "store_id": store_id,
        "page": page,
        "per_page": per_page,
    }
    options: Dict[str, Any] = {}
    for name, value in keywords.items():
        (args if name in _SEARCH_FILTERS else options)[name] = value
    return args, options


class CredentialsApi:
    """The eight Sparkfly credential operations.

    Each operation comes in three forms: ``name(...)`` returns the decoded model,
    ``name_with_http_info(...)`` an :class:`ApiResponse` with status and headers too, and
    ``name_without_preload_content(...)`` the unread urllib3 response. All take the per-call
    options of :class:`RequestOptions` (``_request_timeout``, ``_headers``, ``_request_auth``,
    ``_content_type``, ``_host_index``, ``_retries``).
    """

    def __init__(self, api_client: Optional[ApiClient] = None) -> None:
        self.api_client = ApiClient.get_default() if api_client is None else api_client

    # --- create_credential ----------------------------------------------------------------------

    def create_credential(
        self, credential_input_request: InputRequest = None, **options: Unpack[RequestOptions]
    ) -> CredentialResponse:
        """Creates a credential (POST /v1.0/credentials). Never retried once the request may have been sent."""
        return self.create_credential_with_http_info(credential_input_request, **options).data

    def create_credential_with_http_info(
        self, credential_input_request: InputRequest = None, **options: Unpack[RequestOptions]
    ) -> ApiResponse[CredentialResponse]:
        return self.api_client.call(CREATE_CREDENTIAL, {"credential_input_request": credential_input_request}, options)

    def create_credential_without_preload_content(
        self, credential_input_request: InputRequest = None, **options: Unpack[RequestOptions]
    ) -> urllib3.BaseHTTPResponse:
        return self.api_client.call_raw(
            CREATE_CREDENTIAL, {"credential_input_request": credential_input_request}, options
        )

    # --- delete_credential ----------------------------------------------------------------------

    def delete_credential(self, credential_id: int, **options: Unpack[RequestOptions]) -> CredentialResponse:
        """Delete Credential (DELETE /v1.0/credentials/{credential_id})."""
        return self.delete_credential_with_http_info(credential_id, **options).data

    def delete_credential_with_http_info(
        self, credential_id: int, **options: Unpack[RequestOptions]
    ) -> ApiResponse[CredentialResponse]:
        return self.api_client.call(DELETE_CREDENTIAL, {"credential_id": credential_id}, options)

    def delete_credential_without_preload_content(
        self, credential_id: int, **options: Unpack[RequestOptions]
    ) -> urllib3.BaseHTTPResponse:
        return self.api_client.call_raw(DELETE_CREDENTIAL, {"credential_id": credential_id}, options)

    # --- get_credential -------------------------------------------------------------------------

    def get_credential(self, credential_id: int, **options: Unpack[RequestOptions]) -> CredentialResponse:
        """Get Credential (GET /v1.0/credentials/{credential_id})."""
        return self.get_credential_with_http_info(credential_id, **options).data

    def get_credential_with_http_info(
        self, credential_id: int, **options: Unpack[RequestOptions]
    ) -> ApiResponse[CredentialResponse]:
        return self.api_client.call(GET_CREDENTIAL, {"credential_id": credential_id}, options)

    def get_credential_without_preload_content(
        self, credential_id: int, **options: Unpack[RequestOptions]
    ) -> urllib3.BaseHTTPResponse:
        return self.api_client.call_raw(GET_CREDENTIAL, {"credential_id": credential_id}, options)

    # --- get_credentials ------------------------------------------------------------------------

    def get_credentials(
        self,
        member_id: Optional[int] = None,
        offer_id: Optional[int] = None,
        store_id: Optional[int] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        **filters_and_options: Unpack[CredentialSearchCall],
    ) -> CredentialList:
        """List Credentials (GET /v1.0/credentials), one page; see :meth:`iter_credentials` for all.

        Keyword filters (all optional, combinable): ``identifier`` (str), ``channel_id`` (int),
        ``ids`` (list of int), ``redeemed`` and ``reusable`` (bool), ``inactive_later_than``
        (timezone-aware ``datetime`` or ISO 8601 str), ``eligible_channel_id`` and ``credential_type`` (int).
        A wrong type raises ``ApiTypeError`` / ``ApiValueError`` before anything is sent.
        """
        return self.get_credentials_with_http_info(
            member_id, offer_id, store_id, page, per_page, **filters_and_options
        ).data

    def get_credentials_with_http_info(
        self,
        member_id: Optional[int] = None,
        offer_id: Optional[int] = None,
        store_id: Optional[int] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        **filters_and_options: Unpack[CredentialSearchCall],
    ) -> ApiResponse[CredentialList]:
        args, options = _search(member_id, offer_id, store_id, page, per_page, filters_and_options)
        return self.api_client.call(GET_CREDENTIALS, args, options)

    def get_credentials_without_preload_content(
        self,
        member_id: Optional[int] = None,
        offer_id: Optional[int] = None,
        store_id: Optional[int] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        **filters_and_options: Unpack[CredentialSearchCall],
    ) -> urllib3.BaseHTTPResponse:
        args, options = _search(member_id, offer_id, store_id, page, per_page, filters_and_options)
        return self.api_client.call_raw(GET_CREDENTIALS, args, options)

    def iter_credentials(
        self,
        member_id: Optional[int] = None,
        offer_id: Optional[int] = None,
        store_id: Optional[int] = None,
        per_page: int = 50,
        **filters_and_options: Unpack[CredentialSearchCall],
    ) -> Iterator[CredentialResponse]:
        """Every credential matching the filters (those of :meth:`get_credentials`), page after page.

        Stops after the last page the server announces, at an empty or short page, or when a server
        that ignores ``page`` sends a page it already sent, so it cannot loop forever.
        """
        walk = PageWalk(per_page)
        while (page := walk.next_page()) is not None:
            result = self.get_credentials(member_id, offer_id, store_id, page, per_page, **filters_and_options)
            yield from walk.accept(result)

    def find_active_credential(
        self, identifier: str, **options: Unpack[RequestOptions]
    ) -> Optional[CredentialResponse]:
        """The point-of-sale lookup: the active credential for the code a member shows, or ``None``.

        Searches by ``identifier`` across every page. One identifier may have belonged to several
        credentials over time (voided, then reissued); the one whose ``voided_at`` is null is active.
        Should several be active, the most recently updated is returned and a warning is logged.
        """
        return choose_active(self.iter_credentials(identifier=identifier, **options))

    # --- get_offer_eligibility_for_member -------------------------------------------------------

    def get_offer_eligibility_for_member(
        self, member_id: int, offer_id: int, **options: Unpack[RequestOptions]
    ) -> CredentialEligibilityResponse:
        """Determine if a member is eligible for an offer (GET /v1.0/credentials/eligible)."""
        return self.get_offer_eligibility_for_member_with_http_info(member_id, offer_id, **options).data

    def get_offer_eligibility_for_member_with_http_info(
        self, member_id: int, offer_id: int, **options: Unpack[RequestOptions]
    ) -> ApiResponse[CredentialEligibilityResponse]:
        return self.api_client.call(
            GET_OFFER_ELIGIBILITY_FOR_MEMBER, {"member_id": member_id, "offer_id": offer_id}, options
        )

    def get_offer_eligibility_for_member_without_preload_content(
        self, member_id: int, offer_id: int, **options: Unpack[RequestOptions]
    ) -> urllib3.BaseHTTPResponse:
        return self.api_client.call_raw(
            GET_OFFER_ELIGIBILITY_FOR_MEMBER, {"member_id": member_id, "offer_id": offer_id}, options
        )

    # --- redeem_credential ----------------------------------------------------------------------

    def redeem_credential(self, credential_id: int, **options: Unpack[RequestOptions]) -> CredentialResponse:
        """Redeem a credential (PUT /v1.0/credentials/{credential_id}/redeem). Never retried automatically."""
        return self.redeem_credential_with_http_info(credential_id, **options).data

    def redeem_credential_with_http_info(
        self, credential_id: int, **options: Unpack[RequestOptions]
    ) -> ApiResponse[CredentialResponse]:
        return self.api_client.call(REDEEM_CREDENTIAL, {"credential_id": credential_id}, options)

    def redeem_credential_without_preload_content(
        self, credential_id: int, **options: Unpack[RequestOptions]
    ) -> urllib3.BaseHTTPResponse:
        return self.api_client.call_raw(REDEEM_CREDENTIAL, {"credential_id": credential_id}, options)

    # --- update_credential ----------------------------------------------------------------------

    def update_credential(
        self, credential_id: int, credential_input_request: InputRequest = None, **options: Unpack[RequestOptions]
    ) -> CredentialResponse:
        """Updates a credential (PUT /v1.0/credentials/{credential_id})."""
        return self.update_credential_with_http_info(credential_id, credential_input_request, **options).data

    def update_credential_with_http_info(
        self, credential_id: int, credential_input_request: InputRequest = None, **options: Unpack[RequestOptions]
    ) -> ApiResponse[CredentialResponse]:
        return self.api_client.call(
            UPDATE_CREDENTIAL,
            {"credential_id": credential_id, "credential_input_request": credential_input_request},
            options,
        )

    def update_credential_without_preload_content(
        self, credential_id: int, credential_input_request: InputRequest = None, **options: Unpack[RequestOptions]
    ) -> urllib3.BaseHTTPResponse:
        return self.api_client.call_raw(
            UPDATE_CREDENTIAL,
            {"credential_id": credential_id, "credential_input_request": credential_input_request},
            options,
        )

    # --- void_credential ------------------------------------------------------------------------

    def void_credential(self, credential_id: int, **options: Unpack[RequestOptions]) -> CredentialResponse:
        """Void a credential (PUT /v1.0/credentials/{credential_id}/void)."""
        return self.void_credential_with_http_info(credential_id, **options).data

    def void_credential_with_http_info(
        self, credential_id: int, **options: Unpack[RequestOptions]
    ) -> ApiResponse[CredentialResponse]:
        return self.api_client.call(VOID_CREDENTIAL, {"credential_id": credential_id}, options)

    def void_credential_without_preload_content(
        self, credential_id: int, **options: Unpack[RequestOptions]
    ) -> urllib3.BaseHTTPResponse:
        return self.api_client.call_raw(VOID_CREDENTIAL, {"credential_id": credential_id}, options)
