"""CredentialsApi: issue, look up, redeem and void the codes members redeem offers with."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Union

import urllib3
from typing_extensions import Unpack

from sparkfly_client._auth import SPARKFLY_TOKEN
from sparkfly_client._endpoint import BodyParam, Endpoint, PathParam, QueryParam
from sparkfly_client.api_client import ApiClient, RequestOptions
from sparkfly_client.api_response import ApiResponse
from sparkfly_client.models.bad_request_object import BadRequestObject
from sparkfly_client.models.credential_eligibility_response import CredentialEligibilityResponse
from sparkfly_client.models.credential_input_request import CredentialInputRequest
from sparkfly_client.models.credential_list import CredentialList
from sparkfly_client.models.credential_response import CredentialResponse

__all__ = ["CredentialsApi"]

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
        **options: Unpack[RequestOptions],
    ) -> CredentialList:
        """List Credentials (GET /v1.0/credentials), one page; see :meth:`iter_credentials` for all."""
        return self.get_credentials_with_http_info(member_id, offer_id, store_id, page, per_page, **options).data

    def get_credentials_with_http_info(
        self,
        member_id: Optional[int] = None,
        offer_id: Optional[int] = None,
        store_id: Optional[int] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        **options: Unpack[RequestOptions],
    ) -> ApiResponse[CredentialList]:
        args = {"member_id": member_id, "offer_id": offer_id, "store_id": store_id, "page": page, "per_page": per_page}
        return self.api_client.call(GET_CREDENTIALS, args, options)

    def get_credentials_without_preload_content(
        self,
        member_id: Optional[int] = None,
        offer_id: Optional[int] = None,
        store_id: Optional[int] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        **options: Unpack[RequestOptions],
    ) -> urllib3.BaseHTTPResponse:
        args = {"member_id": member_id, "offer_id": offer_id, "store_id": store_id, "page": page, "per_page": per_page}
        return self.api_client.call_raw(GET_CREDENTIALS, args, options)

    def iter_credentials(
        self,
        member_id: Optional[int] = None,
        offer_id: Optional[int] = None,
        store_id: Optional[int] = None,
        per_page: int = 50,
        **options: Unpack[RequestOptions],
    ) -> Iterator[CredentialResponse]:
        """Every credential matching the filters, fetching page after page as it goes.

        Stops after ``total_pages``, at an empty or short page, or when a server that ignores
        ``page`` sends a page it already sent, so it cannot loop forever.
        """
        page = 1
        seen_pages: set[tuple[Optional[int], ...]] = set()
        while True:
            result = self.get_credentials(member_id, offer_id, store_id, page, per_page, **options)
            items = result.credentials or []
            fingerprint = tuple(item.credential.id if item.credential else None for item in items)
            if items and fingerprint in seen_pages:
                return
            seen_pages.add(fingerprint)
            yield from items
            if result.total_pages is not None:
                finished = page >= result.total_pages
            else:  # no page count: a short page is the last one
                finished = len(items) < per_page
            if not items or finished:
                return
            page += 1

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
